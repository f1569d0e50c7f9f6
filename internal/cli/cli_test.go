package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

func TestExitCode(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.npz")
	if err := os.WriteFile(existing, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"internal", errors.New("bug"), ExitInternal},
		{"input", Inputf("-x %d: bad", 3), ExitInput},
		{"wrapped input", fmt.Errorf("context: %w", AsInput(errors.New("bad file"))), ExitInput},
		{"output exists", OutputErr(atomicfile.Write(existing, func(io.Writer) error { return nil })), ExitInput},
		{"output folder missing", OutputErr(atomicfile.Write(filepath.Join(dir, "no", "x"), func(io.Writer) error { return nil })), ExitInput},
		{"output permission", OutputErr(&fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}), ExitInput},
		{"disk full", OutputErr(&fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}), ExitInternal},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%s (%v): exit %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
	if AsInput(nil) != nil {
		t.Error("AsInput(nil) is not nil")
	}
}

func TestParseFlags(t *testing.T) {
	newSet := func() *flag.FlagSet {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fs.Int("n", 0, "")
		return fs
	}
	if err := ParseFlags(newSet(), []string{"-n", "3"}); err != nil {
		t.Errorf("good flags: %v", err)
	}
	if err := ParseFlags(newSet(), []string{"-h"}); err != ErrHelp {
		t.Errorf("-h: %v, want ErrHelp", err)
	}
	if err := ParseFlags(newSet(), []string{"-n", "x"}); ExitCode(err) != ExitInput {
		t.Errorf("bad value: %v, exit %d", err, ExitCode(err))
	}
	if err := ParseFlags(newSet(), []string{"-n", "3", "extra"}); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("extra argument: %v", err)
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.npz")
	if err := os.WriteFile(existing, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		force bool
		want  string // "" for no error
	}{
		{"new file", filepath.Join(dir, "new.npz"), false, ""},
		{"exists", existing, false, "-o " + existing + ": the file already exists; not overwriting it (-force replaces it)"},
		{"exists, forced", existing, true, ""},
		{"a folder", dir, true, "is a folder"},
		{"no folder", filepath.Join(dir, "no", "x.npz"), false, "folder " + filepath.Join(dir, "no") + " does not exist"},
	} {
		err := CheckOutput("-o", tc.path, tc.force)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || ExitCode(err) != ExitInput):
			t.Errorf("%s: error %v, want one containing %q, exit 2", tc.name, err, tc.want)
		}
	}
}

// TestOutputErrAtomic: the commands' output files go through atomicfile
// (Write, or Replace with -force); OutputErr makes writing over an existing
// file an input error (exit 2) and a failing write an internal one (exit 1),
// and either leaves the file as it was.
func TestOutputErrAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	write := func(text string, fail bool) func(io.Writer) error {
		return func(w io.Writer) error {
			if fail {
				return errors.New("render failed")
			}
			_, err := io.WriteString(w, text)
			return err
		}
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := OutputErr(atomicfile.Write(path, write("one", false))); err != nil || read() != "one" {
		t.Fatalf("new file: %v", err)
	}
	if err := OutputErr(atomicfile.Write(path, write("two", false))); ExitCode(err) != ExitInput || read() != "one" {
		t.Errorf("existing file without replace: %v, content %q", err, read())
	}
	if err := OutputErr(atomicfile.Replace(path, write("three", true))); err == nil || ExitCode(err) != ExitInternal || read() != "one" {
		t.Errorf("failing replacement: %v, content %q", err, read())
	}
	if err := OutputErr(atomicfile.Replace(path, write("four", false))); err != nil || read() != "four" {
		t.Errorf("replacement: %v, content %q", err, read())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}

// TestRun: Run's exit status and message for success, -h, an input error,
// an internal error and a panic.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func() error
		code int
		msg  string // the start of stderr; "" for none
	}{
		{"ok", func() error { return nil }, ExitOK, ""},
		{"help", func() error { return ErrHelp }, ExitOK, ""},
		{"input", func() error { return Inputf("-x: bad") }, ExitInput, "cmd: -x: bad\n"},
		{"internal", func() error { return errors.New("disk") }, ExitInternal, "cmd: disk\n"},
		{"panic", func() error { panic("boom") }, ExitInternal, "cmd: internal error: boom\n"},
	} {
		var stderr strings.Builder
		code := Run("cmd", &stderr, tc.f)
		if code != tc.code || !strings.HasPrefix(stderr.String(), tc.msg) || (tc.msg == "") != (stderr.Len() == 0) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", tc.name, code, stderr.String(), tc.code, tc.msg)
		}
	}
}

// TestParseFlagsOnce: a flag error is the returned error alone, which Run
// prints once; the flag set prints nothing (not the error a second time,
// nor the usage), and -h prints the usage.
func TestParseFlagsOnce(t *testing.T) {
	for _, tc := range []struct {
		name, arg string
		err       string // in the error; "" for -h
		printed   string // what the flag set prints
	}{
		{"unknown flag", "-nope", "flag provided but not defined: -nope (see x -h)", ""},
		{"bad value", "-n=x", `invalid value "x" for flag -n`, ""},
		{"help", "-h", "", "usage: x\n  -n int\n    \ta count\n"},
	} {
		var out strings.Builder
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(&out)
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "usage: x")
			fs.PrintDefaults()
		}
		fs.Int("n", 0, "a count")
		err := ParseFlags(fs, []string{tc.arg})
		switch {
		case tc.err == "" && err != ErrHelp:
			t.Errorf("%s: %v, want ErrHelp", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || ExitCode(err) != ExitInput):
			t.Errorf("%s: %v, want an input error containing %q", tc.name, err, tc.err)
		}
		if out.String() != tc.printed {
			t.Errorf("%s: the flag set printed %q, want %q", tc.name, out.String(), tc.printed)
		}
	}
}
