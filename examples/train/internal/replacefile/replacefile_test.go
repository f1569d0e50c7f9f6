package replacefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	for _, content := range []string{"first\n", "second\n"} {
		if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, content); return err }); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(path); string(got) != content {
			t.Errorf("after writing %q the file holds %q", content, got)
		}
	}
	failed := errors.New("disk full")
	if err := Write(path, func(w io.Writer) error { _, _ = io.WriteString(w, "part"); return failed }); !errors.Is(err, failed) {
		t.Errorf("a failing write returned %v, want %v", err, failed)
	}
	if got, _ := os.ReadFile(path); string(got) != "second\n" {
		t.Errorf("after a failed write the file holds %q, want the old content", got)
	}
	if err := os.WriteFile(path+".tmp", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "third\n"); return err }); err != nil {
		t.Fatalf("with a stale temporary file: %v", err)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file remains: %v", err)
	}
}
