package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
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
// and refusing arguments after the flags. A flag error is returned, not
// printed (Run prints it, once), with a pointer to -h; -h prints fs's
// usage and returns ErrHelp.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	usage, out := fs.Usage, fs.Output()
	fs.Init(fs.Name(), flag.ContinueOnError)
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if usage != nil {
				usage()
			} else {
				fs.PrintDefaults()
			}
			return ErrHelp
		}
		return Inputf("%v (see %s -h)", err, fs.Name())
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
//
// While f runs, SIGINT and SIGTERM end the process with status 128 + the
// signal's number (130, 143), as a shell reports a process killed by it,
// after removing the temporary files of the output files being written
// (atomicfile.Abort) and saying so on stderr: an interrupted command
// leaves no partial file.
func Run(name string, stderr io.Writer, f func() error) (code int) {
	defer onSignal(name, stderr)()
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

// exit ends the process; a variable for tests.
var exit = os.Exit

// onSignal handles SIGINT and SIGTERM until the returned function is
// called: it aborts the output files in flight and exits.
func onSignal(name string, stderr io.Writer) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			removed := atomicfile.Abort()
			fmt.Fprintf(stderr, "%s: %v: stopped; %d partial output file(s) removed\n", name, s, len(removed))
			code := 128 + int(syscall.SIGTERM)
			if sig, ok := s.(syscall.Signal); ok {
				code = 128 + int(sig)
			}
			exit(code)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
