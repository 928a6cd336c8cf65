package runner

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// screen interprets what Progress writes to a terminal: text, \n, and the two escapes it uses
// (ESC[1A cursor up, ESC[2K erase line), and returns the lines on screen.
func screen(out string) []string {
	var lines []string
	row := 0
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, "\033[1A"):
			row--
			out = out[4:]
		case strings.HasPrefix(out, "\033[2K"):
			if row < len(lines) {
				lines[row] = ""
			}
			out = out[4:]
		case out[0] == '\n':
			row++
			out = out[1:]
		default:
			i := strings.IndexAny(out, "\n\033")
			if i < 0 {
				i = len(out)
			}
			for len(lines) <= row {
				lines = append(lines, "")
			}
			lines[row] += out[:i]
			out = out[i:]
		}
	}
	for len(lines) > row { // lines below the cursor were erased
		lines = lines[:len(lines)-1]
	}
	return lines
}

func TestProgressOneLiveLinePerTrial(t *testing.T) {
	var b bytes.Buffer
	p := &Progress{W: &b, Terminal: true}
	p.TrialStart("a", 0, 3)
	p.TrialStart("b", 1, 3)
	p.Batch("a", 1, 2, 5, 5, time.Second, 1.5, 0.25, 80)
	p.Batch("b", 1, 2, 3, 3, time.Second, 2.5, 0.5, 48)
	p.Epoch("a", Epoch{Epoch: 1, TrainLoss: 1.5}, 2)
	got := screen(b.String())
	want := []string{"trial 1/3 a", "trial 2/3 b", "a  epoch 1/2  train loss 1.5000", "a  epoch 1/2  batch 5/5", "b  epoch 1/2  batch 3/3"}
	if len(got) != len(want) {
		t.Fatalf("screen:\n%s\nwant %d lines", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d = %q, want it to start with %q", i, got[i], want[i])
		}
	}
	p.TrialEnd(Result{Trial: "a", Status: StatusFinished})
	got = screen(b.String())
	if last := got[len(got)-1]; !strings.HasPrefix(last, "b  epoch 1/2  batch 3/3") || strings.Contains(strings.Join(got, "\n"), "a  epoch 1/2  batch") {
		t.Errorf("after a ended the live lines are not just b's:\n%s", strings.Join(got, "\n"))
	}
}

func TestProgressPlainWhenNotATerminal(t *testing.T) {
	var b bytes.Buffer
	p := &Progress{W: &b}
	p.TrialStart("a", 0, 1)
	p.Batch("a", 1, 1, 1, 1, time.Second, 1, 1, 8)
	p.Epoch("a", Epoch{Epoch: 1}, 1)
	if strings.Contains(b.String(), "\033") || strings.Contains(b.String(), "batch") {
		t.Errorf("escapes or live lines in plain output: %q", b.String())
	}
	if n := strings.Count(b.String(), "\n"); n != 2 {
		t.Errorf("%d lines, want 2: %q", n, b.String())
	}
}

// TestProgressEpochLine checks the epoch line with and without a validation split: a trial with
// data.split.val 0 has NaN validation metrics, which the line must not print as "NaN" and "—".
func TestProgressEpochLine(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		e    Epoch
		want string
	}{
		{"validated", Epoch{Epoch: 2, TrainLoss: 0.5, TrainTop1: 0.8, ValLoss: 0.25, ValTop1: 0.9, ValTop5: 1, LR: 1e-3, ImagesPerSec: 10, Seconds: 3},
			"a  epoch 2/3  train loss 0.5000 top-1 80.0%  val loss 0.2500 top-1 90.0% top-5 100.0%  lr 0.001  10.0 img/s  3.0s\n"},
		{"with EMA", Epoch{Epoch: 2, TrainLoss: 0.5, TrainTop1: 0.8, ValLoss: 0.25, ValTop1: 0.9, ValTop5: 1, EMA: &Val{Loss: 0.2, Top1: 0.95}, LR: 1e-3, ImagesPerSec: 10, Seconds: 3},
			"a  epoch 2/3  train loss 0.5000 top-1 80.0%  val loss 0.2500 top-1 90.0% top-5 100.0%  ema val loss 0.2000 top-1 95.0%  lr 0.001  10.0 img/s  3.0s\n"},
		{"no validation split", Epoch{Epoch: 2, TrainLoss: 0.5, TrainTop1: 0.8, ValLoss: nan, ValTop1: nan, ValTop5: nan, LR: 1e-3, ImagesPerSec: 10, Seconds: 3},
			"a  epoch 2/3  train loss 0.5000 top-1 80.0%  no validation split  lr 0.001  10.0 img/s  3.0s\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			p := &Progress{W: &b}
			p.Epoch("a", tc.e, 3)
			if b.String() != tc.want {
				t.Errorf("line\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}
