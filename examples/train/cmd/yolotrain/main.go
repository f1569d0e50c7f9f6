// Command yolotrain trains the small GoMLX detector of package net with the
// yololoss engine, and runs the experiment of docs/experiment.md.
//
//	yolotrain gen [-o DIR] [-force]            write the synthetic dataset (YOLOv5's layout)
//	yolotrain train [flags]                    train one run
//	yolotrain experiment [flags]               train every run of a runs file over seeds, write the report
//
// Each subcommand's -h lists its flags. The grammar is the library's
// commands': -o names what a subcommand writes, and -force lets it replace
// an existing one; without -force nothing existing is overwritten. Exit status 0 on success, 2 for a
// usage or input error, 1 for a failure during training.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	"github.com/yolo-loss/yololoss/examples/train/net"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

const usage = `usage: yolotrain <subcommand> [flags]

  yolotrain gen [flags]          write a synthetic dataset (YOLOv5's layout)
  yolotrain train [flags]        train one run
  yolotrain experiment [flags]   train every run of a runs file over seeds, write the report

yolotrain <subcommand> -h lists the subcommand's flags.`

// inputError is a usage or input problem: exit status 2.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return 0
	case "gen":
		err = gen(args[1:], stdout, stderr)
	case "train":
		err = train(args[1:], stdout, stderr)
	case "experiment":
		err = experimentCmd(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "yolotrain: unknown subcommand %q\n%s\n", args[0], usage)
		return 2
	}
	var ie inputError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ie):
		fmt.Fprintln(stderr, "yolotrain:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "yolotrain:", err)
		return 1
	}
}

// parse parses a subcommand's flags; a bad flag is an inputError. -h prints
// the subcommand's usage line, what it does and its flags.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: yolotrain %s [flags]\n\n%s\n\nFlags:\n", fs.Name(), about[fs.Name()])
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return inputError{err}
	}
	if fs.NArg() > 0 {
		return inputError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// about says what each subcommand does, for its -h.
var about = map[string]string{
	"gen": "Writes the synthetic dataset of package synth to the folder -o: data.yaml,\n" +
		"images/{train,val}/ and labels/{train,val}/. -spec picks the easy or the hard set.",
	"train": "Trains one run in the run folder -o: results.csv, results.png and weights/\n" +
		"(a checkpoint after each epoch). A folder holding a finished epoch is refused\n" +
		"unless -resume (continue it) or -force (replace it).",
	"experiment": "Trains every run of the runs file -runs, once per seed, in run folders under\n" +
		"-dir (reusing each finished or interrupted run from its checkpoint), then writes\n" +
		"the report: <dir>/experiment.md and its PNGs by default, or -o (an existing\n" +
		"file is replaced only with -force).",
}

// backendFlag is the -backend flag's default: $GOMLX_BACKEND if set, else
// simplego with the sequential executor (see package net).
func backendFlag() string {
	if b := os.Getenv("GOMLX_BACKEND"); b != "" {
		return b
	}
	return net.SequentialBackendConfig
}

// newBackend starts the backend config names ("go", "go:ops_sequential",
// "xla:cuda", …), whose name must be compiled in.
func newBackend(config string) (backends.Backend, error) {
	name, _, _ := strings.Cut(config, ":")
	registered := backends.List()
	found := false
	for _, r := range registered {
		found = found || r == name
	}
	if !found {
		hint := ""
		if name == "xla" {
			hint = " (build with -tags xla and CGO_ENABLED=1)"
		}
		return nil, inputError{fmt.Errorf("backend %q is not compiled in%s; have %v", name, hint, registered)}
	}
	return backends.NewWithConfig(config)
}
