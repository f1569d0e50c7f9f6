package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/yolo-loss/yololoss/examples/train/synth"
)

func gen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	out := fs.String("o", "data/synth", "dataset folder: data.yaml, images/, labels/")
	force := fs.Bool("force", false, "replace the dataset in -o (its data.yaml, images/ and labels/)")
	c := synth.Default()
	fs.IntVar(&c.Train, "train", c.Train, "training images (the experiment's dataset has the default)")
	fs.IntVar(&c.Val, "val", c.Val, "validation images (the experiment's dataset has the default)")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if err := synth.Write(*out, c, *force); err != nil {
		return inputError{err}
	}
	fmt.Fprintf(stdout, "%s: %d training and %d validation images of %d×%d px, data.yaml\n", *out, c.Train, c.Val, c.Size, c.Size)
	return nil
}
