#!/usr/bin/env bash
# Two builds of lossdemo side by side on the saved COCO-sized workload, in
# alternating rounds: A then B, at GOMAXPROCS=1 and 2, for BCE and focal.
# Each round gives its own ratio B/A of the -bench medians, so a drift in the
# machine's speed moves both sides of a ratio; the summary is the median over
# rounds. A and B are git revisions (built from a temporary worktree) or
# "worktree" for the current tree; TAGS_A and TAGS_B add build tags (for
# example TAGS_B=syncpool for the sync-based worker region).
#
# usage: tools/bench_ab.sh A B [rounds] [calls]
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?revision A}; B=${2:?revision B}; rounds=${3:-6}; calls=${4:-20}
source tools/bench_setup.sh
build() { # rev tags out
	if [ "$1" = worktree ]; then
		go build -tags "$2" -o "$3" ./cmd/lossdemo
	else
		d=$(mktemp -d); git worktree add -q --detach "$d" "$1"
		(cd "$d" && go build -tags "$2" -o "$OLDPWD/$3" ./cmd/lossdemo)
		git worktree remove --force "$d"
	fi
}
build "$A" "${TAGS_A:-}" "$work/lossdemo.a"
build "$B" "${TAGS_B:-}" "$work/lossdemo.b"
med() { # binary procs hyp -> median ms
	GOMAXPROCS=$2 "$1" -pred "$wl" -hyp "$3" -bench "$calls" -json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["median_ms"])'
}
out=$work/ab.$(date +%s).txt
echo "A=$A${TAGS_A:+ (tags $TAGS_A)} B=$B${TAGS_B:+ (tags $TAGS_B)} rounds=$rounds calls=$calls $(date -u +%FT%TZ)" | tee "$out"
for r in $(seq "$rounds"); do
	for crit in bce focal; do
		for p in 1 2; do
			a=$(med "$work/lossdemo.a" $p "$work/hyp.$crit.yaml")
			b=$(med "$work/lossdemo.b" $p "$work/hyp.$crit.yaml")
			echo "round $r $crit procs $p A $a B $b" | tee -a "$out"
		done
	done
done
/usr/bin/python3 - "$out" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]).read().splitlines()[1:]:
    f = line.split()
    rows[(f[2], f[4])].append((float(f[6]), float(f[8])))
for (crit, p), v in sorted(rows.items()):
    r = [b / a for a, b in v]
    print("%-5s %s core(s): A median %.2f ms, B median %.2f ms, B/A per round %s, median %.3f" % (
        crit, p, statistics.median(a for a, _ in v), statistics.median(b for _, b in v),
        " ".join("%.3f" % x for x in r), statistics.median(r)))
PY
