package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/internal/curves"
)

// runCurves is `lossdemo curves`: it draws the loss and |∂ℓ/∂x| of BCE,
// focal, quality focal and varifocal loss against the predicted probability,
// for positives and negatives, to a PNG, SVG or PDF file (package
// internal/curves).
func runCurves(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("lossdemo curves", flag.ContinueOnError)
	usage(flags, stderr, "usage: lossdemo curves [-hyp FILE] -o OUT.png|OUT.svg|OUT.pdf")
	hypPath := flags.String("hyp", "", "hyp YAML `file` whose fl_gamma, fl_alpha and obj_pw are drawn (default: the embedded data/hyps/"+hyps.Default+")")
	out := flags.String("o", "", "output `file`: .png (1200×800), .svg or .pdf; never overwritten")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	ext, format, err := curvesFormat(*out)
	if err != nil {
		return err
	}
	h, hypName, err := loadHyp(*hypPath)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(*out); err == nil {
		return inputErr("curves: -o %s: the file already exists; not overwriting it", *out)
	}
	if dir := filepath.Dir(*out); !isDir(dir) {
		return inputErr("curves: -o %s: folder %s does not exist", *out, dir)
	}

	fig := curves.New(h, hypName)
	err = atomicfile.Write(*out, func(w io.Writer) error { return fig.Render(w, ext) })
	if errors.Is(err, fs.ErrExist) {
		return inputErr("curves: -o %s: the file already exists; not overwriting it", *out)
	}
	if err != nil {
		return outputErr(fmt.Errorf("curves: -o %s: %w", *out, err))
	}
	size := ""
	if ext == ".png" {
		size = fmt.Sprintf(" %d×%d px", int(curves.Width/vg.Inch*curves.DPI), int(curves.Height/vg.Inch*curves.DPI))
	}
	fmt.Fprintf(stdout, "curves: wrote %s (%s%s): BCE, focal, qfocal and varifocal at γ=%s α=%s, obj_pw=%s, from %s\n",
		*out, format, size, curves.Num(fig.Gamma), curves.Num(fig.Alpha), curves.Num(fig.PosWeight), hypName)
	return nil
}

// curvesFormat returns the lower-case extension of the output path and its
// format's name, or an input error.
func curvesFormat(out string) (ext, format string, err error) {
	if out == "" {
		return "", "", inputErr("curves: missing -o OUT.png, OUT.svg or OUT.pdf (see lossdemo curves -h)")
	}
	ext = strings.ToLower(filepath.Ext(out))
	format, ok := curves.Formats[ext]
	if !ok {
		if ext == "" {
			return "", "", inputErr("curves: -o %s has no extension; want .png, .svg or .pdf", out)
		}
		return "", "", inputErr("curves: -o %s: unsupported extension %q; want .png, .svg or .pdf", out, ext)
	}
	return ext, format, nil
}

// isDir reports whether path is a directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
