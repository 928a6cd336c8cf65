package runner

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"inceptionlab/internal/numfmt"
)

// Progress reports training progress. On a terminal (Terminal true) it keeps one live line per running
// trial (with -j N, N lines, in the order the trials started) with epoch, batch, images/second, running
// loss and accuracy and an ETA for the epoch; permanent lines (trial starts, epochs, notes, outcomes)
// print above them. Otherwise it prints only the permanent lines. Quiet prints nothing (the caller prints
// the summary). The zero value is silent.
type Progress struct {
	W        io.Writer
	Terminal bool
	Quiet    bool

	mu       sync.Mutex
	lastDraw time.Time
	order    []string          // trials with a live line, in start order
	live     map[string]string // trial -> its live line
	drawn    int               // live lines on screen, just above the cursor
}

func (p *Progress) active() bool { return p != nil && p.W != nil && !p.Quiet }

// clear erases the live lines from the screen (the cursor ends where the first of them was).
func (p *Progress) clear() {
	for ; p.drawn > 0; p.drawn-- {
		fmt.Fprint(p.W, "\033[1A\033[2K")
	}
}

// draw writes the live lines below the cursor.
func (p *Progress) draw() {
	for _, name := range p.order {
		fmt.Fprintf(p.W, "%s\n", p.live[name])
	}
	p.drawn = len(p.order)
}

// printf prints a permanent line above the live lines.
func (p *Progress) printf(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.W, format, args...)
	p.draw()
}

// TrialStart announces trial i (0-based) of n. Run calls it in trial order as it starts each trial.
func (p *Progress) TrialStart(name string, i, n int) {
	if !p.active() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printf("trial %d/%d %s\n", i+1, n, name)
}

// Batch updates the trial's live line (terminal only; the screen is redrawn at most 10 times a second).
// elapsed is the epoch's training time so far; the ETA is the rest of the epoch's batches at the same pace.
func (p *Progress) Batch(name string, epoch, epochs, batch, batches int, elapsed time.Duration, loss, acc float64, images int) {
	if !p.active() || !p.Terminal || batch <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	eta := time.Duration(float64(elapsed) / float64(batch) * float64(batches-batch)).Round(time.Second)
	rate := float64(images) / elapsed.Seconds()
	if p.live == nil {
		p.live = map[string]string{}
	}
	if _, ok := p.live[name]; !ok {
		p.order = append(p.order, name)
	}
	p.live[name] = fmt.Sprintf("%s  epoch %d/%d  batch %d/%d  %.1f img/s  loss %.4f  top-1 %s  ETA %s",
		name, epoch, epochs, batch, batches, rate, loss, numfmt.Percent(acc), eta)
	now := time.Now()
	if batch != batches && now.Sub(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = now
	p.clear()
	p.draw()
}

// drop removes the trial's live line (it ended).
func (p *Progress) drop(name string) {
	if _, ok := p.live[name]; !ok {
		return
	}
	delete(p.live, name)
	p.order = slices.DeleteFunc(p.order, func(n string) bool { return n == name })
}

// Epoch prints one line per finished epoch: losses and accuracies, the validation of the weight
// average when there is one, the learning rate of the epoch's last step, speed and time.
func (p *Progress) Epoch(name string, e Epoch, epochs int) {
	if !p.active() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ema := ""
	if e.EMA != nil {
		ema = fmt.Sprintf("  ema val loss %.4f top-1 %s", e.EMA.Loss, numfmt.Percent(e.EMA.Top1))
	}
	val := fmt.Sprintf("val loss %.4f top-1 %s top-5 %s", e.ValLoss, numfmt.Percent(e.ValTop1), numfmt.Percent(e.ValTop5))
	if math.IsNaN(e.ValLoss) && math.IsNaN(e.ValTop1) {
		val = "no validation split"
	}
	p.printf("%s  epoch %d/%d  train loss %.4f top-1 %s  %s%s  lr %.4g  %.1f img/s  %.1fs\n",
		name, e.Epoch, epochs, e.TrainLoss, numfmt.Percent(e.TrainTop1), val, ema, e.LR, e.ImagesPerSec, e.Seconds)
}

// Note prints a one-line message about a trial.
func (p *Progress) Note(name, msg string) {
	if !p.active() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printf("%s  %s\n", name, msg)
}

// TrialEnd prints the trial's outcome.
func (p *Progress) TrialEnd(r Result) {
	if !p.active() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := r.Status
	if r.Err != nil {
		msg += ": " + r.Err.Error()
	}
	p.drop(r.Trial)
	p.printf("%s  %s (%.0fs)\n", r.Trial, msg, r.Seconds)
}

// WriteSummary prints the table of trial results: trial, status, best val top-1 (epoch), test top-1,
// params, MACs per image and time.
func WriteSummary(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TRIAL\tSTATUS\tBEST VAL TOP-1\tTEST TOP-1\tPARAMS\tMACS/IMG\tTIME\tRUN")
	for _, r := range results {
		best := "-"
		if r.Epochs > 0 && !math.IsNaN(r.BestValTop1) {
			best = fmt.Sprintf("%s (ep %d)", numfmt.Percent(r.BestValTop1), r.BestEpoch)
		}
		test := "-"
		if !math.IsNaN(r.TestTop1) && r.Status == StatusFinished {
			test = numfmt.Percent(r.TestTop1)
		}
		id := r.RunID
		if len(id) > 8 {
			id = id[:8]
		}
		status := r.Status
		if r.Resumed {
			status += " (resumed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Trial, status, best, test,
			humanCount(r.Params), humanCount(r.MACs), time.Duration(r.Seconds*float64(time.Second)).Round(time.Second).String(), id)
	}
	for _, r := range results {
		if r.Err != nil && (r.Status == StatusFailed || r.Status == StatusKilled) {
			fmt.Fprintf(tw, "\n%s: %s", r.Trial, strings.TrimSpace(r.Err.Error()))
		}
	}
	return tw.Flush()
}

// humanCount abbreviates a count the way every command does (numfmt.Count): 6,998,552 -> "7.00 M".
func humanCount(n int64) string {
	if n <= 0 {
		return "-" // as the summary's other unknown cells
	}
	return numfmt.Count(float64(n))
}
