// Command yolotrain trains the small GoMLX detector of package net with the
// yololoss engine, and runs the experiment of docs/experiment.md.
//
//	yolotrain gen [-o DIR] [-force]            write the synthetic dataset (YOLOv5's layout)
//	yolotrain train [flags]                    train one run
//	yolotrain experiment [flags]               train every run of a runs file, write the report
//
// Each subcommand's -h lists its flags. Exit status 0 on success, 2 for a
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

const usage = `usage: yolotrain gen|train|experiment [flags]   (yolotrain <subcommand> -h for the flags)`

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

// parse parses a subcommand's flags; a bad flag is an inputError.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
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
