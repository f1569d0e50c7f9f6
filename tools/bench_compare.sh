#!/usr/bin/env bash
# Side-by-side timing of YOLOv5's loss under PyTorch (tools/bench_torch.py:
# our PyTorch implementation and YOLOv5's own ComputeLoss) and the Go engine
# (lossdemo -bench), on the same saved workload, one after the other on this
# machine. Optional tooling: needs Debian's python3-torch (see README.md
# here); never run by CI.
#
#   tools/bench_compare.sh [repeats]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-30}
. tools/bench_setup.sh

echo "== machine"
uname -m; nproc; grep -m1 'model name' /proc/cpuinfo || true; go version; uptime
echo "== PyTorch, 1 and 2 threads ($reps repeats)"
/usr/bin/python3 tools/bench_torch.py --load "$wl" --threads 1,2 --repeats "$reps"
echo "== Go (lossdemo -bench $reps), float32"
for procs in 1 2; do
	for c in bce focal varifocal; do
		printf 'GOMAXPROCS=%s %-9s ' "$procs" "$c"
		GOMAXPROCS=$procs "$work/lossdemo" -pred "$wl" -hyp "$work/hyp.$c.yaml" -bench "$reps" -json |
			/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print("median %.2f ms  forward %.2f ms  clear() %.2f ms (%.1fx)  allocs/call %.1f  loss %.9g" % (r["median_ms"], r["forward_median_ms"], r["clear_median_ms"], r["median_ms"]/r["clear_median_ms"], r["allocs_per_call"], r["loss"]))'
	done
done
uptime
