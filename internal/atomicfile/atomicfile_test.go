package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// listDir returns the sorted names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWrite(t *testing.T) {
	errBoom := errors.New("boom")
	for _, test := range []struct {
		name     string
		existing string // content of a file already at the path; "" for none
		write    func(io.Writer) error
		wantErr  string // the whole message, with {path} for the path; "" for success
		wantIs   error
		wantData string // content at the path afterwards; "" for no file
		wantDir  []string
	}{
		{
			name:     "success",
			write:    writeString("hello\n"),
			wantData: "hello\n",
			wantDir:  []string{"out.bin"},
		},
		{
			name:     "empty content",
			write:    func(io.Writer) error { return nil },
			wantData: "",
			wantDir:  []string{"out.bin"},
		},
		{
			name:     "existing file untouched",
			existing: "old",
			write:    writeString("new"),
			wantErr:  "atomicfile: {path} already exists; not overwriting",
			wantIs:   fs.ErrExist,
			wantData: "old",
			wantDir:  []string{"out.bin"},
		},
		{
			name:    "failing writer leaves nothing",
			write:   func(w io.Writer) error { _, _ = io.WriteString(w, "partial"); return errBoom },
			wantErr: "atomicfile: write {path}: boom",
			wantIs:  errBoom,
			wantDir: []string{},
		},
		{
			name:    "nil writer",
			write:   nil,
			wantErr: "atomicfile: nil write function",
			wantDir: []string{},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.bin")
			if test.existing != "" {
				if err := os.WriteFile(path, []byte(test.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Write(path, test.write)
			wantErr := strings.ReplaceAll(test.wantErr, "{path}", path)
			switch {
			case wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case wantErr != "" && err == nil:
				t.Fatalf("got no error, want %q", wantErr)
			case wantErr != "" && err.Error() != wantErr:
				t.Errorf("error mismatch: want %q, got %q", wantErr, err)
			}
			if test.wantIs != nil && !errors.Is(err, test.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, test.wantIs)
			}
			if diff := cmp.Diff(test.wantDir, listDir(t, dir)); diff != "" {
				t.Errorf("directory listing mismatch (-want +got):\n%s", diff)
			}
			if test.existing == "" && test.wantErr != "" {
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if diff := cmp.Diff(test.wantData, string(got)); diff != "" {
				t.Errorf("content mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWriteRace checks that the link, not the early check, protects the
// destination: the file appears while the content is being written.
func TestWriteRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	err := Write(path, func(w io.Writer) error {
		if err := os.WriteFile(path, []byte("winner"), 0o644); err != nil {
			return err
		}
		_, err := io.WriteString(w, "loser")
		return err
	})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("want an fs.ErrExist error, got %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("winner", string(got)); diff != "" {
		t.Errorf("content mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"f"}, listDir(t, dir)); diff != "" {
		t.Errorf("directory listing mismatch (-want +got):\n%s", diff)
	}
}

func TestWritePanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the write function's panic", r)
			}
		}()
		_ = Write(path, func(w io.Writer) error {
			_, _ = io.WriteString(w, "partial")
			panic("boom")
		})
	}()
	if diff := cmp.Diff([]string{}, listDir(t, dir)); diff != "" {
		t.Errorf("directory listing mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, writeString("x")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fs.FileMode(0o644), fi.Mode().Perm()); diff != "" {
		t.Errorf("mode mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "f")
	err := Write(path, writeString("x"))
	if err == nil || !strings.Contains(err.Error(), "atomicfile: create temporary file for "+path) {
		t.Errorf("want a create error, got %v", err)
	}
}

// TestReplace: Replace writes a new file, replaces an existing one whole,
// leaves it as it was when the content fails, and leaves no temporary file.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	for _, c := range []struct {
		name    string
		write   func(io.Writer) error
		want    string
		wantErr bool
	}{
		{"new file", writeString("one"), "one", false},
		{"replaced", writeString("two, longer"), "two, longer", false},
		{"failed write keeps the old", func(w io.Writer) error {
			io.WriteString(w, "partial")
			return errors.New("boom")
		}, "two, longer", true},
		{"nil write", nil, "two, longer", true},
	} {
		err := Replace(path, c.write)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: error %v, want error %v", c.name, err, c.wantErr)
		}
		got, rerr := os.ReadFile(path)
		if rerr != nil || string(got) != c.want {
			t.Errorf("%s: file %q (%v), want %q", c.name, got, rerr, c.want)
		}
		if names := listDir(t, dir); len(names) != 1 {
			t.Errorf("%s: the folder holds %v, want the file alone", c.name, names)
		}
	}
	if err := Replace(filepath.Join(dir, "missing", "x"), writeString("x")); err == nil {
		t.Error("Replace into a missing folder: no error")
	}
}

// TestAbort: Abort removes the temporary file of a write in progress,
// which then fails without installing anything; later writes fail with
// ErrAborted and create nothing.
func TestAbort(t *testing.T) {
	defer func() { // the other tests write again
		inFlight.mu.Lock()
		inFlight.aborted = false
		inFlight.mu.Unlock()
	}()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	started, resume := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- Write(path, func(w io.Writer) error {
			if _, err := io.WriteString(w, "partial"); err != nil {
				return err
			}
			close(started)
			<-resume
			return nil
		})
	}()
	<-started
	names := listDir(t, dir)
	if len(names) != 1 || !strings.Contains(names[0], ".tmp-") {
		t.Fatalf("during the write: %v, want one temporary file", names)
	}
	removed := Abort()
	if len(removed) != 1 || filepath.Base(removed[0]) != names[0] {
		t.Errorf("Abort removed %v, want %v", removed, names)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("after Abort: %v", got)
	}
	close(resume)
	if err := <-done; err == nil {
		t.Error("the interrupted write succeeded")
	}
	if err := Replace(path, writeString("x")); !errors.Is(err, ErrAborted) {
		t.Errorf("Replace after Abort: %v, want ErrAborted", err)
	}
	if got := listDir(t, dir); len(got) != 0 {
		t.Errorf("after the writes: %v", got)
	}
}
