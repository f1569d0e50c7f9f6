package main

//go:generate rm -f ../../testdata/sample_p5.npz ../../testdata/sample_p6.npz
//go:generate go run . sample -sample p5 -o ../../testdata/sample_p5.npz
//go:generate go run . sample -sample p6 -o ../../testdata/sample_p6.npz

import (
	"flag"
	"fmt"
	"io"

	"github.com/yolo-loss/yololoss/internal/cli"
)

// runSample writes a built-in sample to a file, in the .npz layout that
// -pred reads: to look at it, or to feed it to other tools. `go generate`
// (make generate) writes both to testdata/.
func runSample(args []string, stdout, stderr io.Writer) error {
	var name, out string
	var force bool
	fs := flag.NewFlagSet("lossdemo sample", flag.ContinueOnError)
	usage(fs, stderr, "usage: lossdemo sample [-sample p5|p6] [-force] -o OUT.npz")
	fs.StringVar(&name, "sample", "p5", "which built-in `sample`: p5 (3 layers) or p6 (4 layers)")
	fs.StringVar(&out, "o", "", "write it to `file.npz` (required; never over an existing file without -force)")
	forceFlag(fs, &force, "-o")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if out == "" {
		return cli.Inputf("sample: -o is required")
	}
	if err := cli.CheckOutput("sample: -o", out, force); err != nil {
		return err
	}
	in, err := loadInputs("", "", name)
	if err != nil {
		return err
	}
	if err := writeTensors("sample: -o", out, in.batch.Tensors(), force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written to %s\n", in.source, out)
	return nil
}
