package iou

import (
	"math"
	"testing"
)

// TestKnownValues checks each variant's value and loss on pairs whose
// numbers follow by hand from the references' formulas, written here in
// closed form: identical boxes (no distance, no aspect or shape
// difference), disjoint ones (no overlap) and nested ones with coincident
// centres. ε is Eps; iou.py's IoU is I/(U + ε) with ε in U already.
func TestKnownValues(t *testing.T) {
	const e = Eps
	var (
		identP, identT = Box{0.5, 0.5, 2, 3}, Box{0.5, 0.5, 2, 3} // I = 6, cw = 2, ch = 3
		disjP, disjT   = Box{0, 0, 2, 2}, Box{3, 0.5, 2, 2}       // I = 0, U = 8, cw = 5, ch = 2.5, ρ² = 9.25
		nestP, nestT   = Box{0.5, 0.5, 1, 1}, Box{0.5, 0.5, 2, 2} // I = 1, U = 4, cw = ch = 2
	)
	// SIoU's cost at coincident centres: offsets s = (ε, ε), at 45° the
	// angle cost is 1 and γ_a = −1, so Δ = 2 − e^{−(ε/cw)²} − e^{−(ε/ch)²}.
	delta45 := func(cw, ch float64) float64 { return -math.Expm1(-e*e/(cw*cw)) - math.Expm1(-e*e/(ch*ch)) }
	omega := math.Pow(1-math.Exp(-0.5), 4) // a shape term with ω = |1 − 2|/2
	// SIoU disjoint: s = (3 + ε, 0.5 + ε), below 45° from x, so sin = s_y/σ
	// and the angle cost sin(2·asin(sin)) = 2·s_x·s_y/σ².
	sx, sy := 3+e, 0.5+e
	gd := 2*sx*sy/(sx*sx+sy*sy) - 2
	deltaDisj := 2 - math.Exp(gd*(sx/5)*(sx/5)) - math.Exp(gd*(sy/2.5)*(sy/2.5))
	n := float64(testGrid.NY*testGrid.NY + testGrid.NX*testGrid.NX)
	t3 := 1 / (4 + 2*e) // iou.py's IoU, nested

	for _, c := range []struct {
		typ         string
		keys        map[string]float64
		p, t        Box
		value, loss float64
	}{
		{"iou", nil, identP, identT, 6 / (6 + e), 1 - 6/(6+e)},
		{"giou", nil, identP, identT, 6 / (6 + e), 1 - 6/(6+e)},
		{"diou", nil, identP, identT, 6 / (6 + e), 1 - 6/(6+e)},
		{"ciou", nil, identP, identT, 6 / (6 + e), 1 - 6/(6+e)},
		{"eiou", nil, identP, identT, 6 / (6 + 2*e), 1 - 6/(6+2*e)},
		{"siou", nil, identP, identT, 6/(6+2*e) - (delta45(2, 3)/2 + e), 1 - 6/(6+2*e) + delta45(2, 3)/2 + e},
		{"wiou", nil, identP, identT, 1, 0},
		{"mpdiou", nil, identP, identT, 6 / (6 + 5*e), 1 - 6/(6+5*e)}, // U = 2·2·(3 + ε) − 6 + ε
		{"shape_iou", nil, identP, identT, 6 / (6 + e), 1 - 6/(6+e)},

		{"iou", nil, disjP, disjT, 0, 1},
		{"giou", nil, disjP, disjT, -4.5 / (12.5 + e), 1 + 4.5/(12.5+e)},
		{"diou", nil, disjP, disjT, -9.25 / (31.25 + e), 1 + 9.25/(31.25+e)},
		{"ciou", nil, disjP, disjT, -9.25 / (31.25 + e), 1 + 9.25/(31.25+e)}, // equal aspects: v = 0
		{"eiou", nil, disjP, disjT, -9.25 / (31.25 + e), 1 + 9.25/(31.25+e)}, // equal sizes
		{"siou", nil, disjP, disjT, -(deltaDisj/2 + e), 1 + deltaDisj/2 + e},
		{"wiou", nil, disjP, disjT, 0, math.Exp(9.25 / 31.25)},
		{"mpdiou", nil, disjP, disjT, -18.5 / n, 1 + 18.5/n}, // d₁² = d₂² = 3² + 0.5²
		{"shape_iou", nil, disjP, disjT, -9.25 / (31.25 + e), 1 + 9.25/(31.25+e)},

		{"iou", nil, nestP, nestT, 1 / (4 + e), 1 - 1/(4+e)},
		{"giou", nil, nestP, nestT, 1 / (4 + e), 1 - 1/(4+e)},
		{"diou", nil, nestP, nestT, 1 / (4 + e), 1 - 1/(4+e)},
		{"ciou", nil, nestP, nestT, 1 / (4 + e), 1 - 1/(4+e)},
		{"eiou", nil, nestP, nestT, t3 - 2/(4+e), 1 - t3 + 2/(4+e)}, // ρ_w = ρ_h = 1, cw² = 4
		{"siou", nil, nestP, nestT, t3 - ((delta45(2, 2)+2*omega)/2 + e), 1 - t3 + (delta45(2, 2)+2*omega)/2 + e},
		{"wiou", nil, nestP, nestT, 0.25, 0.75},
		{"mpdiou", nil, nestP, nestT, 1/(4+4*e) - 1/n, 1 - 1/(4+4*e) + 1/n}, // d₁² = d₂² = 0.5
		{"shape_iou", nil, nestP, nestT, 1/(4+e) - omega, 1 - 1/(4+e) + omega},
		{"shape_iou", map[string]float64{KeyShapeScale: 1.5}, nestP, nestT, 1/(4+e) - omega, 1 - 1/(4+e) + omega}, // square target: ww = hh = 1

		// Modifiers, nested: the penalties vanish but for iou.py's ε.
		{"iou", map[string]float64{KeyAlpha: 3}, nestP, nestT, t3 * t3 * t3, 1 - t3*t3*t3},
		{"iou", map[string]float64{KeyFocalGamma: 0.5}, nestP, nestT, t3, math.Sqrt(t3) * (1 - t3)},
		{"giou", map[string]float64{KeyAlpha: 2}, nestP, nestT, t3*t3 - e*e, 1 - t3*t3 + e*e},
		{"diou", map[string]float64{KeyAlpha: 3}, nestP, nestT, t3 * t3 * t3, 1 - t3*t3*t3},
		{"ciou", map[string]float64{KeyAlpha: 3}, nestP, nestT, t3*t3*t3 - e*e*e, 1 - t3*t3*t3 + e*e*e},
		{"ciou", map[string]float64{KeyFocalGamma: 2}, nestP, nestT, t3 - e, t3 * t3 * (1 - t3 + e)},
		{"ciou", map[string]float64{KeyInnerRatio: 0.5}, nestP, nestT, 0.25 / (1 + e), 1 - 0.25/(1+e)}, // 0.5² in 1²
		{"siou", map[string]float64{KeyInnerRatio: 2}, nestP, nestT, 4/(16+e) - (delta45(2, 2)+2*omega)/2, 1 - 4/(16+e) + (delta45(2, 2)+2*omega)/2},
	} {
		l, err := New(paramsOf(t, c.typ, c.keys))
		if err != nil {
			t.Fatal(err)
		}
		got := l.Eval(PredOf(c.p), c.t, testGrid, new(Held), false)
		if math.Abs(got.Value-c.value) > 1e-15 || math.Abs(got.Loss-c.loss) > 1e-15 {
			t.Errorf("%v p=%v t=%v: value %.17g loss %.17g, want %.17g and %.17g", l, c.p, c.t, got.Value, got.Loss, c.value, c.loss)
		}
	}
}
