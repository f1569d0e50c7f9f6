package v8loss

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// v8BatchEnv names the environment variable that holds the path of the
// anchor-free speed batch: the .npz that tools/make_v8_batch.py writes
// (see BENCHMARKS.md, "Anchor-free loss", and tools/bench_v8.sh).
const v8BatchEnv = "YOLOLOSS_V8_BATCH"

// fileBatch is a batch read from an .npz: the outputs p0… as float32, the
// labels and the head they describe.
type fileBatch struct {
	p      []tensor.Tensor[float32]
	labels []target.Label
	d      model.AnchorFree
}

// loadV8Batch reads the file that v8BatchEnv names, or skips.
func loadV8Batch(tb testing.TB) fileBatch {
	tb.Helper()
	path := os.Getenv(v8BatchEnv)
	if path == "" {
		tb.Skipf("set %s to the .npz that tools/make_v8_batch.py writes (see tools/bench_v8.sh)", v8BatchEnv)
	}
	fb, err := readV8Batch(path)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return fb
}

// readV8Batch reads p0, p1, … (float32 [bs, 4·reg_max + nc, ny, nx]),
// targets [nt, 6], strides [nl] and the integer scalar reg_max.
func readV8Batch(path string) (fileBatch, error) {
	var fb fileBatch
	names, err := npzNames(path)
	if err != nil {
		return fb, err
	}
	want := []string{"targets", "strides"}
	for i := 0; names["p"+strconv.Itoa(i)]; i++ {
		want = append(want, "p"+strconv.Itoa(i))
	}
	if len(want) == 2 {
		return fb, fmt.Errorf("no array p0")
	}
	f, err := os.Open(path)
	if err != nil {
		return fb, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fb, err
	}
	regMax, err := batchfile.ReadInt(f, st.Size(), "reg_max")
	if err != nil {
		return fb, err
	}
	if regMax < 1 || regMax > 256 {
		return fb, fmt.Errorf("array \"reg_max\" is %d, want 1 to 256", regMax)
	}
	ts, err := batchfile.ReadTensors(f, st.Size(), want...)
	if err != nil {
		return fb, err
	}
	tg, sd := ts[0], ts[1]
	if len(tg.Shape) != 2 || tg.Shape[1] != 6 {
		return fb, fmt.Errorf("array \"targets\" has shape %v, want [nt, 6]", tg.Shape)
	}
	for i := range tg.Shape[0] {
		var l target.Label
		for j := range 6 {
			l[j] = tg.At(6*i + j)
		}
		fb.labels = append(fb.labels, l)
	}
	for _, t := range ts[2:] {
		p, ok := tensor.As[float32](t.Array)
		if !ok || len(t.Shape) != 4 {
			return fb, fmt.Errorf("array %q: %s %v, want float32 [bs, 4·reg_max + nc, ny, nx]", t.Name, t.DType(), t.Shape)
		}
		fb.p = append(fb.p, p)
	}
	if len(sd.Shape) != 1 || sd.Shape[0] != len(fb.p) {
		return fb, fmt.Errorf("array \"strides\" has shape %v, want [%d]", sd.Shape, len(fb.p))
	}
	fb.d = model.AnchorFree{NC: fb.p[0].Shape[1] - 4*int(regMax), RegMax: int(regMax)}
	for k := range sd.Shape[0] {
		fb.d.Strides = append(fb.d.Strides, sd.At(k))
	}
	if err := fb.d.Validate(); err != nil {
		return fb, err
	}
	return fb, target.CheckLabels(fb.labels, fb.p[0].Shape[0], fb.d.NC)
}

// npzNames returns the array names (without ".npy") of the .npz at path.
func npzNames(path string) (map[string]bool, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	names := map[string]bool{}
	for _, f := range z.File {
		names[strings.TrimSuffix(f.Name, ".npy")] = true
	}
	return names, nil
}

// procStatusBytes returns a "Vm…:" line of /proc/self/status in bytes.
func procStatusBytes(key string) (float64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if v, err := strconv.ParseFloat(f[0], 64); err == nil {
					return v * 1024, true
				}
			}
		}
	}
	return 0, false
}

