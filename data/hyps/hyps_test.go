package hyps

import (
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNames(t *testing.T) {
	want := []string{
		"hyp.Objects365.yaml",
		"hyp.VOC.yaml",
		"hyp.no-augmentation.yaml",
		"hyp.scratch-high.yaml",
		"hyp.scratch-low.yaml",
		"hyp.scratch-med.yaml",
	}
	got := Names()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Names mismatch (-want +got):\n%s", diff)
	}
	got[0] = "changed"
	if Names()[0] != want[0] {
		t.Errorf("Names returned a shared slice")
	}
}

func TestFiles(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(FS, name)
			if err != nil {
				t.Fatalf("ReadFile(%q): %v", name, err)
			}
			if len(b) == 0 {
				t.Errorf("%s is empty", name)
			}
		})
	}
	if _, err := fs.Stat(FS, Default); err != nil {
		t.Errorf("Default %q not embedded: %v", Default, err)
	}
}
