#!/usr/bin/env bash
# The anchor-free loss against ultralytics' own, on the speed batch of
# tools/make_v8_batch.py (16 images of 640×640, 80 classes, reg_max 16,
# float32; made under tools/work/ if missing):
#   1. correctness: ultralytics 8.4.35's v8DetectionLoss in float32
#      (tools/v8_torch_loss.py bench --dump) and lossdemo -json -grad on the
#      same file; the loss and items must agree within 1e-5 relative, each
#      gradient array within 1e-4 of its largest element;
#   2. alternating rounds: v8DetectionLoss forward+backward on one PyTorch
#      thread, then package v8loss's BenchmarkBatch at GOMAXPROCS=1 and 2,
#      round after round, each round with its own ratios (drift in a shared
#      machine's speed moves both sides), the summary the median over rounds;
#   3. memory: the peak resident set of each side's first calls over the
#      bytes of predictions plus gradient, and Go's heap allocations per call.
# Optional tooling, never run by CI: needs Debian's python3-torch and
# python3-numpy, and ultralytics 8.4.35's source (not in this repository; see
# README.md here) in ULTRALYTICS_DIR.
#
#   ULTRALYTICS_DIR=DIR tools/bench_v8.sh [rounds] [torch calls per round] [Go calls per round]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
treps=${2:-3}
greps=${3:-20}
: "${ULTRALYTICS_DIR:?set ULTRALYTICS_DIR to the source of ultralytics 8.4.35, the ultralytics package folder or the folder holding it (see tools/README.md)}"
export ULTRALYTICS_DIR
work=tools/work
mkdir -p "$work"
batch=$work/v8_bs16.npz
[ -f "$batch" ] || /usr/bin/python3 tools/make_v8_batch.py "$batch"
go test -c -o "$work/v8loss.test" ./v8loss/
go build -o "$work/lossdemo" ./cmd/lossdemo
echo "== $(date -u +%Y-%m-%dT%H:%MZ) machine: $(uname -m), $(nproc) cpus,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== correctness: ultralytics' v8DetectionLoss (float32) against lossdemo on $batch"
/usr/bin/python3 tools/v8_torch_loss.py bench "$batch" --threads 1 --warmup 0 --repeats 1 --dump "$work/v8_torch.npz" | grep -v '^JSON '
"$work/lossdemo" -pred "$batch" -json -grad "$work/v8_go_grad.npz" -force >"$work/v8_go.json"
match=0
/usr/bin/python3 tools/v8_torch_loss.py compare "$work/v8_torch.npz" "$work/v8_go.json" "$work/v8_go_grad.npz" || match=1

out=$work/v8_rounds.jsonl
: >"$out"
for r in $(seq 1 "$rounds"); do
	torch=$(/usr/bin/python3 tools/v8_torch_loss.py bench "$batch" --threads 1 --warmup 1 --repeats "$treps" | sed -n 's/^JSON //p')
	go1=$(GOMAXPROCS=1 YOLOLOSS_V8_BATCH=$batch "$work/v8loss.test" -test.run '^$' -test.bench '^BenchmarkBatch$' \
		-test.benchtime "${greps}x" -test.benchmem | grep '^BenchmarkBatch')
	go2=$(GOMAXPROCS=2 YOLOLOSS_V8_BATCH=$batch "$work/v8loss.test" -test.run '^$' -test.bench '^BenchmarkBatch$' \
		-test.benchtime "${greps}x" -test.benchmem | grep '^BenchmarkBatch')
	/usr/bin/python3 - "$r" "$torch" "$go1" "$go2" >>"$out" <<'PY'
import json, sys
def bench(line):
    f = line.split()
    return {f[i + 1]: float(f[i]) for i in range(2, len(f) - 1, 2)}
print(json.dumps(dict(round=int(sys.argv[1]), torch=json.loads(sys.argv[2]), go1=bench(sys.argv[3]), go2=bench(sys.argv[4]))))
PY
	tail -1 "$out" | /usr/bin/python3 -c '
import json, sys
x = json.loads(sys.stdin.read())
t, g1, g2 = x["torch"]["median_ms"], x["go1"]["ns/op"] / 1e6, x["go2"]["ns/op"] / 1e6
print("round %d: ultralytics 1 thread %.0f ms | Go 1 core %.2f ms (%.1fx) | Go 2 cores %.2f ms (%.1fx; %.2fx of 1 core)" % (
    x["round"], t, g1, t / g1, g2, t / g2, g1 / g2))'
done
/usr/bin/python3 - "$out" "$match" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
matched = sys.argv[2] == "0"
def med(f):
    return st.median(f(x) for x in rows)
t = lambda x: x["torch"]["median_ms"]
g1 = lambda x: x["go1"]["ns/op"] / 1e6
g2 = lambda x: x["go2"]["ns/op"] / 1e6
sp = med(lambda x: t(x) / g1(x))
sc = med(lambda x: g1(x) / g2(x))
print("== median over %d rounds" % len(rows))
print("ultralytics v8DetectionLoss, 1 thread: %.0f ms" % med(t))
print("Go, 1 core: %.2f ms, speed-up %.1fx (per round %s)" % (med(g1), sp, ", ".join("%.1f" % (t(x) / g1(x)) for x in rows)))
print("Go, 2 cores: %.2f ms, %.2fx of 1 core (per round %s); %.1fx ultralytics" % (
    med(g2), sc, ", ".join("%.2f" % (g1(x) / g2(x)) for x in rows), med(lambda x: t(x) / g2(x))))
mallocs = sorted({x[k]["mallocs/call"] for x in rows for k in ("go1", "go2")})
allocs = sorted({x[k]["allocs/op"] for x in rows for k in ("go1", "go2")})
print("Go heap allocations per call: allocs/op %s, mallocs/call %s" % (allocs, ", ".join("%.3g" % m for m in mallocs)))
last = rows[-1]
pg = last["torch"]["pred_grad_bytes"]
def peak(k):
    g = last[k]
    return "%.0f MB = %.2fx" % (g["peakRSS-MB"], g["peakRSS/pg"]) if "peakRSS/pg" in g else "not measured"
tp = last["torch"]["peak_rss_bytes"]
print("peak resident set, predictions + gradient = %.0f MB: Go 1 core %s, 2 cores %s; ultralytics %s; Go engine's heap %.1f MB" % (
    pg / 1e6, peak("go1"), peak("go2"), "%.0f MB = %.2fx" % (tp / 1e6, tp / pg) if tp else "not measured", last["go2"]["engine-MB"]))
ok = lambda c: "met" if c else "NOT met"
peaks = [x[k].get("peakRSS/pg") for x in rows for k in ("go1", "go2")]
print("issue 19's targets: >= 20x on one core %s; >= 1.7x from one core to two %s; no allocation per call %s; peak < 2x predictions + gradient %s; loss equal to ultralytics' %s" % (
    ok(sp >= 20), ok(sc >= 1.7), ok(max(mallocs) == 0), ok(None not in peaks and max(peaks) < 2), ok(matched)))
sys.exit(0 if matched else 1)
PY
