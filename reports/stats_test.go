package reports

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// TestMcNemarExact checks the exact test against binomial sums done by hand
// (b=1, c=9: 2·(1+10)/2^10) and against Agresti's table of two ratings of
// the Prime Minister's performance (Categorical Data Analysis, 2nd ed.,
// Table 10.1: 794, 150, 86, 570, so 150 and 86 discordant pairs), whose exact two-sided p-value computed with
// arbitrary-precision binomials is 3.7159e-05.
func TestMcNemarExact(t *testing.T) {
	tests := []struct {
		name string
		b, c int
		want float64
	}{
		{"no discordant pairs", 0, 0, 1},
		{"balanced", 3, 3, 1},
		{"1 vs 9", 1, 9, 22.0 / 1024},
		{"9 vs 1 symmetric", 9, 1, 22.0 / 1024},
		{"2 vs 10", 2, 10, 158.0 / 4096},
		{"0 vs 5", 0, 5, 2.0 / 32},
		{"Agresti Table 10.1", 150, 86, 3.71593613957144e-05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := McNemarExact(tt.b, tt.c); !near(got, tt.want, 1e-12+1e-9*tt.want) {
				t.Fatalf("McNemarExact(%d, %d) = %.15g, want %.15g", tt.b, tt.c, got, tt.want)
			}
		})
	}
}

// TestSummarize checks the t-based interval against Student's t table
// values (t(0.975; 2) = 4.302653, t(0.975; 4) = 2.776445).
func TestSummarize(t *testing.T) {
	tests := []struct {
		name           string
		xs             []float64
		n              int
		mean, sd, half float64
	}{
		{"three seeds", []float64{0.80, 0.82, 0.84}, 3, 0.82, 0.02, 4.302653 * 0.02 / math.Sqrt(3)},
		{"five values", []float64{2, 4, 4, 5, 5}, 5, 4, math.Sqrt(1.5), 2.776445 * math.Sqrt(1.5) / math.Sqrt(5)},
		{"NaN ignored", []float64{1, math.NaN(), 3}, 2, 2, math.Sqrt(2), 12.706205 * math.Sqrt(2) / math.Sqrt(2)},
		{"one value", []float64{0.5}, 1, 0.5, math.NaN(), math.NaN()},
		{"none", nil, 0, math.NaN(), math.NaN(), math.NaN()},
	}
	same := func(a, b, tol float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || near(a, b, tol) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.xs)
			if s.N != tt.n || !same(s.Mean, tt.mean, 1e-12) || !same(s.SD, tt.sd, 1e-12) || !same(s.HalfWidth, tt.half, 1e-5) {
				t.Fatalf("Summarize(%v) = %+v; want n %d mean %v sd %v half-width %v", tt.xs, s, tt.n, tt.mean, tt.sd, tt.half)
			}
			if !math.IsNaN(s.HalfWidth) && (!near(s.CILow, s.Mean-s.HalfWidth, 1e-15) || !near(s.CIHigh, s.Mean+s.HalfWidth, 1e-15)) {
				t.Fatalf("CI [%v, %v] not mean ± half-width", s.CILow, s.CIHigh)
			}
		})
	}
}

// TestWelch checks Welch's test against Wikipedia's worked example 1 (t =
// -2.46, df = 24.99, p = 0.021) and a hand computation for 1..4 vs 2, 4,
// 6, 8 (t = -√3, df = 75/17), with the p-values recomputed to 1e-6 from
// the regularised incomplete beta function in arbitrary precision (Python
// mpmath; not with R, which this machine does not have).
func TestWelch(t *testing.T) {
	tests := []struct {
		name       string
		a, b       []float64
		t, df, p   float64
		tolT, tolP float64
	}{
		{"Wikipedia example 1",
			[]float64{27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4},
			[]float64{27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4},
			-2.4553563982860, 24.988529290231, 0.021378001462867, 1e-9, 1e-6},
		{"hand computed", []float64{1, 2, 3, 4}, []float64{2, 4, 6, 8}, -math.Sqrt(3), 75.0 / 17, 0.151580504845304, 1e-12, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := WelchTest(Summarize(tt.a), Summarize(tt.b))
			if !near(w.T, tt.t, tt.tolT) || !near(w.DF, tt.df, 1e-9) || !near(w.P, tt.p, tt.tolP) {
				t.Fatalf("WelchTest = %+v; want t %v df %v p %v", w, tt.t, tt.df, tt.p)
			}
			h := tQuantile975(w.DF) * w.SE
			if !near(w.CIHigh-w.CILow, 2*h, 1e-12) || !near((w.CIHigh+w.CILow)/2, w.Diff, 1e-12) {
				t.Fatalf("CI [%v, %v] is not diff ± t·SE", w.CILow, w.CIHigh)
			}
		})
	}
	t.Run("too few seeds", func(t *testing.T) {
		if w := WelchTest(Summarize([]float64{1}), Summarize([]float64{1, 2})); !math.IsNaN(w.P) {
			t.Fatalf("WelchTest with n=1 = %+v, want NaN p", w)
		}
	})
	t.Run("no spread", func(t *testing.T) {
		if w := WelchTest(Summarize([]float64{1, 1}), Summarize([]float64{1, 1})); w.P != 1 {
			t.Fatalf("equal constant samples: p = %v, want 1", w.P)
		}
	})
}

