package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitInternal = 1 // a bug or an environment failure
	ExitInput    = 2 // bad usage or bad input; the message names the culprit
)

// inputError marks an error caused by the user's flags or files.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

// Inputf returns an error that exits with status 2.
func Inputf(format string, args ...any) error {
	return inputError{fmt.Errorf(format, args...)}
}

// AsInput marks err, if not nil, as the user's.
func AsInput(err error) error {
	if err == nil {
		return nil
	}
	return inputError{err}
}

// OutputErr classifies a failure to write an output file, whose message
// already names the file: a file that exists, a missing folder or a
// permission denied are the user's to fix (exit 2); anything else, such as
// a full disk, is the environment's (exit 1).
func OutputErr(err error) error {
	if errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return AsInput(err)
	}
	return err
}

// ExitCode maps an error to the process status.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ie inputError
	if errors.As(err, &ie) {
		return ExitInput
	}
	return ExitInternal
}

// ErrHelp reports that -h was asked for and the usage printed.
var ErrHelp = errors.New("help")

// ParseFlags parses args with fs, turning flag errors into input errors
// (the flag package has already printed the problem and the usage) and
// refusing arguments after the flags.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	fs.Init(fs.Name(), flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return Inputf("%v", err)
	}
	if fs.NArg() > 0 {
		return Inputf("unexpected argument %q (flags come before arguments; see -h)", fs.Arg(0))
	}
	return nil
}

// CheckOutput reports, before any work is done, an output file that the
// command could not write: one that exists when force is not set, one
// that is a folder, or one whose folder is missing. flagName names the
// flag in the message.
func CheckOutput(flagName, path string, force bool) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.IsDir():
		return Inputf("%s %s: is a folder", flagName, path)
	case err == nil && !force:
		return Inputf("%s %s: the file already exists; not overwriting it (-force replaces it)", flagName, path)
	}
	if dir := filepath.Dir(path); !isDir(dir) {
		return Inputf("%s %s: folder %s does not exist", flagName, path, dir)
	}
	return nil
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// Run runs a command's body f and returns the process's exit status: 0
// on success or after -h (ErrHelp), else ExitCode's, with the error
// printed to stderr as "name: error". A panic in f is reported with its
// stack as an internal error (exit 1) rather than crashing the process.
func Run(name string, stderr io.Writer, f func() error) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "%s: internal error: %v\n%s", name, r, debug.Stack())
			code = ExitInternal
		}
	}()
	err := f()
	if err == ErrHelp {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	return ExitCode(err)
}
