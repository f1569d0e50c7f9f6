package trainer

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Job places a run in a larger job, an experiment of many runs, for the
// progress line's overall progress and time left.
type Job struct {
	Label        string // the run in the job, e.g. "run 3/20 focal seed 1"
	EpochsBefore int    // epochs of the job's runs before this one, trained or reused
	EpochsAfter  int    // epochs of the job's runs after this one
}

// progress is the line a run rewrites (with a carriage return) on
// Config.Progress while it trains and validates:
//
//	run 3/20 focal seed 1 | epoch 2/8 batch 120/250 | 2.41 s/batch | box 0.0512 obj 0.0231 cls 0.0112 | run 19%, 17m left | job 11%, 5h02m left
//
// and, during validation, "epoch 2/8 validating 100/500 images" in place of
// the batches. The rate is in one unit, seconds per batch, and appears once
// a batch after the first has finished: the first batch includes the
// programs' compilation. The time left assumes every remaining epoch costs
// what this one's batches and the last validation cost. The line is drawn
// at most once a second, and ended with a newline after each epoch.
type progress struct {
	w   io.Writer
	now func() time.Time
	job Job

	epoch, epochs int           // the epoch in progress (1-based) and the run's
	nb            int           // batches per epoch
	done          int           // batches done this epoch
	firstDone     time.Time     // when the epoch's first batch finished
	lastDone      time.Time     // when its latest batch finished
	valTime       time.Duration // the last validation's, or an estimate
	items         lossItems
	obj           string // the second loss item's name: "obj", or "dfl" for the anchor-free head
	drawn         time.Time
	width         int // the last line's length, to blank its remains
}

func newProgress(w io.Writer, job Job, epochs, nb int, obj string) *progress {
	return &progress{w: w, now: time.Now, job: job, epochs: epochs, nb: nb, obj: obj}
}

// startEpoch starts the line of epoch e (1-based).
func (p *progress) startEpoch(e int) {
	p.epoch, p.done = e, 0
	p.drawn = time.Time{}
}

// batch records a finished batch and the running mean of the loss items.
func (p *progress) batch(items lossItems) {
	p.done++
	p.items = items
	p.lastDone = p.now()
	if p.done == 1 {
		p.firstDone = p.lastDone
	}
	p.draw(fmt.Sprintf("batch %d/%d", p.done, p.nb), p.done == p.nb)
}

// validating shows the validation's progress: n of total images done.
func (p *progress) validating(n, total int) {
	p.draw(fmt.Sprintf("validating %d/%d images", n, total), n == 0)
}

// endEpoch records the validation's time and ends the epoch's line.
func (p *progress) endEpoch(val time.Duration) {
	p.valTime = val
	p.draw("done", true)
	fmt.Fprintln(p.w)
	p.width = 0
}

// secPerBatch is the measured rate between the first and the latest batch
// (so validation does not count), 0 before a batch after the first.
func (p *progress) secPerBatch() float64 {
	if p.done < 2 {
		return 0
	}
	return p.lastDone.Sub(p.firstDone).Seconds() / float64(p.done-1)
}

func (p *progress) draw(phase string, force bool) {
	now := p.now()
	if !force && !p.drawn.IsZero() && now.Sub(p.drawn) < time.Second {
		return
	}
	p.drawn = now
	var parts []string
	if p.job.Label != "" {
		parts = append(parts, p.job.Label)
	}
	parts = append(parts, fmt.Sprintf("epoch %d/%d %s", p.epoch, p.epochs, phase))
	rate := p.secPerBatch()
	if rate > 0 {
		parts = append(parts, fmt.Sprintf("%.2f s/batch", rate))
	} else {
		parts = append(parts, "– s/batch")
	}
	if p.done > 0 {
		parts = append(parts, fmt.Sprintf("box %.4f %s %.4f cls %.4f", p.items.Box, p.obj, p.items.Obj, p.items.Cls))
	}
	runDone := float64(p.epoch-1) + float64(p.done)/float64(max(p.nb, 1))
	runPct := 100 * runDone / float64(p.epochs)
	if rate > 0 {
		perEpoch := rate*float64(p.nb) + p.valTime.Seconds()
		left := rate*float64(p.nb-p.done) + p.valTime.Seconds() + float64(p.epochs-p.epoch)*perEpoch
		if strings.HasPrefix(phase, "validating") || phase == "done" {
			left = float64(p.epochs-p.epoch) * perEpoch
		}
		parts = append(parts, fmt.Sprintf("run %.0f%%, %s left", runPct, clock(left)))
		if p.job.Label != "" {
			all := float64(p.job.EpochsBefore + p.epochs + p.job.EpochsAfter)
			jobPct := 100 * (float64(p.job.EpochsBefore) + runDone) / all
			parts = append(parts, fmt.Sprintf("experiment %.0f%%, %s left", jobPct, clock(left+float64(p.job.EpochsAfter)*perEpoch)))
		}
	} else {
		parts = append(parts, fmt.Sprintf("run %.0f%%", runPct))
	}
	line := strings.Join(parts, " | ")
	pad := max(p.width-len(line), 0)
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	p.width = len(line)
}

// clock writes seconds as 1h02m, 17m or 45s.
func clock(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d.Round(time.Minute).Minutes()))
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}
