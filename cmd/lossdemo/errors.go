package main

import "github.com/yolo-loss/yololoss/internal/cli"

// Exit codes and error marking, shared with cmd/yoloval in internal/cli.
const (
	exitOK       = cli.ExitOK
	exitInternal = cli.ExitInternal // a bug or an environment failure
	exitInput    = cli.ExitInput    // bad usage or bad input; the message names the culprit
)

// inputErr returns an error that exits with status 2.
func inputErr(format string, args ...any) error { return cli.Inputf(format, args...) }

// asInput marks err, if not nil, as the user's.
func asInput(err error) error { return cli.AsInput(err) }

// outputErr classifies a failure to write an output file (see
// cli.OutputErr).
func outputErr(err error) error { return cli.OutputErr(err) }

// exitCode maps an error to the process status.
func exitCode(err error) int { return cli.ExitCode(err) }
