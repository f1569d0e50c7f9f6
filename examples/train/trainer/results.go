package trainer

import (
	"fmt"
	"io"
	"strings"
)

// Row is one epoch of results.csv. For the anchor-free head, which has no
// objectness, TrainObj and ValObj hold the DFL term.
type Row struct {
	Epoch                        int // 0-based, as YOLOv5 writes it
	TrainBox, TrainObj, TrainCls float64
	P, R, MAP50, MAP             float64
	ValBox, ValObj, ValCls       float64
	LR                           float64 // the learning rate of the epoch's last step
}

func newRow(epoch int, t lossItems, v valResult, lr float64) Row {
	m := v.Metrics
	return Row{
		Epoch: epoch, TrainBox: t.Box, TrainObj: t.Obj, TrainCls: t.Cls,
		P: m.MP, R: m.MR, MAP50: m.MAP50, MAP: m.MAP,
		ValBox: v.Items.Box, ValObj: v.Items.Obj, ValCls: v.Items.Cls, LR: lr,
	}
}

// resultsColumns are YOLOv5's results.csv columns. YOLOv5 has three
// parameter groups (weights, batch-norm weights, biases) with a learning rate
// each; this trainer has one, written in all three.
var resultsColumns = []string{
	"epoch", "train/box_loss", "train/obj_loss", "train/cls_loss",
	"metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95",
	"val/box_loss", "val/obj_loss", "val/cls_loss", "x/lr0", "x/lr1", "x/lr2",
}

// writeResultsCSV writes rows in YOLOv5's format: every field right-aligned
// in 20 characters, numbers as %20.5g, separated by commas. The second loss
// item's columns are named train/<obj>_loss and val/<obj>_loss: "obj" for
// YOLOv5, "dfl" for the anchor-free head (whose columns keep YOLOv5's order).
func writeResultsCSV(w io.Writer, rows []Row, obj string) error {
	head := make([]string, len(resultsColumns))
	for i, c := range resultsColumns {
		c = strings.Replace(c, "/obj_", "/"+obj+"_", 1)
		head[i] = fmt.Sprintf("%20s", c)
	}
	if _, err := fmt.Fprintln(w, strings.Join(head, ",")); err != nil {
		return err
	}
	for _, r := range rows {
		vals := []float64{float64(r.Epoch), r.TrainBox, r.TrainObj, r.TrainCls, r.P, r.R, r.MAP50, r.MAP,
			r.ValBox, r.ValObj, r.ValCls, r.LR, r.LR, r.LR}
		f := make([]string, len(vals))
		for i, v := range vals {
			f[i] = fmt.Sprintf("%20.5g", v)
		}
		if _, err := fmt.Fprintln(w, strings.Join(f, ",")); err != nil {
			return err
		}
	}
	return nil
}
