#!/bin/bash
# experiment_parallel.sh: `yolotrain experiment` with several runs training at
# once, each in its own process, then the report by one ordinary call that
# reuses every run from its checkpoint.
#
#   JOBS=2 SEEDS=3 RUNS=hyps/experiment.txt tools/experiment_parallel.sh \
#       -epochs 4 -dir runs/experiment-e4 -- -o ../../docs/experiment.md -force -notes hyps/experiment-notes.md
#
# Flags before `--` go to every call (the schedule, -dir, -data, -backend);
# flags after it only to the last call, which writes the report. Each process
# gets GOMAXPROCS = cores / JOBS. The runs and run directories are exactly
# those of `yolotrain experiment -runs RUNS -seeds SEEDS` with the same
# flags: a process trains one run for one seed through a one-line runs file,
# and the run directory depends only on the run's group, name and seed.
#
# Order: every group's baseline first (all seeds), then the other runs; a
# gains=matched run is one process for all its seeds, with its group's
# baseline (already trained, so reused) as the line before it, because the
# multipliers are measured on the first seed and must be the same for all.
# Only with a matched run do the baselines finish before the rest starts.
#
# Why a script and not a flag of yolotrain: one process holds one GoMLX
# backend and one GOMAXPROCS; separate processes keep the runs independent,
# as they are when trained one after the other.
set -euo pipefail

JOBS=${JOBS:-2}
SEEDS=${SEEDS:-3}
RUNS=${RUNS:-hyps/experiment.txt}
SEED=${SEED:-1}

common=()
final=()
while (($#)); do
	if [[ $1 == -- ]]; then
		shift
		final=("$@")
		break
	fi
	common+=("$1")
	shift
done
for f in "${common[@]}"; do
	case $f in -runs | -seeds | -seed | -o | -force | -notes | -retrain)
		echo "experiment_parallel.sh: $f is set by RUNS, SEEDS, SEED, or after --" >&2
		exit 2
		;;
	esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/examples/train"
[[ -f $RUNS ]] || {
	echo "experiment_parallel.sh: runs file $RUNS not found (relative to examples/train)" >&2
	exit 2
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runs" "$work/out" "$work/log"
CGO_ENABLED=0 go build -o "$work/yolotrain" ./cmd/yolotrain
export GOMLX_NO_AUTO_INSTALL=1 CGO_ENABLED=0
cores=$(nproc)
export GOMAXPROCS=$((cores / JOBS > 0 ? cores / JOBS : 1))

# abs makes a path of the runs file absolute (relative to the runs file's folder).
runsdir=$(cd "$(dirname "$RUNS")" && pwd)
abs() { [[ $1 == /* ]] && echo "$1" || echo "$runsdir/$1"; }

# One line per run: its group, whether it is matched, its name and its
# line with absolute paths.
declare -A baseline
phase1=() phase2=() matched=()
n=0
while read -r hypfile opts; do
	[[ -z $hypfile || $hypfile == \#* ]] && continue
	data=easy model="" name=$(basename "$hypfile" .yaml) gains="" line=$(abs "$hypfile")
	for o in $opts; do
		k=${o%%=*} v=${o#*=}
		case $k in
		data) data=$v ;;
		model) model=$v ;;
		name) name=$v ;;
		gains) gains=$v ;;
		esac
		case $k in
		model) o="model=$(abs "$v")" ;;
		data) [[ $v == */* || $v == *.yaml ]] && o="data=$(abs "$v")" ;;
		esac
		line+=" $o"
	done
	group="$data|$model"
	n=$((n + 1))
	f="$work/runs/$n-$name.txt"
	if [[ -z ${baseline[$group]:-} ]]; then
		baseline[$group]=$line
		echo "$line" >"$f"
		phase1+=("$f")
	elif [[ $gains == matched ]]; then
		printf '%s\n%s\n' "${baseline[$group]}" "$line" >"$f"
		matched+=("$f")
	else
		echo "$line" >"$f"
		phase2+=("$f")
	fi
	# Datasets are written before the runs start, not by two runs at once.
	if [[ $data != */* && $data != *.yaml ]]; then
		ddir=data
		for ((i = 0; i < ${#common[@]}; i++)); do [[ ${common[i]} == -data ]] && ddir=${common[i + 1]}; done
		[[ -f $ddir/synth-$data/data.yaml ]] || "$work/yolotrain" gen -spec "$data" -o "$ddir/synth-$data"
	fi
done <"$RUNS"

job() { # job RUNSFILE SEED NSEEDS
	local tag
	tag=$(basename "$1" .txt)-$2
	if "$work/yolotrain" experiment "${common[@]}" -runs "$1" -seed "$2" -seeds "$3" -o "$work/out/$tag.md" \
		>"$work/log/$tag.out" 2>"$work/log/$tag.err"; then
		echo "$(date -u +%H:%M:%S) done $tag"
	else
		echo "$(date -u +%H:%M:%S) FAILED $tag:" >&2
		tail -n 5 "$work/log/$tag.err" >&2
		return 255 # stops xargs
	fi
}
export work
# Bash cannot export arrays or pass functions to xargs: the flags go through
# a file, the function as its text.
printf '%s\n' "${common[@]}" >"$work/common"

queue() { # the jobs of one phase, seed after seed, as "file seed nseeds"
	local list=("${phase1[@]}")
	if [[ $1 == 2 ]]; then
		for f in "${matched[@]}"; do echo "$f $SEED $SEEDS"; done
		list=("${phase2[@]}")
	fi
	for ((k = 0; k < SEEDS; k++)); do
		for f in "${list[@]}"; do echo "$f $((SEED + k)) 1"; done
	done
}
runjob='mapfile -t common <"$work/common"; job "$@"'
run() { xargs -r -P "$JOBS" -L 1 bash -c "$(declare -f job); $runjob" _; }
if ((${#matched[@]})); then
	queue 1 | run # a matched run needs its baseline's seeds finished
	queue 2 | run
else
	{ queue 1; queue 2; } | run
fi

"$work/yolotrain" experiment "${common[@]}" -runs "$RUNS" -seed "$SEED" -seeds "$SEEDS" "${final[@]}"
