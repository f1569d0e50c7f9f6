# Sourced by bench_compare.sh and bench_rounds.sh, from the repository root:
# the saved workload ($wl), hyp files for BCE, focal and varifocal γ 1.5 from
# YOLOv5's scratch-low values ($work/hyp.*.yaml), and a lossdemo build
# ($work/lossdemo).
work=tools/work
mkdir -p "$work"
wl=$work/coco_bs16.npz
if [ ! -f "$wl" ]; then
	/usr/bin/python3 tools/bench_torch.py --save "$wl" --threads 1 --repeats 1 >/dev/null
fi
base=data/hyps/hyp.scratch-low.yaml
cp -f "$base" "$work/hyp.bce.yaml"
sed 's/^fl_gamma: .*/fl_gamma: 1.5/' "$base" >"$work/hyp.focal.yaml"
{ sed 's/^fl_gamma: .*/fl_gamma: 1.5/' "$base"; echo "fl_type: varifocal"; } >"$work/hyp.varifocal.yaml"
go build -o "$work/lossdemo" ./cmd/lossdemo
