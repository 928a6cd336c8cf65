package reports

import (
	"fmt"
	"math"
	"strings"
)

// pairStats holds the statistics of one ablation pair: subject minus
// base, over seeds (Welch) and, seed by seed, on the same test images
// (McNemar and the paired bootstrap).
type pairStats struct {
	ValS, ValB, TestS, TestB Summary
	Val, Test                Welch
	Paired                   []seedPair
}

// seedPair is the paired test of the subject's and the base's run with the
// same seed: A is the subject, B the base.
type seedPair struct {
	Seed int64
	P    Paired
}

func newPairStats(p pair) pairStats {
	vals := func(rs []*run, f func(*run) float64) []float64 {
		out := make([]float64, len(rs))
		for i, r := range rs {
			out[i] = f(r)
		}
		return out
	}
	best := func(r *run) float64 { return r.BestValTop1 }
	ps := pairStats{
		ValS: Summarize(vals(p.Subject.Runs, best)), ValB: Summarize(vals(p.Base.Runs, best)),
		TestS: Summarize(vals(p.Subject.Runs, (*run).testTop1)), TestB: Summarize(vals(p.Base.Runs, (*run).testTop1)),
	}
	ps.Val, ps.Test = WelchTest(ps.ValS, ps.ValB), WelchTest(ps.TestS, ps.TestB)
	for _, s := range p.Subject.Runs {
		for _, b := range p.Base.Runs {
			if s.Seed == b.Seed && sameExamples(s.TestPreds, b.TestPreds) {
				ps.Paired = append(ps.Paired, seedPair{Seed: s.Seed, P: PairedTest(s.correct(), b.correct())})
				break
			}
		}
	}
	return ps
}

// verdicts are the sentences that say whether the pair's accuracies
// differ: validation and test top-1 over seeds, and the paired test.
func (p pair) verdicts(ps pairStats) []string {
	head := p.Subject.Label + " vs " + p.Base.Label
	if p.Context != "" {
		head += " (" + p.Context + ")"
	}
	diff := p.Subject.Label + " − " + p.Base.Label
	out := []string{
		head + ", best val top-1: " + seedVerdict(diff, p.Subject.Label, ps.ValS, ps.ValB, ps.Val),
	}
	if ps.TestS.N > 0 && ps.TestB.N > 0 {
		out = append(out, head+", test top-1: "+seedVerdict(diff, p.Subject.Label, ps.TestS, ps.TestB, ps.Test))
	}
	switch n := len(ps.Paired); {
	case n == 1:
		out = append(out, head+", "+pairedVerdict(diff, p.Subject.Label, ps.Paired[0]))
	case n > 1:
		var ps1 []string
		below := 0
		for _, sp := range ps.Paired {
			ps1 = append(ps1, pText(sp.P.P))
			if sp.P.P < 0.05 {
				below++
			}
		}
		out = append(out, fmt.Sprintf("%s, paired on the same %s test images seed by seed: exact McNemar p: %s "+
			"(%d of %d below 0.05; see the table below)", head, commas(int64(ps.Paired[0].P.N)),
			strings.Join(ps1, ", "), below, n))
	}
	return out
}

// seedVerdict describes a difference of means over seeds with its Welch
// interval, or says that one seed per side gives no interval.
func seedVerdict(diff, subject string, s, b Summary, w Welch) string {
	if s.N < 2 || b.N < 2 {
		return fmt.Sprintf("%s = %s points (%d vs %d seeds: no interval without at least two seeds per side; "+
			"set sweep.seeds)", diff, points1(w.Diff), s.N, b.N)
	}
	return fmt.Sprintf("%s = %s points (95%% CI %s to %s; Welch's t-test %s, %d vs %d seeds): %s",
		diff, points1(w.Diff), points1(w.CILow), points1(w.CIHigh), pIs(w.P), s.N, b.N,
		conclusion(subject, w.CILow, w.CIHigh))
}

// pairedVerdict describes one paired comparison on the same test images.
func pairedVerdict(diff, subject string, sp seedPair) string {
	p := sp.P
	return fmt.Sprintf("test top-1 on the same %s images (seed %d): %s = %s points (paired bootstrap 95%% CI %s to %s; "+
		"exact McNemar %s, %d vs %d images only one of them got right): %s",
		commas(int64(p.N)), sp.Seed, diff, points1(p.Diff), points1(p.CILow), points1(p.CIHigh), pIs(p.P),
		p.OnlyA, p.OnlyB, conclusion(subject, p.CILow, p.CIHigh))
}

// conclusion is the plain-words reading of a 95% CI of subject - base.
func conclusion(subject string, lo, hi float64) string {
	switch {
	case coversZero(lo, hi):
		return "not distinguishable at this sample size"
	case lo > 0:
		return subject + " is higher (the 95% CI excludes 0)"
	}
	return subject + " is lower (the 95% CI excludes 0)"
}

// points1 writes a difference of fractions in percentage points with its
// sign: 0.026 -> "+2.6".
func points1(d float64) string {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return dash
	}
	v := 100 * d
	if math.Abs(v) < 0.05 {
		return "0.0"
	}
	return strings.Replace(fmt.Sprintf("%+.1f", v), "-", "−", 1)
}

// pIs writes "p = 0.16" or "p < 0.001".
func pIs(p float64) string {
	t := pText(p)
	if strings.HasPrefix(t, "<") {
		return "p " + t
	}
	return "p = " + t
}

// pText writes a p-value with two significant digits, "< 0.001" below.
func pText(p float64) string {
	switch {
	case math.IsNaN(p):
		return dash
	case p < 0.001:
		return "< 0.001"
	case p < 0.01:
		return fmt.Sprintf("%.4f", p)
	case p < 0.1:
		return fmt.Sprintf("%.3f", p)
	}
	return fmt.Sprintf("%.2f", p)
}

// shortConclusion is conclusion for a table cell.
func shortConclusion(subject string, lo, hi float64) string {
	switch {
	case coversZero(lo, hi):
		return "not distinguishable"
	case lo > 0:
		return subject + " higher"
	}
	return subject + " lower"
}
