package reports

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// The statistics behind the report's verdicts. All intervals are 95%.

// BootstrapResamples and BootstrapSeed fix the paired bootstrap, so the same
// database always gives the same interval.
const (
	BootstrapResamples = 4000
	BootstrapSeed      = 0x5eed
)

// Summary is the mean, sample standard deviation and t-based 95% CI of
// the mean of n values. With n < 2 the SD and CI are NaN (and the CI
// collapses to the mean when n == 1 is all there is).
type Summary struct {
	N             int
	Mean, SD      float64
	CILow, CIHigh float64
	Min, Max      float64
	HalfWidth     float64 // CIHigh - Mean
}

// Summarize computes a Summary of the finite values of xs.
func Summarize(xs []float64) Summary {
	s := Summary{Mean: math.NaN(), SD: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(), HalfWidth: math.NaN(),
		Min: math.NaN(), Max: math.NaN()}
	var vals []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			vals = append(vals, x)
		}
	}
	s.N = len(vals)
	if s.N == 0 {
		return s
	}
	sum := 0.0
	s.Min, s.Max = vals[0], vals[0]
	for _, v := range vals {
		sum += v
		s.Min, s.Max = math.Min(s.Min, v), math.Max(s.Max, v)
	}
	s.Mean = sum / float64(s.N)
	if s.N < 2 {
		return s
	}
	ss := 0.0
	for _, v := range vals {
		ss += (v - s.Mean) * (v - s.Mean)
	}
	s.SD = math.Sqrt(ss / float64(s.N-1))
	s.HalfWidth = tQuantile975(float64(s.N-1)) * s.SD / math.Sqrt(float64(s.N))
	s.CILow, s.CIHigh = s.Mean-s.HalfWidth, s.Mean+s.HalfWidth
	return s
}

// tQuantile975 is the 0.975 quantile of Student's t with df degrees of freedom.
func tQuantile975(df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
}

// Welch is Welch's unequal-variance t-test of mean(a) - mean(b).
type Welch struct {
	Diff, SE, T, DF, P float64
	CILow, CIHigh      float64
}

// WelchTest compares the means of two samples of at least two values each
// (NaN fields otherwise). DF is the Welch–Satterthwaite approximation, P
// the two-sided p-value from Student's t with DF degrees of freedom, and
// the CI is Diff ± t(0.975, DF)·SE. Two samples without any spread give
// P = 1 when their means are equal and P = 0 when they differ.
func WelchTest(a, b Summary) Welch {
	w := Welch{Diff: a.Mean - b.Mean, SE: math.NaN(), T: math.NaN(), DF: math.NaN(), P: math.NaN(),
		CILow: math.NaN(), CIHigh: math.NaN()}
	if a.N < 2 || b.N < 2 {
		return w
	}
	va, vb := a.SD*a.SD/float64(a.N), b.SD*b.SD/float64(b.N)
	w.SE = math.Sqrt(va + vb)
	if w.SE == 0 {
		w.CILow, w.CIHigh, w.T = w.Diff, w.Diff, math.Inf(1)
		w.P = 0
		if w.Diff == 0 {
			w.P, w.T = 1, 0
		}
		return w
	}
	w.T = w.Diff / w.SE
	w.DF = (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: w.DF}
	w.P = math.Min(1, 2*t.Survival(math.Abs(w.T)))
	h := t.Quantile(0.975) * w.SE
	w.CILow, w.CIHigh = w.Diff-h, w.Diff+h
	return w
}

// Paired compares two classifiers on the same examples: the accuracy of
// each, the difference A - B with a paired bootstrap CI, and the exact
// McNemar test on the discordant pairs.
type Paired struct {
	N             int     // examples both were evaluated on
	AccA, AccB    float64 // accuracies on those examples
	Diff          float64 // AccA - AccB
	CILow, CIHigh float64 // paired bootstrap 95% percentile interval of Diff
	OnlyA, OnlyB  int     // examples only A (only B) got right: McNemar's b and c
	P             float64 // exact two-sided McNemar p-value
}

// PairedTest compares per-example correctness a[i], b[i] of the same
// examples (equal lengths). It returns NaN fields for no examples.
func PairedTest(a, b []bool) Paired {
	p := Paired{N: len(a), AccA: math.NaN(), AccB: math.NaN(), Diff: math.NaN(), CILow: math.NaN(),
		CIHigh: math.NaN(), P: math.NaN()}
	if len(a) != len(b) || len(a) == 0 {
		p.N = 0
		return p
	}
	ra, rb := 0, 0
	d := make([]int8, len(a))
	for i := range a {
		if a[i] {
			ra++
		}
		if b[i] {
			rb++
		}
		switch {
		case a[i] && !b[i]:
			p.OnlyA++
			d[i] = 1
		case b[i] && !a[i]:
			p.OnlyB++
			d[i] = -1
		}
	}
	n := float64(len(a))
	p.AccA, p.AccB = float64(ra)/n, float64(rb)/n
	p.Diff = p.AccA - p.AccB
	p.CILow, p.CIHigh = bootstrapMeanCI(d, BootstrapResamples, BootstrapSeed)
	p.P = McNemarExact(p.OnlyA, p.OnlyB)
	return p
}

// McNemarExact is the exact two-sided McNemar p-value for b and c
// discordant pairs: under the null each discordant pair falls either way
// with probability 1/2, so p = min(1, 2·P(X <= min(b, c))) with X ~
// Binomial(b + c, 1/2). No discordant pairs give 1.
func McNemarExact(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	k := min(b, c)
	// Sum binomial probabilities in log space so large n does not overflow.
	sum := 0.0
	for i := 0; i <= k; i++ {
		sum += math.Exp(logChoose(n, i) - float64(n)*math.Ln2)
	}
	return math.Min(1, 2*sum)
}

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// bootstrapMeanCI resamples d (per-example differences in {-1, 0, 1}) with
// replacement r times with a fixed seed and returns the 2.5th and 97.5th
// percentiles of the resampled means.
func bootstrapMeanCI(d []int8, r int, seed uint64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(seed, uint64(len(d))))
	means := make([]float64, r)
	n := len(d)
	for j := range means {
		s := 0
		for i := 0; i < n; i++ {
			s += int(d[rng.IntN(n)])
		}
		means[j] = float64(s) / float64(n)
	}
	sort.Float64s(means)
	return quantileSorted(means, 0.025), quantileSorted(means, 0.975)
}

// quantileSorted is the q-quantile of sorted xs with linear interpolation
// between order statistics (R's type 7).
func quantileSorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := q * float64(len(xs)-1)
	i := int(math.Floor(h))
	if i+1 >= len(xs) {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
}

// coversZero reports whether a CI includes 0 (or is unknown).
func coversZero(lo, hi float64) bool {
	return math.IsNaN(lo) || math.IsNaN(hi) || (lo <= 0 && hi >= 0)
}

// z975 is the standard normal's 97.5% quantile, for two-sided 95% intervals.
const z975 = 1.959963984540054

// Wilson returns the Wilson score 95% interval of a proportion with k
// successes in n trials (Newcombe 1998, method 3): unlike mean ± t·SE over a
// few seeds it never leaves [0, 1], and it stays informative at 0/n and n/n.
// With n == 0 both ends are NaN.
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 || k < 0 || k > n {
		return math.NaN(), math.NaN()
	}
	nf, p, z2 := float64(n), float64(k)/float64(n), z975*z975
	centre := (p + z2/(2*nf)) / (1 + z2/nf)
	half := z975 * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / (1 + z2/nf)
	lo, hi = math.Max(0, centre-half), math.Min(1, centre+half)
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}
