package dataset

import (
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // YOLOv5 datasets hold JPEG as often as PNG
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yolo-loss/yololoss/labels"
	"go.yaml.in/yaml/v3"
)

// DataYAML is what the trainer reads of a YOLOv5 dataset file: the root,
// the folders of the splits' images, and the classes.
type DataYAML struct {
	Path  string   `yaml:"path"`
	Train string   `yaml:"train"`
	Val   string   `yaml:"val"`
	NC    int      `yaml:"nc"`
	Names []string `yaml:"-"` // a list, or YOLOv5's mapping from class index to name
}

// ReadDataYAML reads a YOLOv5 dataset file whose train and val are folders
// of images (the layout synth writes). A relative path is taken from the
// file's own folder.
func ReadDataYAML(file string) (DataYAML, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return DataYAML{}, err
	}
	return ParseDataYAML(b, file)
}

// ParseDataYAML parses the content of the dataset file named file, as
// ReadDataYAML does.
func ParseDataYAML(b []byte, file string) (DataYAML, error) {
	var d DataYAML
	var err error
	if err := yaml.Unmarshal(b, &d); err != nil {
		return DataYAML{}, fmt.Errorf("%s: %w", file, err)
	}
	var raw struct {
		Names yaml.Node `yaml:"names"`
	}
	_ = yaml.Unmarshal(b, &raw) // the whole file parsed above
	if d.Names, err = names(raw.Names); err != nil {
		return DataYAML{}, fmt.Errorf("%s: line %d: key names: %w", file, raw.Names.Line, err)
	}
	switch {
	case d.Train == "" || d.Val == "":
		return DataYAML{}, fmt.Errorf("%s: want the keys train and val (folders of images)", file)
	case d.NC < 1:
		return DataYAML{}, fmt.Errorf("%s: key nc: want an integer ≥ 1, got %d", file, d.NC)
	case len(d.Names) != 0 && len(d.Names) != d.NC:
		return DataYAML{}, fmt.Errorf("%s: key names: %d names for nc %d", file, len(d.Names), d.NC)
	}
	if !filepath.IsAbs(d.Path) {
		d.Path = filepath.Join(filepath.Dir(file), d.Path)
	}
	return d, nil
}

// names reads a list of names, or a mapping from 0, 1, … to names.
func names(n yaml.Node) ([]string, error) {
	var out []string
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.SequenceNode:
		err := n.Decode(&out)
		return out, err
	case yaml.MappingNode:
		var m map[int]string
		if err := n.Decode(&m); err != nil {
			return nil, err
		}
		for i := range len(m) {
			name, ok := m[i]
			if !ok {
				return nil, fmt.Errorf("class %d has no name", i)
			}
			out = append(out, name)
		}
		return out, nil
	}
	return nil, errors.New("want a list or a mapping of class index to name")
}

// imageExts are the image files a split folder may hold.
var imageExts = []string{".png", ".jpg", ".jpeg"}

// Load reads the images of folder (relative to d.Path) and their label files,
// found as YOLOv5 finds them (labels.Path), read strictly: a row that is
// not valid is an error naming the file and line. A missing label file is an
// image without objects. Every image must be square and of one size.
func Load(d DataYAML, folder string) (*Split, error) { return load(d, folder, labels.ReadBatch) }

// LoadTraining is Load for a training split, which cannot train without a
// single label: as YOLOv5, it refuses a split where no label is found
// (labels.ReadDataset's "No labels found" error).
func LoadTraining(d DataYAML, folder string) (*Split, error) {
	return load(d, folder, labels.ReadDataset)
}

func load(d DataYAML, folder string, read func([]string, int, labels.Policy) (labels.Result, error)) (*Split, error) {
	dir := filepath.Join(d.Path, folder)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(e.Name()))) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("dataset: %s: no images (%s)", dir, strings.Join(imageExts, ", "))
	}
	s := &Split{Pixels: make([][]uint8, len(paths)), Labels: make([][]Label, len(paths))}
	if err := s.readImages(paths); err != nil {
		return nil, err
	}
	res, err := read(labels.Paths(paths), d.NC, labels.Strict)
	if err != nil {
		return nil, err
	}
	for _, l := range res.Labels {
		i := int(l[0])
		s.Labels[i] = append(s.Labels[i], Label{Class: int(l[1]), X: l[2], Y: l[3], W: l[4], H: l[5]})
	}
	return s, nil
}

func (s *Split) readImages(paths []string) error {
	errs := make([]error, len(paths))
	sizes := make([]image.Point, len(paths))
	parallelFor(len(paths), func(i int) {
		f, err := os.Open(paths[i])
		if err != nil {
			errs[i] = err
			return
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			errs[i] = fmt.Errorf("dataset: %s: %w", paths[i], err)
			return
		}
		sizes[i] = img.Bounds().Size()
		s.Pixels[i] = rgbBytes(img)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.Size = sizes[0].X
	for i, sz := range sizes {
		if sz.X != sz.Y || sz.X != s.Size {
			return fmt.Errorf("dataset: %s: %d×%d, want square images of one size (%s is %d×%d)",
				paths[i], sz.X, sz.Y, filepath.Base(paths[0]), s.Size, s.Size)
		}
	}
	return nil
}
