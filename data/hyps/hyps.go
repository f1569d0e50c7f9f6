package hyps

import (
	"embed"
	"io/fs"
	"path"
	"slices"
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
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && path.Ext(e.Name()) == ".yaml" {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names
}
