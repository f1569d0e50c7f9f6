#!/usr/bin/env bash
# Alternating rounds on one saved workload: YOLOv5's own ComputeLoss under
# PyTorch on one thread, then the Go engine (lossdemo -bench) at
# GOMAXPROCS=1 and 2, round after round. Each round gives its own ratios, so
# that drift in this shared VM's speed, which moves both sides, cancels out;
# the summary is the median over rounds. Optional tooling, never run by CI:
# needs Debian's python3-torch (see README.md here).
#
#   tools/bench_rounds.sh [rounds] [repeats per round]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-6}
reps=${2:-10}
. tools/bench_setup.sh
out=$work/rounds.jsonl
: >"$out"
echo "== machine: $(uname -m), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(go version | cut -d' ' -f3)"
for r in $(seq 1 "$rounds"); do
	torch=$(/usr/bin/python3 tools/bench_torch.py --load "$wl" --threads 1 --repeats "$reps" \
		--criteria bce,focal --no-ours --no-agreement | sed -n 's/^JSON //p')
	for procs in 1 2; do
		for c in bce focal; do
			GOMAXPROCS=$procs "$work/lossdemo" -pred "$wl" -hyp "$work/hyp.$c.yaml" -bench "$reps" -json |
				/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(dict(procs=int(sys.argv[1]), criterion=sys.argv[2], ms=r["median_ms"], fwd_ms=r["forward_median_ms"], clear_ms=r["clear_median_ms"], allocs=r["allocs_per_call"])))' "$procs" "$c" >>"$work/go.$r.jsonl"
		done
	done
	/usr/bin/python3 - "$r" "$torch" "$work/go.$r.jsonl" >>"$out" <<'PY'
import json, sys
r, torch, gofile = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
row = dict(round=r, torch={x["criterion"]: x["fwd_bwd_ms"] for x in torch["results"] if x["impl"] == "yolov5"}, go={})
for line in open(gofile):
    g = json.loads(line)
    row["go"]["%s/%d" % (g["criterion"], g["procs"])] = g
print(json.dumps(row))
PY
	rm -f "$work/go.$r.jsonl"
	tail -1 "$out" | /usr/bin/python3 -c '
import json, sys
x = json.loads(sys.stdin.read())
t, g = x["torch"], x["go"]
print("round %d: YOLOv5 bce %.1f focal %.1f ms | Go 1 core bce %.2f focal %.2f ms (%.1fx, %.1fx) | 2 cores bce %.2f focal %.2f ms (%.2fx, %.2fx of 1 core) | clear() %.2f ms" % (
    x["round"], t["bce"], t["focal"], g["bce/1"]["ms"], g["focal/1"]["ms"], t["bce"] / g["bce/1"]["ms"], t["focal"] / g["focal/1"]["ms"],
    g["bce/2"]["ms"], g["focal/2"]["ms"], g["bce/1"]["ms"] / g["bce/2"]["ms"], g["focal/1"]["ms"] / g["focal/2"]["ms"], g["focal/1"]["clear_ms"]))'
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics as st, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def med(f):
    return st.median(f(x) for x in rows)
print("== median over %d rounds" % len(rows))
for c in ("bce", "focal"):
    print("%-5s YOLOv5 %.1f ms | Go 1 core %.2f ms, speed-up %.1fx (per-round ratios %s) | Go 2 cores %.2f ms, %.2fx of 1 core | forward only %.2f / %.2f ms | 1 core = %.1fx clear() | allocs/call %s" % (
        c, med(lambda x: x["torch"][c]), med(lambda x: x["go"][c + "/1"]["ms"]),
        med(lambda x: x["torch"][c] / x["go"][c + "/1"]["ms"]),
        ", ".join("%.1f" % (x["torch"][c] / x["go"][c + "/1"]["ms"]) for x in rows),
        med(lambda x: x["go"][c + "/2"]["ms"]), med(lambda x: x["go"][c + "/1"]["ms"] / x["go"][c + "/2"]["ms"]),
        med(lambda x: x["go"][c + "/1"]["fwd_ms"]), med(lambda x: x["go"][c + "/2"]["fwd_ms"]),
        med(lambda x: x["go"][c + "/1"]["ms"] / x["go"][c + "/1"]["clear_ms"]),
        sorted({x["go"][c + "/%d" % p]["allocs"] for x in rows for p in (1, 2)})))
PY
