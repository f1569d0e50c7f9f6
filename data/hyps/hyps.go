package hyps

import (
	"embed"
	"io/fs"
)

// FS holds the preset files, at its root, by their YOLOv5 file names.
//
//go:embed *.yaml
var FS embed.FS

// Default is the file name of the preset YOLOv5's train.py uses when no
// hyperparameter file is given.
const Default = "hyp.scratch-low.yaml"

// Names returns the file names of the embedded presets, sorted.
// The returned slice is a fresh copy that the caller may modify.
func Names() []string {
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		// The root of an embed.FS is always readable.
		panic("hyps: " + err.Error())
	}
	// The embed pattern admits only the .yaml files, and fs.ReadDir returns
	// entries sorted by name.
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}
