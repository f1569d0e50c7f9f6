// Package trainer trains the detector of package net with the yololoss
// engine: GoMLX computes the network and its parameter gradients, the engine
// the loss and its gradient with respect to the raw outputs.
//
// # A step
//
// For a batch of images x and labels:
//
//	p_i  = forward(x)                               GoMLX program 1: the raw outputs [B, na, ny, nx, 5+nc]
//	L, G = engine.Loss(p, labels)                   package computeloss: G_i = ∂L/∂p_i
//	S    = Σ_i Σ p_i(x; θ)·G_i                      GoMLX program 2, with G an input (a constant),
//	θ   ← optimiser(θ, ∂S/∂θ)                       so ∂S/∂θ = Σ_i (∂p_i/∂θ)ᵀ·G_i = ∂L/∂θ
//
// The second program recomputes the forward pass, since activations do not
// outlive a program; the step costs one forward more than an in-graph loss.
//
// # Schedule
//
// From the hyp file, as YOLOv5's train.py: lr0·lf(epoch) with the linear
// lf(e) = (1 − e/E)·(1 − lrf) + lrf, ramped from 0 over max(round(
// warmup_epochs·nb), 100) steps; Adam with β1 = momentum (GoMLX's Adam, with
// weight_decay decoupled, as AdamW) or GoMLX's plain SGD; the loss gains
// scaled by hyp.ScaleGains to the number of layers, classes and the image
// size. With a nominal batch (Config.NominalBatch, YOLOv5's nbs 64), the
// gradients of accumulate = max(round(nbs/bs), 1) batches are summed before
// each optimiser step (ramped from 1 during the warm-up, as train.py does),
// by one update over the batches' concatenated images and loss gradients,
// and weight_decay is scaled by bs·accumulate/nbs; unlike YOLOv5, an epoch
// ends with a step over the batches gathered so far rather than carrying
// them into the next epoch, so that a checkpoint holds no half-gathered
// step. YOLOv5's warm-up of the momentum and of the bias learning rate, its
// three parameter groups, EMA weights and augmentation are not reproduced.
// The images of an epoch come in an order drawn from (seed, epoch); the last
// partial batch is dropped.
//
// # Each epoch
//
// After the training steps, the validation split goes through the network,
// the engine (YOLOv5's val losses) and val.py's chain at its settings:
// decode's inference output, NMS (conf 0.001, IoU 0.6, multi-label, 300
// detections) and the metrics (P, R, mAP@0.5, mAP@0.5:0.95). The run then
// rewrites results.csv (YOLOv5's columns and format) and results.png (gonum/
// plot), and saves a checkpoint (see checkpoint.go): the weights, the
// optimiser's state, the engine's state (autobalance balance, the box loss's
// running mean), the counters and the rows so far, ending with the SHA-256
// of all of it. Resume refuses a checkpoint whose bytes do not match that
// checksum (ErrDamagedCheckpoint, naming the file), and otherwise continues
// from it, giving what an uninterrupted run gives, bit for bit.
//
// # The anchor-free head
//
// With Config.AnchorFree (a model file of ultralytics' format, such as
// models/synth-v8.yaml), the network's head is ultralytics' Detect (outputs
// [B, 4·reg_max+nc, ny, nx]) and the engine is package v8loss's, built from
// an ultralytics config (hyp.DefaultV8 or a file of its keys) whose gains
// are used as they are; the engine's epoch is set at the start of each epoch
// (SetEpoch) and its state (the epoch, the box loss's running mean) goes into
// the checkpoint. Validation decodes with decode.AnchorFree and runs NMS at
// ultralytics' validator's settings (nms.ValV8: conf 0.001, IoU 0.7,
// multi-label, 300 detections), then the same metrics. There is no
// objectness: the loss items are box, cls and dfl, and the DFL term takes
// the objectness columns of results.csv, named train/dfl_loss and
// val/dfl_loss. The schedule and optimiser are the same as for YOLOv5's head
// (ultralytics' own trainer differs: SGD or AdamW chosen by the run length,
// its warm-up, EMA, augmentation).
//
// A training step whose loss is not finite (NaN or ±Inf), or a validation
// whose losses or metrics are not, stops the run with an error before
// anything of that epoch is written: results.csv, results.png and the
// checkpoints stay those of the last complete epoch.
package trainer
