package reports

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// labels returns the non-empty labels of ts.
func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestRelabelMakesLabelsDistinct(t *testing.T) {
	tests := []struct {
		name string
		vals []float64
		want string
	}{
		{"the report's old 2.31, 2.3, 2.3, 2.3", []float64{2.31, 2.305, 2.3, 2.295}, "2.310 2.305 2.300 2.295"},
		{"whole numbers stay whole", []float64{0, 20, 40, 60}, "0 20 40 60"},
		{"no minus zero", []float64{-0.5, -1e-17, 0.5}, "-0.5 0.0 0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts []plot.Tick
			for _, v := range tt.vals {
				ts = append(ts, plot.Tick{Value: v, Label: "2.3"}, plot.Tick{Value: v + 1e-3}) // minor ticks stay unlabelled
			}
			if got := strings.Join(labels(relabel(ts)), " "); got != tt.want {
				t.Fatalf("labels %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUniqueTicksOnNarrowRanges: gonum's default ticks label 2.2951..2.3102 as "2.3 2.3 2.3 2.31".
func TestUniqueTicksOnNarrowRanges(t *testing.T) {
	for _, r := range [][2]float64{{2.2951, 2.3102}, {0.80001, 0.80009}, {0, 1}, {-3, 1e6}, {77.9, 78.4}} {
		ls := labels(uniqueTicks{}.Ticks(r[0], r[1]))
		seen := map[string]bool{}
		for _, l := range ls {
			if seen[l] {
				t.Fatalf("range %v: label %q repeats in %v", r, l, ls)
			}
			seen[l] = true
		}
		if len(ls) < 2 {
			t.Fatalf("range %v: labels %v, want at least two", r, ls)
		}
	}
}

func TestLogTicks(t *testing.T) {
	got := strings.Join(labels(logTicks{}.Ticks(1e-4, 1e-2)), " ")
	if got != "0.0001 0.0002 0.0005 0.001 0.002 0.005 0.01" {
		t.Fatalf("log ticks %q", got)
	}
	if ts := (logTicks{}).Ticks(-1, 1); ts != nil {
		t.Fatalf("log ticks over a range with negatives = %v, want none", ts)
	}
}
