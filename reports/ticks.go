package reports

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// uniqueTicks are gonum's default ticks with labels printed at the fewest
// decimals that keep every label distinct, so an axis never reads "2.31,
// 2.3, 2.3, 2.3".
type uniqueTicks struct{}

func (uniqueTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	return relabel(ts)
}

// relabel rewrites the labels of the labelled ticks with the smallest
// number of decimals (0 to 8) at which they are all different.
func relabel(ts []plot.Tick) []plot.Tick {
	var major []int
	for i, t := range ts {
		if t.Label != "" {
			major = append(major, i)
		}
	}
	for prec := 0; prec <= 8; prec++ {
		seen := map[string]bool{}
		labels := make([]string, len(major))
		ok := true
		for j, i := range major {
			v := ts[i].Value
			if math.Abs(v) < 1e-12 {
				v = 0 // no "-0"
			}
			labels[j] = strconv.FormatFloat(v, 'f', prec, 64)
			if seen[labels[j]] {
				ok = false
				break
			}
			seen[labels[j]] = true
		}
		if ok {
			for j, i := range major {
				ts[i].Label = labels[j]
			}
			return ts
		}
	}
	return ts
}

// logTicks label the powers of ten and 2x, 5x between them on a log axis.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= 0 || math.IsNaN(min) || math.IsNaN(max) {
		return nil
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
		}
	}
	if len(ts) < 2 { // a narrow range: fall back to evenly spaced labels
		return relabel(plot.DefaultTicks{}.Ticks(min, max))
	}
	return ts
}
