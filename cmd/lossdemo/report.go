package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/model"
)

// report is the JSON output; its field names are a contract with outside
// scripts.
type report struct {
	Head          string        `json:"head"` // "v5"
	items                       // the last call's numbers
	Criteria      string        `json:"criteria"`
	IoUType       string        `json:"iou_type"` // the hyp's box loss
	BoxLoss       string        `json:"box_loss"` // with its parameters, as iou.Loss names it
	Source        string        `json:"source"`
	Hyp           string        `json:"hyp"`
	DType         string        `json:"dtype"`                 // the engine's, -dtype's if given
	InputDType    string        `json:"input_dtype,omitempty"` // the file's, where -dtype converts it
	NC            int           `json:"nc"`
	Strides       []float64     `json:"strides"`
	End2End       bool          `json:"end2end"` // always false: YOLOv5's head has one branch
	Layers        []layerReport `json:"layers"`
	Warnings      []string      `json:"warnings,omitempty"`
	Grad          string        `json:"grad,omitempty"`
	GradElements  *int          `json:"grad_elements,omitempty"`
	GradNonFinite *int          `json:"grad_nonfinite,omitempty"` // NaN or ±Inf elements of the gradient written
	MedianMs      *float64      `json:"median_ms,omitempty"`
	AllocsPerCall *float64      `json:"allocs_per_call,omitempty"`
	ForwardMs     *float64      `json:"forward_median_ms,omitempty"` // the loss alone
	ClearMs       *float64      `json:"clear_median_ms,omitempty"`   // clear() of the gradient buffers
	Calls         int           `json:"bench_calls,omitempty"`
	Workers       int           `json:"workers,omitempty"`
	Compare       []compare.Row `json:"compare,omitempty"`
	// Placements and BoxLosses are -compare's other tables.
	Placements []compare.PlacementRow `json:"placements,omitempty"`
	BoxLosses  *compare.Boxes         `json:"box_losses,omitempty"`
	History    []items                `json:"history,omitempty"` // every call with -iters > 1
}

// items are one call's numbers.
type items struct {
	Loss    float64   `json:"loss"`
	LBox    float64   `json:"lbox"`
	LObj    float64   `json:"lobj"`
	LCls    float64   `json:"lcls"`
	Balance []float64 `json:"balance"`
	// WIoUMeans is WIoU's running mean after each layer with matches, in
	// layer order (iou.State); only when the box loss is wiou.
	WIoUMeans []float64 `json:"wiou_means,omitempty"`
}

type layerReport struct {
	Grid    [2]int  `json:"grid"` // ny, nx
	Stride  float64 `json:"stride"`
	Matches int     `json:"matches"`
	Labels  int     `json:"labels_matched"`
	LBox    float64 `json:"lbox"`
	LObj    float64 `json:"lobj"`
	LCls    float64 `json:"lcls"`
	Balance float64 `json:"balance"`
}

