package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// TestOutputErr checks the exit status of each kind of failure to write an
// output file, through real errors where the test can make them.
func TestOutputErr(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.npz")
	if err := os.WriteFile(existing, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"exists", atomicfile.Write(existing, func(w io.Writer) error { return nil }), exitInput},
		{"no folder", atomicfile.Write(filepath.Join(dir, "missing", "out.npz"), func(w io.Writer) error { return nil }), exitInput},
		{"permission", fmt.Errorf("write: %w", &fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}), exitInput},
		{"disk full", fmt.Errorf("write: %w", &fs.PathError{Op: "write", Path: "/x", Err: syscall.ENOSPC}), exitInternal},
		{"writer failed", atomicfile.Write(filepath.Join(dir, "new.npz"), func(w io.Writer) error { return errors.New("render failed") }), exitInternal},
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Fatalf("%s: no error to classify", tc.name)
		}
		if got := exitCode(outputErr(tc.err)); got != tc.want {
			t.Errorf("%s (%v): exit %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "new.npz")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed write left new.npz behind (Lstat: %v)", err)
	}
}
