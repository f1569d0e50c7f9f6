package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/internal/curves"
	"github.com/yolo-loss/yololoss/iou"
)

// runCurves is `lossdemo curves`: it draws the loss and |∂ℓ/∂x| of BCE and
// each criterion of package criterion's table against the predicted
// probability, for positives and negatives, or with -box the loss and
// gradient magnitude of each box loss (package iou's table) against the
// centre offset and the aspect ratio of a predicted box around a target,
// to a PNG, SVG or PDF file (package internal/curves).
func runCurves(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("lossdemo curves", flag.ContinueOnError)
	usage(flags, stderr, "usage: lossdemo curves [-hyp FILE] [-box] [-force] -o OUT.png|OUT.svg|OUT.pdf")
	hypPath := flags.String("hyp", "", "hyp YAML `file` whose fl_gamma, fl_alpha and obj_pw are drawn, or with -box whose box loss is marked (default: the embedded data/hyps/"+hyps.Default+")")
	box := flags.Bool("box", false, "draw the box losses (every iou_type) instead of the criteria")
	out := flags.String("o", "", "write the figure to `file`: .png (1200×800), .svg or .pdf (never over an existing file without -force)")
	var force bool
	forceFlag(flags, &force, "-o")
	if err := cli.ParseFlags(flags, args); err != nil {
		return err
	}
	if *out != "" {
		if err := cli.CheckOutput("curves: -o", *out, force); err != nil {
			return err
		}
	}
	ext, format, err := curvesFormat(*out)
	if err != nil {
		return err
	}
	h, hypName, err := loadHyp(*hypPath)
	if err != nil {
		return err
	}
	fig, what, err := curvesFigure(h, hypName, *box)
	if err != nil {
		return err
	}
	put := atomicfile.Write
	if force {
		put = atomicfile.Replace
	}
	err = put(*out, func(w io.Writer) error { return fig.Render(w, ext) })
	if errors.Is(err, fs.ErrExist) {
		return cli.Inputf("curves: -o %s: the file already exists; not overwriting it (-force replaces it)", *out)
	}
	if err != nil {
		return cli.OutputErr(fmt.Errorf("curves: -o %s: %w", *out, err))
	}
	size := ""
	if ext == ".png" {
		size = fmt.Sprintf(" %d×%d px", int(curves.Width/vg.Inch*curves.DPI), int(curves.Height/vg.Inch*curves.DPI))
	}
	fmt.Fprintf(stdout, "curves: wrote %s (%s%s): %s, from %s\n", *out, format, size, what, hypName)
	return nil
}

// curvesFigure returns the figure that runCurves draws for hyp h, and what
// it shows, for people.
func curvesFigure(h *hyp.Hyp, hypName string, box bool) (interface {
	Render(w io.Writer, ext string) error
}, string, error) {
	if !box {
		f := curves.New(h, hypName)
		return f, fmt.Sprintf("%s at γ=%s α=%s, obj_pw=%s", joinList(compare.Names(), "and"),
			curves.Num(f.Gamma), curves.Num(f.Alpha), curves.Num(f.PosWeight)), nil
	}
	f, err := curves.NewBox(h, hypName)
	if err != nil {
		return nil, "", cli.AsInput(err)
	}
	t := f.Target
	return f, fmt.Sprintf("the box losses %s around a %s×%s target", joinList(iou.Names(), "and"), curves.Num(t[2]), curves.Num(t[3])), nil
}

// curvesFormat returns the lower-case extension of the output path and its
// format's name, or an input error.
func curvesFormat(out string) (ext, format string, err error) {
	if out == "" {
		return "", "", cli.Inputf("curves: missing -o OUT.png, OUT.svg or OUT.pdf (see lossdemo curves -h)")
	}
	ext = strings.ToLower(filepath.Ext(out))
	format, ok := curves.Formats[ext]
	if !ok {
		if ext == "" {
			return "", "", cli.Inputf("curves: -o %s has no extension; want .png, .svg or .pdf", out)
		}
		return "", "", cli.Inputf("curves: -o %s: unsupported extension %q; want .png, .svg or .pdf", out, ext)
	}
	return ext, format, nil
}
