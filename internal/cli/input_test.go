package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenInput: a file opens with its size; a folder and a missing file
// are the user's errors naming the path.
func TestOpenInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npz")
	if err := os.WriteFile(path, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, size, err := OpenInput(path)
	if err != nil || size != 5 {
		t.Fatalf("OpenInput(%s) = %d, %v", path, size, err)
	}
	f.Close()
	for _, tc := range []struct{ path, want string }{
		{dir, dir + ": is a folder, not an .npz file"},
		{filepath.Join(dir, "none.npz"), "none.npz: no such file"},
	} {
		_, _, err := OpenInput(tc.path)
		if ExitCode(err) != ExitInput || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenInput(%s): %v (exit %d), want exit 2 and %q", tc.path, err, ExitCode(err), tc.want)
		}
	}
	if o := ReadOptions("float32"); o.MaxBytes != MaxInputBytes || o.DType != "float32" {
		t.Errorf("ReadOptions = %+v", o)
	}
}
