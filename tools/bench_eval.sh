#!/usr/bin/env bash
# The evaluation speed comparison: val.py's NMS + matching + ap_per_class on
# the COCO-sized batch of make_eval_batch.py, PyTorch on one thread
# (tools/eval_torch.py) against Go on one core (BenchmarkEval, GOMAXPROCS=1),
# in alternating rounds, each round with its own ratio, so that drift in a
# shared machine's speed moves both sides; then the mAP of both, which must
# agree within 1e-4. Optional tooling, never run by CI: needs Debian's
# python3-torch, python3-torchvision and python3-numpy (see README.md here).
#
#   tools/bench_eval.sh [rounds] [torch repeats per round] [Go calls per round]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
treps=${2:-3}
greps=${3:-50}
work=tools/work
mkdir -p "$work"
batch=$work/eval_bs16.npz
[ -f "$batch" ] || /usr/bin/python3 tools/make_eval_batch.py "$batch"
go test -c -o "$work/metrics.test" ./metrics/
go build -o "$work/yoloval" ./cmd/yoloval
out=$work/eval_rounds.jsonl
: >"$out"
echo "== $(date -u +%Y-%m-%dT%H:%MZ) machine: $(uname -m), $(nproc) cpus,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(go version | cut -d' ' -f3)"
for r in $(seq 1 "$rounds"); do
	torch=$(/usr/bin/python3 tools/eval_torch.py bench "$batch" --threads 1 --repeats "$treps" | sed -n 's/^JSON //p')
	gons=$(GOMAXPROCS=1 YOLOLOSS_EVAL_BATCH=$batch "$work/metrics.test" -test.run '^$' -test.bench '^BenchmarkEval$' \
		-test.benchtime "${greps}x" -test.benchmem | awk '/^BenchmarkEval/ {for (i = 1; i < NF; i++) if ($(i+1) == "ns/op") print $i}')
	/usr/bin/python3 - "$r" "$torch" "$gons" >>"$out" <<'PY'
import json, sys
t = json.loads(sys.argv[2])
print(json.dumps(dict(round=int(sys.argv[1]), torch_ms=t["median_ms"], go_ms=float(sys.argv[3]) / 1e6, torch=t)))
PY
	tail -1 "$out" | /usr/bin/python3 -c '
import json, sys
x = json.loads(sys.stdin.read())
print("round %d: PyTorch 1 thread %.0f ms | Go 1 core %.2f ms | %.0fx" % (x["round"], x["torch_ms"], x["go_ms"], x["torch_ms"] / x["go_ms"]))'
done
GOMAXPROCS=1 "$work/yoloval" -json -pred "$batch" >"$work/eval_go.json"
/usr/bin/python3 - "$out" "$work/eval_go.json" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
g = json.load(open(sys.argv[2]))
t = rows[-1]["torch"]
print("== median over %d rounds: PyTorch %.0f ms, Go %.2f ms, speed-up %.0fx (per-round %s)" % (
    len(rows), st.median(x["torch_ms"] for x in rows), st.median(x["go_ms"] for x in rows),
    st.median(x["torch_ms"] / x["go_ms"] for x in rows), ", ".join("%.0f" % (x["torch_ms"] / x["go_ms"]) for x in rows)))
print("== PyTorch's parts (mean of the last round): " + ", ".join("%s %.0f ms" % kv for kv in t["mean_parts_ms"].items()))
worst = max(abs(g[k] - t[k]) for k in ("map", "map50", "mp", "mr"))
print("== PyTorch %s / torchvision %s: mAP %.6f mAP50 %.6f mP %.6f mR %.6f" % (t["torch"], t["torchvision"], t["map"], t["map50"], t["mp"], t["mr"]))
print("== Go (yoloval):                  mAP %.6f mAP50 %.6f mP %.6f mR %.6f; largest difference %.2g (%s 1e-4)" % (
    g["map"], g["map50"], g["mp"], g["mr"], worst, "within" if worst <= 1e-4 else "NOT within"))
sys.exit(0 if worst <= 1e-4 else 1)
PY