// TestPairedBootstrapMatchesClosedForm checks the paired bootstrap against
// the closed form: the standard error of a mean of n paired differences is
// sqrt(var(d)/n), so the 95% interval is about diff ± 1.96·SE.
func TestPairedBootstrapMatchesClosedForm(t *testing.T) {
	tests := []struct {
		name        string
		n           int
		pa, pb, rho float64
	}{
		{"1000 correlated", 1000, 0.80, 0.75, 0.8},
		{"700 independent", 700, 0.78, 0.80, 0},
		{"5000 equal", 5000, 0.9, 0.9, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			a, b := make([]bool, tt.n), make([]bool, tt.n)
			for i := range a {
				a[i] = rng.Float64() < tt.pa
				if rng.Float64() < tt.rho { // B copies A's answer, else answers on its own
					b[i] = a[i]
				} else {
					b[i] = rng.Float64() < tt.pb
				}
			}
			p := PairedTest(a, b)
			var mean, ss float64
			d := make([]float64, tt.n)
			for i := range a {
				d[i] = float64(btoi(a[i]) - btoi(b[i]))
				mean += d[i]
			}
			mean /= float64(tt.n)
			for _, x := range d {
				ss += (x - mean) * (x - mean)
			}
			se := math.Sqrt(ss / float64(tt.n) / float64(tt.n))
			if !near(p.Diff, mean, 1e-12) {
				t.Fatalf("Diff %v, want %v", p.Diff, mean)
			}
			half := (p.CIHigh - p.CILow) / 2
			if !near(half, 1.96*se, 0.08*1.96*se) || !near((p.CIHigh+p.CILow)/2, mean, 0.25*se) {
				t.Fatalf("bootstrap CI [%.4f, %.4f] (half %.4f); closed form %.4f ± %.4f", p.CILow, p.CIHigh, half, mean, 1.96*se)
			}
			if again := PairedTest(a, b); again != p {
				t.Fatalf("bootstrap not deterministic: %+v vs %+v", again, p)
			}
		})
	}
}

func TestPairedTestCounts(t *testing.T) {
	a := []bool{true, true, true, false, false, true}
	b := []bool{true, false, false, true, false, true}
	p := PairedTest(a, b)
	if p.N != 6 || p.OnlyA != 2 || p.OnlyB != 1 || !near(p.Diff, 1.0/6, 1e-15) || p.P != McNemarExact(2, 1) {
		t.Fatalf("PairedTest = %+v", p)
	}
	if q := PairedTest(a, b[:5]); q.N != 0 || !math.IsNaN(q.P) {
		t.Fatalf("unequal lengths: %+v, want N 0 and NaN", q)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestWilson checks the Wilson score interval against the published values
// of Newcombe (1998), "Two-sided confidence intervals for the single
// proportion", Statistics in Medicine 17, Table I (method 3, to 4
// decimals), plus the edge cases.
func TestWilson(t *testing.T) {
	tests := []struct {
		name   string
		k, n   int
		lo, hi float64
	}{
		{"81/263", 81, 263, 0.2553, 0.3662},
		{"15/148", 15, 148, 0.0624, 0.1605},
		{"0/20", 0, 20, 0, 0.1611},
		{"1/29", 1, 29, 0.0061, 0.1718},
		// By hand: z = 1.96, z^2/n = 0.3841; centre = (0.5 + 0.1921)/1.3841 = 0.5, half = 1.96*sqrt(0.025 + 0.0096)/1.3841 = 0.2634.
		{"5/10", 5, 10, 0.2366, 0.7634},
		{"10/10", 10, 10, 0.7225, 1},
		{"1/1", 1, 1, 0.2065, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lo, hi := Wilson(tc.k, tc.n)
			if math.Abs(lo-tc.lo) > 5e-5 || math.Abs(hi-tc.hi) > 5e-5 {
				t.Errorf("Wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", tc.k, tc.n, lo, hi, tc.lo, tc.hi)
			}
		})
	}
	t.Run("never outside [0, 1]", func(t *testing.T) {
		for n := 1; n <= 40; n++ {
			for k := 0; k <= n; k++ {
				lo, hi := Wilson(k, n)
				if p := float64(k) / float64(n); !(0 <= lo && lo <= p && p <= hi && hi <= 1) {
					t.Fatalf("Wilson(%d, %d) = [%v, %v] does not hold %v inside [0, 1]", k, n, lo, hi, p)
				}
			}
		}
	})
	t.Run("no examples", func(t *testing.T) {
		if lo, hi := Wilson(0, 0); !math.IsNaN(lo) || !math.IsNaN(hi) {
			t.Errorf("Wilson(0, 0) = [%v, %v], want NaN", lo, hi)
		}
	})
}
