package reports

import (
	"math"
	"testing"
)

// With few seeds the t interval of an accuracy near 100% (or of a small time) passes what the
// metric can take; tables and verdict cells show it clipped, as distances from the mean.
func TestIntervalsStayInsideTheMetricsRange(t *testing.T) {
	near100 := newStat([]float64{0.995, 0.98, 1.0}) // mean 99.2%, t half-width 2.6 points at n=3
	for _, tc := range []struct {
		name   string
		s      stat
		k      metricKind
		lo, hi float64
		text   string
	}{
		{"inside", newStat([]float64{0.55, 0.56, 0.54}), kindPct, 0.5252, 0.5748, "55.0% ± 2.5 (n=3)"},
		{"above 100%", near100, kindPct, 0.9659, 1, "99.2% +0.8/−2.6 (n=3)"},
		{"below 0%", newStat([]float64{0.002, 0.0, 0.02}), kindPct, 0, 0.0342, "0.7% +2.7/−0.7 (n=3)"},
		{"negative time", newStat([]float64{1, 9}), kindSeconds, 0, 55.825, "5.0 s +50.8 s/−5.0 s (n=2)"},
		{"one seed", newStat([]float64{0.9}), kindPct, math.NaN(), math.NaN(), "90.0%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statText(tc.s, tc.k); got != tc.text {
				t.Errorf("statText = %q, want %q", got, tc.text)
			}
			if tc.s.N < 2 {
				return
			}
			lo, hi := tc.s.interval(tc.k)
			if math.Abs(lo-tc.lo) > 5e-4 || math.Abs(hi-tc.hi) > 5e-3 {
				t.Errorf("interval = [%.4f, %.4f], want [%.4f, %.4f]", lo, hi, tc.lo, tc.hi)
			}
		})
	}
	c := ciCell(Summarize([]float64{0.995, 0.98, 1.0}))
	if c.Text != "99.2% +0.8/−2.6" || c.Title != "95% CI 96.6% to 100.0%, SD 1.04 points, n=3" {
		t.Errorf("ciCell = %q (title %q)", c.Text, c.Title)
	}
}
