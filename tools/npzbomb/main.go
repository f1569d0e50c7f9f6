// Command npzbomb writes and reads decompression bombs for batchfile: small
// deflated .npz batches whose prediction arrays declare many gigabytes of
// float32 zeros, made as ../shared/hostile/npz_bomb.py makes them (grids
// 160, 80 and 40, three anchors, 85 channels, deflate level 9), still valid
// batches: the shapes agree with each other and with the anchors and
// strides. Reading one under /usr/bin/time -v gives the reader's peak
// memory for a file that declares that much.
//
//	go run ./tools/npzbomb write -gb 1.1 bomb.npz
//	go build -o /tmp/npzbomb ./tools/npzbomb && /usr/bin/time -v /tmp/npzbomb read [-dtype float64] [-max-bytes N] bomb.npz
package main

import (
	"archive/zip"
	"compress/flate"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "npzbomb:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: npzbomb write -gb GB OUT.npz | npzbomb read [-dtype D] [-max-bytes N] FILE.npz")
	}
	switch args[0] {
	case "write":
		fs := flag.NewFlagSet("write", flag.ContinueOnError)
		gb := fs.Float64("gb", 1, "declared prediction data, in 10⁹ bytes")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("write: want one output file")
		}
		return write(fs.Arg(0), *gb)
	case "read":
		fs := flag.NewFlagSet("read", flag.ContinueOnError)
		dtype := fs.String("dtype", "", "read the predictions as this dtype (float32, float64)")
		maxBytes := fs.Int64("max-bytes", 0, "batchfile.Options.MaxBytes (0: the default)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("read: want one input file")
		}
		b, err := batchfile.Options{MaxBytes: *maxBytes, DType: *dtype}.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		var n int
		for _, p := range b.Preds {
			n += p.Len()
		}
		fmt.Printf("%d layers, %d elements of %s, %d targets\n", b.NL(), n, b.Preds[0].DType(), len(b.Targets))
		return nil
	}
	return fmt.Errorf("unknown subcommand %q", args[0])
}

// write writes the bomb: bs images of the three layers, bs the most
// that fits gb·10⁹ bytes of float32 (at least 2).
func write(path string, gb float64) error {
	const no = 85
	grids := []int{160, 80, 40}
	perImage := 0
	for _, g := range grids {
		perImage += 3 * g * g * no * 4
	}
	bs := max(2, int(gb*1e9)/perImage)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	zeros := make([]byte, 64<<20)
	var arrays []batchfile.Tensor
	for i, g := range grids {
		shape := []int{bs, 3, g, g, no}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: batchfile.PredName(i) + ".npy", Method: zip.Deflate})
		if err != nil {
			return err
		}
		if _, err := w.Write(npyHeader(shape)); err != nil {
			return err
		}
		left, _ := tensor.Size(shape)
		for left *= 4; left > 0; left -= min(left, len(zeros)) {
			if _, err := w.Write(zeros[:min(left, len(zeros))]); err != nil {
				return err
			}
		}
	}
	d := model.P5(no - 5)
	var an []float64
	for _, layer := range d.AnchorsGrid {
		for _, a := range layer {
			an = append(an, a[0], a[1])
		}
	}
	arrays = append(arrays,
		batchfile.Tensor{Name: "targets", Array: tensor.Array{Shape: []int{2, 6}, F64: []float64{0, 1, 0.5, 0.5, 0.2, 0.3, 1, 7, 0.25, 0.75, 0.1, 0.1}}},
		batchfile.Tensor{Name: "anchors", Array: tensor.Array{Shape: []int{3, 3, 2}, F64: an}},
		batchfile.Tensor{Name: "strides", Array: tensor.Array{Shape: []int{3}, F64: d.Strides}})
	for _, t := range arrays {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: t.Name + ".npy", Method: zip.Deflate})
		if err != nil {
			return err
		}
		b := npyF64(t.Shape, t.F64)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// npyHeader is a version 1.0 header for a little-endian float32 array.
func npyHeader(shape []int) []byte { return header("<f4", shape) }

func header(descr string, shape []int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (", descr)
	for i, n := range shape {
		if i > 0 {
			dict += ", "
		}
		dict += fmt.Sprint(n)
	}
	if len(shape) == 1 {
		dict += ","
	}
	dict += "), }"
	pad := (64 - (10+len(dict)+1)%64) % 64
	for range pad {
		dict += " "
	}
	dict += "\n"
	return append([]byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, byte(len(dict)), byte(len(dict) >> 8)}, dict...)
}

func npyF64(shape []int, v []float64) []byte {
	b := header("<f8", shape)
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
	}
	return b
}
