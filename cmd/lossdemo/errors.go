package main

import (
	"errors"
	"fmt"
	"io/fs"
)

// Exit codes.
const (
	exitOK       = 0
	exitInternal = 1 // a bug or an environment failure
	exitInput    = 2 // bad usage or bad input; the message names the culprit
)

// inputError marks an error caused by the user's flags or files.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// inputErr returns an error that exits with status 2.
func inputErr(format string, args ...any) error {
	return inputError{fmt.Errorf(format, args...)}
}

// asInput marks err, if not nil, as the user's.
func asInput(err error) error {
	if err == nil {
		return nil
	}
	return inputError{err}
}

// outputErr classifies a failure to write an output file, whose message
// already names the file: a file that exists, a missing folder or a
// permission denied are the user's to fix (exit 2); anything else, such as
// a full disk, is the environment's (exit 1).
func outputErr(err error) error {
	if errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return asInput(err)
	}
	return err
}

// exitCode maps an error to the process status.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ie inputError
	if errors.As(err, &ie) {
		return exitInput
	}
	return exitInternal
}
