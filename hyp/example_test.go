package hyp_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/hyp"
)

func ExampleParse() {
	h, err := hyp.Parse([]byte(`
box: 0.05
cls: 0.5
cls_pw: 1.0
obj: 1.0
obj_pw: 1.0
anchor_t: 4.0
fl_gamma: 1.5
fl_type: qfocal
`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.DescribeCriteria())
	fmt.Println("label smoothing:", h.LabelSmoothing)

	// A typo is an error, not a silent fallback to the default.
	_, err = hyp.Parse([]byte(`
box: 0.05
cls: 0.5
cls_pw: 1.0
obj: 1.0
obj_pw: 1.0
anchor_t: 4.0
fl_gama: 1.5
`))
	fmt.Println(err)

	// Output:
	// qfocal γ=1.5 α=0.25 on cls and obj
	// label smoothing: 0
	// hyp: line 8: unknown key "fl_gama" (did you mean "fl_gamma"?); read as a YOLOv5 hyp file
}

func ExampleDefault() {
	h := hyp.Default()
	fmt.Println(h.DescribeCriteria())
	fmt.Printf("box %g, cls %g, obj %g, anchor_t %g\n", h.Box, h.Cls, h.Obj, h.AnchorT)

	// Output:
	// BCE (fl_gamma 0)
	// box 0.05, cls 0.5, obj 1, anchor_t 4
}

func ExamplePreset() {
	h, err := hyp.Preset("VOC")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("anchors %g, anchor_t %g, obj_pw %g\n", h.Anchors, h.AnchorT, h.ObjPw)

	_, err = hyp.Preset("scratch-lo")
	fmt.Println(err)

	// Output:
	// anchors 3.412, anchor_t 3.3744, obj_pw 0.67198
	// hyp: unknown preset "scratch-lo" (have Objects365, VOC, no-augmentation, scratch-high, scratch-low, scratch-med)
}

func ExampleLoad() {
	h, err := hyp.Load("../testdata/golden/varifocal_g2_a075/hyp.yaml")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.DescribeCriteria())

	// Output:
	// varifocal γ=2 α=0.75 on cls and obj
}

func ExampleHyp_ScaleGains() {
	// A P6 model (four output layers) on 20 classes at 1280 pixels.
	h := hyp.Default()
	h.ScaleGains(4, 20, 1280)
	fmt.Printf("box %.4g, cls %.4g, obj %.4g\n", h.Box, h.Cls, h.Obj)

	// A second call scales the gains the first was given: nothing compounds.
	h.ScaleGains(4, 20, 1280)
	fmt.Printf("box %.4g, cls %.4g, obj %.4g\n", h.Box, h.Cls, h.Obj)

	// Output:
	// box 0.0375, cls 0.09375, obj 3
	// box 0.0375, cls 0.09375, obj 3
}

func ExampleMarshal() {
	h := hyp.Default()
	h.FlGamma = 2
	h.FlType = "varifocal"
	fmt.Printf("%s", hyp.Marshal(h))

	// Output:
	// # YOLOv5 hyperparameters
	// lr0: 0.01            # starting learning rate
	// lrf: 0.01            # final learning rate, fraction of lr0
	// momentum: 0.937      # SGD momentum, Adam beta1
	// weight_decay: 0.0005 # weight decay
	// warmup_epochs: 3.0   # warm-up length (epochs)
	// warmup_momentum: 0.8 # momentum at the start of warm-up
	// warmup_bias_lr: 0.1  # bias learning rate at the start of warm-up
	// box: 0.05            # box loss gain
	// cls: 0.5             # class loss gain
	// cls_pw: 1.0          # class BCE positive weight
	// obj: 1.0             # objectness loss gain
	// obj_pw: 1.0          # objectness BCE positive weight
	// iou_t: 0.2           # IoU training threshold
	// anchor_t: 4.0        # target/anchor size ratio threshold
	// fl_gamma: 2.0        # focal gamma, 0 for plain BCE
	// hsv_h: 0.015         # hue augmentation (fraction)
	// hsv_s: 0.7           # saturation augmentation (fraction)
	// hsv_v: 0.4           # value augmentation (fraction)
	// degrees: 0.0         # rotation (+/- degrees)
	// translate: 0.1       # translation (+/- fraction)
	// scale: 0.5           # scale (+/- gain)
	// shear: 0.0           # shear (+/- degrees)
	// perspective: 0.0     # perspective (+/- fraction)
	// flipud: 0.0          # up-down flip probability
	// fliplr: 0.5          # left-right flip probability
	// mosaic: 1.0          # mosaic probability
	// mixup: 0.0           # mixup probability
	// copy_paste: 0.0      # copy-paste probability
	// fl_alpha: 0.25       # focal alpha
	// fl_type: varifocal   # focal-family criterion: focal, qfocal or varifocal
	// label_smoothing: 0.0 # class label smoothing epsilon
}

func ExampleDefaultV8() {
	h := hyp.DefaultV8()
	fmt.Printf("box %g, cls %g, dfl %g, epochs %d, tal_topk %d\n", h.Box, h.Cls, h.Dfl, h.Epochs, h.TalTopk)

	// Output:
	// box 7.5, cls 0.5, dfl 1.5, epochs 100, tal_topk 10
}

func ExampleHyp_For() {
	// A partial ultralytics config: the keys it lacks take 8.4.35's defaults.
	h, err := hyp.Parse([]byte("dfl: 2.0\nepochs: 50\n"))
	if err != nil {
		log.Fatal(err)
	}
	v8, err := h.For(hyp.HeadV8)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: box %g, cls %g, dfl %g, epochs %d\n", h.Format(), v8.Box, v8.Cls, v8.Dfl, v8.Epochs)
	_, err = h.For(hyp.HeadV5)
	fmt.Println(err)

	// YOLOv5's keys mean nothing to the anchor-free heads.
	_, err = hyp.Default().For(hyp.HeadV8)
	fmt.Println(err)

	// Output:
	// ultralytics config file: box 7.5, cls 0.5, dfl 2, epochs 50
	// hyp: line 1: key "dfl" is ultralytics' (the anchor-free heads') and means nothing for the v5 head (YOLOv5's): use a YOLOv5 hyp file; read as an ultralytics config file
	// hyp: hyp.scratch-low.yaml: line 16: key "cls_pw" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): ultralytics' class BCE has no positive weight; read as a YOLOv5 hyp file
}
