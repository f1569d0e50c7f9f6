package main

//go:generate rm -f ../../testdata/sample_p5.npz ../../testdata/sample_p6.npz
//go:generate go run . sample -sample p5 -o ../../testdata/sample_p5.npz
//go:generate go run . sample -sample p6 -o ../../testdata/sample_p6.npz

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/cli"
)

// runSample writes a built-in sample to a file, in the .npz layout that
// -pred reads: to look at it, or to feed it to other tools. `go generate`
// (make generate) writes both to testdata/.
func runSample(args []string, stdout, stderr io.Writer) error {
	var name, out string
	fs := flag.NewFlagSet("lossdemo sample", flag.ContinueOnError)
	usage(fs, stderr, "usage: lossdemo sample [-sample p5|p6] -o OUT.npz")
	fs.StringVar(&name, "sample", "p5", "which built-in sample: p5 (3 layers) or p6 (4 layers)")
	fs.StringVar(&out, "o", "", "write it to `file.npz` (required; never overwrites)")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if out == "" {
		return cli.Inputf("sample: -o is required")
	}
	if _, err := os.Lstat(out); err == nil {
		return cli.Inputf("sample: -o %s: the file already exists; not overwriting it", out)
	}
	in, err := loadInputs("", "", name)
	if err != nil {
		return err
	}
	if err := batchfile.WriteFile(out, in.batch.Tensors()); err != nil {
		return cli.OutputErr(err)
	}
	fmt.Fprintf(stdout, "%s written to %s\n", in.source, out)
	return nil
}
