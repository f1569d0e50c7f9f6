package fit

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/target"
)

func TestSettingsDefaults(t *testing.T) {
	want := Settings{Iterations: DefaultIterations, RoundIterations: DefaultRoundIterations, Bound: DefaultBound, Tolerance: DefaultTolerance}
	for _, s := range []*Settings{nil, {}, {Iterations: -1, Bound: -2}} {
		if d := cmp.Diff(want, s.withDefaults(), cmp.Comparer(func(a, b func(Round)) bool { return a == nil && b == nil })); d != "" {
			t.Errorf("withDefaults(%+v) mismatch (-want +got):\n%s", s, d)
		}
	}
}

// TestFitStops: a fit ends at the iteration budget and at the timeout, and
// counts its steps, rounds and engine calls (one to start, one refresh per
// round and one at the end, one per step).
func TestFitStops(t *testing.T) {
	c := goldenCase(t, "bce_basic")
	for _, tc := range []struct {
		name                   string
		s                      Settings
		stop                   Stop
		iters, rounds, reports int
	}{
		{"budget", Settings{Iterations: 25, RoundIterations: 10}, Budget, 25, 3, 3},
		{"timeout", Settings{Timeout: time.Nanosecond}, Timeout, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, p := c.engine(t)
			var reports []Round
			tc.s.Progress = func(r Round) { reports = append(reports, r) }
			r, err := Fit(e, p, c.b.Targets, &tc.s)
			if err != nil {
				t.Fatal(err)
			}
			got := []int{int(r.Stop), r.Iterations, r.Rounds, r.Evaluations, len(reports)}
			want := []int{int(tc.stop), tc.iters, tc.rounds, tc.iters + tc.rounds + 2, tc.reports}
			if !slices.Equal(got, want) {
				t.Errorf("stop, iterations, rounds, evaluations, reports = %v, want %v", got, want)
			}
			if n := len(reports); n > 0 && (reports[n-1].Iterations != tc.iters || !(reports[n-1].Frozen.Loss < r.Start.Loss)) {
				t.Errorf("last report %+v, want %d iterations and a loss below %v", reports[n-1], tc.iters, r.Start.Loss)
			}
		})
	}
}

// TestFitErrors: labels the engine rejects are an error, the predictions
// stay as they were, and the engine is left unfrozen.
func TestFitErrors(t *testing.T) {
	c := goldenCase(t, "bce_basic")
	e, p := c.engine(t)
	before := slices.Clone(p[0].Data)
	bad := append(slices.Clone(c.b.Targets), target.Label{0, 99, 0.5, 0.5, 0.1, 0.1}) // class 99 of 3
	if _, err := Fit(e, p, bad, nil); err == nil {
		t.Fatal("no error for a label of class 99")
	}
	if !slices.Equal(before, p[0].Data) {
		t.Error("the predictions changed")
	}
	// A frozen engine refuses labels other than its last unfrozen call's.
	if _, err := e.Loss(p, c.b.Targets[:1], nil); err != nil {
		t.Errorf("engine left frozen: %v", err)
	}
}

// TestFitUnfreezes: after a fit the engine computes YOLOv5's loss again.
func TestFitUnfreezes(t *testing.T) {
	c := goldenCase(t, "bce_basic")
	e, p := c.engine(t)
	if _, err := Fit(e, p, c.b.Targets, &Settings{Iterations: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Loss(p, c.b.Targets[:1], nil); err != nil {
		t.Errorf("engine left frozen: %v", err)
	}
}

func TestStopString(t *testing.T) {
	for s, want := range map[Stop]string{Converged: "converged", Budget: "iteration budget spent", Timeout: "timeout", Stop(9): "Stop(9)"} {
		if s.String() != want {
			t.Errorf("Stop(%d).String() = %q, want %q", int(s), s.String(), want)
		}
	}
}