func printReport(w io.Writer, r *report, in *inputs) {
	b := in.batch
	dtype := r.DType
	if r.InputDType != "" {
		dtype += " (the file's " + r.InputDType + ", converted)"
	}
	fmt.Fprintf(w, "YOLOv5 loss on %s: %d images, %d classes, %d labels, %s\n",
		r.Source, b.BS(), b.NC(), len(b.Targets), dtype)
	fmt.Fprintf(w, "hyp: %s (box %g, obj %g, cls %g, anchor_t %g)\n", r.Hyp, in.hyp.Box, in.hyp.Obj, in.hyp.Cls, in.hyp.AnchorT)
	fmt.Fprintf(w, "criteria: %s\n", r.Criteria)
	fmt.Fprintf(w, "box loss: %s (%s)\n\n", r.IoUType, r.BoxLoss)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tgrid\tstride\tlabels\tmatches\tlbox\tlobj\tlcls\tbalance\t")
	for i, l := range r.Layers {
		fmt.Fprintf(tw, "%s\t%dx%d\t%g\t%d\t%d\t%s\t%s\t%s\t%.4g\t\n",
			model.LayerName(i, in.model.Strides), l.Grid[1], l.Grid[0], l.Stride, l.Labels, l.Matches, num(l.LBox), num(l.LObj), num(l.LCls), l.Balance)
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%s\t%s\t%s\t\t\n", num(r.LBox), num(r.LObj), num(r.LCls))
	tw.Flush()
	fmt.Fprintf(w, "\nloss = (lbox + lobj + lcls) × bs = (%s + %s + %s) × %d = %s\n",
		num(r.LBox), num(r.LObj), num(r.LCls), b.BS(), num(r.Loss))
	printHistory(w, r.History)
	if in.hyp.FlGamma == 0 {
		n := compare.Names()
		fmt.Fprintf(w, "(fl_gamma is 0: plain BCE. Set fl_gamma > 0 and fl_type to try %s; -compare shows all %s.)\n",
			joinList(criterion.Names(), "or"), count(len(n)))
	}
	printGrad(w, r)
	if len(r.Compare) > 0 {
		printCompare(w, r.Compare)
		printPlacements(w, r.Placements)
		printBoxes(w, r.BoxLosses, r.BoxLoss)
	}
	if r.MedianMs != nil {
		fmt.Fprintf(w, "\nbench: %d forward+backward calls, median %.3f ms, %.1f allocations per call, %d workers\n",
			r.Calls, *r.MedianMs, *r.AllocsPerCall, r.Workers)
		fmt.Fprintf(w, "       forward only %.3f ms; clear() of the gradient %.3f ms, so forward+backward = %.1f × clear()\n",
			*r.ForwardMs, *r.ClearMs, *r.MedianMs / *r.ClearMs)
	}
}

// printHistory prints each call of -iters N > 1, with WIoU's running
// means where the box loss has them.
func printHistory(w io.Writer, hist []items) {
	if len(hist) <= 1 {
		return
	}
	fmt.Fprintf(w, "%d calls (the table shows the last):\n", len(hist))
	for k, h := range hist {
		fmt.Fprintf(w, "  call %d: loss %s  lbox %s  lobj %s  lcls %s  balance %.6g", k+1, num(h.Loss), num(h.LBox), num(h.LObj), num(h.LCls), h.Balance)
		if h.WIoUMeans != nil {
			fmt.Fprintf(w, "  wiou means %.6g", h.WIoUMeans)
		}
		fmt.Fprintln(w)
	}
}

// printGrad says where the gradient went, how many elements it has and
// whether all are finite.
func printGrad(w io.Writer, r *report) {
	if r.Grad == "" {
		return
	}
	finite := "all finite"
	if *r.GradNonFinite > 0 {
		finite = fmt.Sprintf("%d not finite (NaN or ±Inf)", *r.GradNonFinite)
	}
	fmt.Fprintf(w, "gradient written to %s (p0…p%d, %s): %d elements, %s\n", r.Grad, len(r.Layers)-1, r.DType, *r.GradElements, finite)
}

func printCompare(w io.Writer, rows []compare.Row) {
	fmt.Fprintln(w, "\ncriteria compared on the same predictions (|grad| sums over objectness logits of matched / other cells):")
	printRows(w, "criterion", rows)
}

// printRows prints rows of the criteria's columns, headed by first.
func printRows(w io.Writer, first string, rows []compare.Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, first+"\tloss\tlbox\tlobj\tlcls\t|obj grad| pos\t|obj grad| neg\tpos share\t|cls grad|\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.5f\t%.5f\t%.5f\t%.5f\t%.4g\t%.4g\t%.1f%%\t%.4g\t\n",
			r.Criterion, r.Loss, r.LBox, r.LObj, r.LCls, r.ObjGradPos, r.ObjGradNeg, 100*r.ObjGradShare, r.ClsGrad)
	}
	tw.Flush()
}

func printPlacements(w io.Writer, rows []compare.PlacementRow) {
	fmt.Fprintln(w, "\nwhere the criterion applies (fl_apply both, cls, obj), and varifocal with constant or IoU class targets (cls_iou_target):")
	plain := make([]compare.Row, len(rows))
	for i, r := range rows {
		plain[i] = r.Row
	}
	printRows(w, "criteria", plain)
}

// printBoxes prints the box-loss table of -compare; own is the hyp's box
// loss with its parameters: the row of its iou_type is marked "(hyp)"
// where it has the same parameters, else "(hyp's iou_type)".
func printBoxes(w io.Writer, b *compare.Boxes, own string) {
	iou := "no matches"
	if b.Matches > 0 {
		iou = fmt.Sprintf("%d matches, mean IoU %.4f", b.Matches, b.MeanIoU)
	}
	fmt.Fprintf(w, "\nbox losses compared on the same predictions, each with its default parameters (%s):\n", iou)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "iou_type\tbox loss\tloss\tlbox\tlobj\tmean value\t|box grad|\t|box grad| by layer\t")
	for _, r := range b.Rows {
		name := r.IoUType
		switch {
		case r.Hyp && r.BoxLoss == own:
			name += " (hyp)"
		case r.Hyp:
			name += " (hyp's iou_type)"
		}
		shares := make([]string, len(r.BoxGradShare))
		for i, s := range r.BoxGradShare {
			shares[i] = fmt.Sprintf("%s %.0f%%", b.Layers[i], 100*s)
		}
		fmt.Fprintf(tw, "%s\t%s\t%.5f\t%.5f\t%.5f\t%.4f\t%.4g\t%s\t\n",
			name, r.BoxLoss, r.Loss, r.LBox, r.LObj, r.MeanValue, r.BoxGrad, strings.Join(shares, " "))
	}
	tw.Flush()
	fmt.Fprintln(w, "mean value: the variant's IoU-like value over the matches, which clamped at 0 is the objectness target;")
	fmt.Fprintln(w, "mean IoU: the plain IoU of the matches' decoded boxes with their targets; |box grad|: Σ|∂loss/∂(x, y, w, h) logits|")
}

// joinList joins words as English does: "a", "a or b", "a, b or c".
func joinList(words []string, conj string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}

// count spells small counts as words.
func count(n int) string {
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"}
	if n >= 0 && n < len(words) {
		return words[n]
	}
	return fmt.Sprint(n)
}