// resetPeakRSS sets the process's peak resident set (VmHWM) to its
// current size (Linux: 5 written to /proc/self/clear_refs).
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// BenchmarkBatch is one forward and backward call of ultralytics 8.4.35's
// defaults (hyp.DefaultV8) on the batch that v8BatchEnv names, on
// GOMAXPROCS workers: tools/bench_v8.sh runs it at GOMAXPROCS=1 and 2
// beside ultralytics' v8DetectionLoss on the same file. Before timing, it
// makes a fresh engine's first three calls (the buffers' growth) with the
// peak resident set reset just before them, and reports that peak over
// the predictions plus gradient bytes (peakRSS/pg, with peakRSS-MB and
// pg-MB), the heap the engine holds after them (engine-MB), the heap
// allocations per timed call, unrounded (mallocs/call, from
// runtime.MemStats), and the loss and foreground count of the call.
func BenchmarkBatch(b *testing.B) {
	bt := loadV8Batch(b)
	g := tensor.Like(nil, bt.p)
	pg := 0.0
	for i := range bt.p {
		pg += 4 * float64(len(bt.p[i].Data)+len(g[i].Data))
	}
	var m0, m1 runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&m0)
	reset := resetPeakRSS()
	e, err := New[float32](hyp.DefaultV8(), bt.d, nil)
	if err != nil {
		b.Fatal(err)
	}
	var res Result
	for range 3 {
		if res, err = e.Loss(bt.p, bt.labels, g); err != nil {
			b.Fatal(err)
		}
	}
	peak, peakOK := procStatusBytes("VmHWM")
	runtime.GC()
	runtime.ReadMemStats(&m1)
	b.ReportAllocs()
	b.ResetTimer()
	calls := 0
	for b.Loop() {
		if res, err = e.Loss(bt.p, bt.labels, g); err != nil {
			b.Fatal(err)
		}
		calls++
	}
	b.StopTimer()
	var m2 runtime.MemStats
	runtime.ReadMemStats(&m2)
	b.ReportMetric(float64(m2.Mallocs-m1.Mallocs)/float64(calls), "mallocs/call")
	runtime.KeepAlive(e)
	b.ReportMetric(res.Loss, "loss")
	b.ReportMetric(float64(res.FG), "fg")
	b.ReportMetric((float64(m1.HeapAlloc)-float64(m0.HeapAlloc))/1e6, "engine-MB")
	if reset && peakOK {
		b.ReportMetric(peak/1e6, "peakRSS-MB")
		b.ReportMetric(pg/1e6, "pg-MB")
		b.ReportMetric(peak/pg, "peakRSS/pg")
	} else {
		b.Logf("peak resident set not measured: /proc/self/clear_refs or VmHWM unavailable")
	}
}

// TestReadV8Batch reads a batch written here with the layout of
// tools/make_v8_batch.py, and refuses a reg_max out of range and one that
// leaves no class channel.
func TestReadV8Batch(t *testing.T) {
	dir := t.TempDir()
	p := tensor.New[float32](2, 4*2+3, 2, 2)
	for i := range p.Data {
		p.Data[i] = float32(i) / 10
	}
	tg := tensor.New[float32](2, 6)
	copy(tg.Data, []float32{0, 1, 0.5, 0.5, 0.2, 0.2, 1, 2, 0.25, 0.75, 0.1, 0.3})
	st := tensor.New[float32](1)
	st.Data[0] = 8
	write := func(name string, regMax []byte) string {
		tmp := dir + "/arrays-" + name
		if err := batchfile.WriteFile(tmp, []batchfile.Tensor{
			{Name: "p0", Array: tensor.View(p)}, {Name: "targets", Array: tensor.View(tg)}, {Name: "strides", Array: tensor.View(st)},
		}); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(tmp)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		var out bytes.Buffer
		zw := zip.NewWriter(&out)
		for _, f := range zr.File {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
		}
		w, err := zw.Create("reg_max.npy")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(regMax); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		path := dir + "/" + name
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	npyScalar := func(descr string, data []byte) []byte {
		h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (), }", descr)
		h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
		out := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
		return append(append(out, h...), data...)
	}
	good := write("good.npz", npyScalar("<i8", []byte{2, 0, 0, 0, 0, 0, 0, 0}))
	fb, err := readV8Batch(good)
	if err != nil {
		t.Fatal(err)
	}
	if fb.d.RegMax != 2 || fb.d.NC != 3 || len(fb.d.Strides) != 1 || fb.d.Strides[0] != 8 {
		t.Errorf("head %+v, want reg_max 2, nc 3, strides [8]", fb.d)
	}
	if len(fb.p) != 1 || fb.p[0].Data[5] != p.Data[5] || len(fb.labels) != 2 || fb.labels[1] != (target.Label{1, 2, 0.25, 0.75, float64(float32(0.1)), float64(float32(0.3))}) {
		t.Errorf("read %d layers, labels %v", len(fb.p), fb.labels)
	}
	for _, c := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"big.npz", npyScalar("<i8", []byte{0x2c, 1, 0, 0, 0, 0, 0, 0}), "is 300, want 1 to 256"},
		{"zero.npz", npyScalar("<i8", make([]byte, 8)), "is 0, want 1 to 256"},
		{"nc0.npz", npyScalar("<i8", []byte{3, 0, 0, 0, 0, 0, 0, 0}), "nc"},
	} {
		_, err := readV8Batch(write(c.name, c.raw))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
