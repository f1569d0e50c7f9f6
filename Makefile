# The README's test command is `make test`; CI (.ci/run) calls it.
GO ?= go
FUZZTIME ?= 20s
PKGS := ./...

.PHONY: test demo bench fuzz lint generate docs vet experiment

# The GoMLX training example is a module of its own (examples/train), so that
# GoMLX never becomes a dependency of the library. Its default build is pure
# Go (CGO off; the race detector needs cgo, the build check does not). Its
# tests run GoMLX's pure-Go backend with the sequential executor (see
# examples/train/net) and never let GoMLX download a PJRT plugin.
TRAIN := cd examples/train &&
TRAIN_ENV := GOMLX_NO_AUTO_INSTALL=1 GOMLX_BACKEND=go:ops_sequential

# The race detector slows the engine tenfold, so internal/fit's convergence
# tests (built with !race) run once more without it. The purego run tests
# the portable Go versions of internal/vec's assembly kernels, through the
# engines' golden cases too (both heads); the syncpool run tests the sync-based region
# that BENCHMARKS.md compares with the default one.
test: vet
	$(GO) test -race -count=1 $(PKGS)
	$(GO) test -count=1 -run '^TestFit' ./internal/fit/
	$(GO) test -count=1 -tags purego ./internal/vec/ ./bce/ ./focal/ ./varifocal/ ./computeloss/ ./v8loss/
	$(GO) test -count=1 -tags syncpool ./computeloss/
	$(TRAIN) CGO_ENABLED=0 $(GO) build ./...
	$(TRAIN) $(TRAIN_ENV) $(GO) test -race -count=1 ./...

vet:
	$(GO) vet $(PKGS)
	$(TRAIN) $(GO) vet ./...

# The experiment of docs/experiment.md (never in CI): every run listed in
# examples/train/hyps/experiment.txt, for 3 seeds each, up to 12 minutes a
# run on 2 cores. Runs already trained in examples/train/runs/experiment are
# reused from their checkpoints, so it resumes where it stopped. Its report
# goes to examples/train/runs/experiment/experiment.md. EXPERIMENT_FLAGS go
# to yolotrain experiment: docs/experiment.md was written with
#   make experiment EXPERIMENT_FLAGS='-epochs 4 -dir runs/experiment-e4 -o ../../docs/experiment.md -force -notes hyps/experiment-notes.md'
# after its runs were trained two at a time by tools/experiment_parallel.sh
# (the same runs and run directories; see its header).
EXPERIMENT_FLAGS ?=
experiment:
	$(TRAIN) CGO_ENABLED=0 GOMLX_NO_AUTO_INSTALL=1 $(GO) run ./cmd/yolotrain experiment $(EXPERIMENT_FLAGS)

demo:
	$(GO) run ./cmd/lossdemo
	$(GO) run ./cmd/lossdemo -compare

# Go benchmarks in benchstat's format, then the demo's own timing on the
# built-in sample. The evaluation benchmarks run on the speed batch named by
# YOLOLOSS_EVAL_BATCH (see BENCHMARKS.md) and skip without it.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./computeloss/
	GOMAXPROCS=1 $(GO) test -run='^$$' -bench=. -benchmem -count=5 ./metrics/
	$(GO) run ./cmd/lossdemo -bench 50

# Every fuzz target of the library and of the examples/train module, each
# for FUZZTIME with a minimisation of at most FUZZMINTIME (go test's default
# of 60s stalls a target on every new input). The targets are found, not
# listed: each func Fuzz... in the test files of the packages that go list
# gives in each module, so that a new one runs without editing this. go test
# runs one target at a time. `make fuzz FUZZRUN=echo` prints the commands.
FUZZMINTIME ?= 2s
FUZZRUN ?= $(GO) test
fuzz:
	@set -e; for mod in . examples/train; do \
	  ( cd $$mod && $(GO) list -f '{{.ImportPath}}{{range .TestGoFiles}} {{$$.Dir}}/{{.}}{{end}}{{range .XTestGoFiles}} {{$$.Dir}}/{{.}}{{end}}' ./... | \
	    while read -r pkg files; do \
	      [ -n "$$files" ] || continue; \
	      for name in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$files | sort -u); do \
	        echo "== $$mod: $$pkg $$name"; \
	        $(FUZZRUN) -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINTIME) $$pkg; \
	      done; \
	    done ); \
	done

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(TRAIN) $(GO) vet ./...

generate:
	$(GO) generate $(PKGS)

# The README's picture of the criteria (the default hyp has fl_gamma 0, so
# the curves use γ 1.5). lossdemo never overwrites: remove the old one first.
docs:
	rm -f docs/curves.png
	$(GO) run ./cmd/lossdemo curves -o docs/curves.png
	rm -f docs/boxlosses.png && $(GO) run ./cmd/lossdemo curves -box -o docs/boxlosses.png
