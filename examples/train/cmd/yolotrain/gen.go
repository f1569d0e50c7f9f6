package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/yolo-loss/yololoss/examples/train/synth"
)

func gen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	out := fs.String("o", "", "dataset folder: data.yaml, images/, labels/ (default data/synth-<spec>, where experiment looks)")
	force := fs.Bool("force", false, "replace the dataset in -o (its data.yaml, images/ and labels/)")
	spec := fs.String("spec", "easy", "the dataset spec: easy or hard (package synth)")
	train := fs.Int("train", -1, "training images (default: the spec's)")
	val := fs.Int("val", -1, "validation images (default: the spec's)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	c, err := synth.Spec(*spec)
	if err != nil {
		return inputError{err}
	}
	if *out == "" {
		*out = filepath.Join("data", "synth-"+*spec)
	}
	if *train >= 0 {
		c.Train = *train
	}
	if *val >= 0 {
		c.Val = *val
	}
	if err := synth.Write(*out, c, *force); err != nil {
		return inputError{err}
	}
	fmt.Fprintf(stdout, "%s: %d training and %d validation images of %d×%d px, data.yaml\n", *out, c.Train, c.Val, c.Size, c.Size)
	return nil
}
