package reports

import (
	"maps"
	"math"
	"slices"

	"fmt"
	"strconv"
	"strings"

	"inceptionlab/tracking"
)

// axis is a yes/no setting an ablation compares. The sentence describes
// Subject relative to Base ("naive: 2.8x the multiply-adds").
type axis struct {
	Key, Name, Title        string
	Base, Subject           bool
	BaseLabel, SubjectLabel string
}

// axes are the ablations the report looks for, in report order.
var axes = []axis{
	{Key: keyReduce, Name: "reduce", Title: "1x1 reductions: on vs off", Base: true, Subject: false,
		BaseLabel: "reduce", SubjectLabel: "naive"},
	{Key: keyAux, Name: "aux", Title: "Auxiliary heads: on vs off", Base: false, Subject: true,
		BaseLabel: "no aux", SubjectLabel: "aux"},
}

// metric is one compared quantity of a run.
type metric struct {
	Name string
	Kind metricKind
	Get  func(*run) float64
}

type metricKind int

const (
	kindCount metricKind = iota
	kindPct
	kindSeconds
)

// ablationMetrics are the columns of an ablation table, in order.
var ablationMetrics = []metric{
	{"Params (training)", kindCount, func(r *run) float64 { return r.countOrNaN(keyParams) }},
	{"Params (inference)", kindCount, func(r *run) float64 { return r.countOrNaN(keyParamsInference) }},
	{"MACs per image", kindCount, func(r *run) float64 { return r.countOrNaN(keyMACs) }},
	{"Best val top-1", kindPct, func(r *run) float64 { return r.BestValTop1 }},
	{"Test top-1", kindPct, (*run).testTop1},
	{"Time per epoch", kindSeconds, (*run).secondsPerEpoch},
}

// Indexes into ablationMetrics used by the sentence and the chart.
const (
	mParams = 0
	mMACs   = 2
	mTop1   = 3
	mTime   = 5
)

// stat is the mean, sample standard deviation (NaN for n < 2), t-based
// 95% CI half-width (NaN for n < 2) and count of the known values of one
// metric over the seeds of a configuration.
type stat struct {
	Mean, Std, Half float64
	N               int
}

// interval is the t-based 95% CI of the mean, clipped to the values the
// metric can take: [0, 1] for an accuracy, [0, +Inf) for a count or a
// time. With few seeds the t interval of an accuracy near 100% passes it
// (99.2% ± 2.6 at n=3); the clipped interval is what can be true.
func (s stat) interval(k metricKind) (lo, hi float64) {
	lo, hi = math.Max(s.Mean-s.Half, 0), s.Mean+s.Half
	if k == kindPct {
		hi = math.Min(hi, 1)
	}
	return lo, hi
}

func newStat(xs []float64) stat {
	s := Summarize(xs)
	return stat{Mean: s.Mean, Std: s.SD, Half: s.HalfWidth, N: s.N}
}

// side is one value of the axis within a pair: the seeds of one
// configuration.
type side struct {
	Label  string
	Trials []string
	Runs   []*run
	Stats  []stat // one per ablationMetrics entry
}

// pair compares the two values of an axis with everything else equal.
type pair struct {
	Context       string // what both sides share, "" when nothing else varies
	Base, Subject side
}

// ablation is one axis's comparison.
type ablation struct {
	Axis  axis
	Pairs []pair
	// Unpaired names finished trials with the axis set but no counterpart
	// that differs only in it.
	Unpaired []string
}

// findAblations compares, for every axis, the finished representatives of
// the trials that differ only in that axis (and seed). An axis without
// such a pair is not part of the sweep and yields no ablation.
func findAblations(trials []*trial) []ablation {
	var reps []*run
	for _, t := range trials {
		if t.Rep.Status == tracking.Finished {
			reps = append(reps, t.Rep)
		}
	}
	var out []ablation
	for _, ax := range axes {
		if a, ok := findAblation(ax, reps); ok {
			out = append(out, a)
		}
	}
	return out
}

func findAblation(ax axis, reps []*run) (ablation, bool) {
	type group struct{ base, subject []*run }
	var order []string
	groups := map[string]*group{}
	for _, r := range reps {
		v, ok := boolParam(r.Params, ax.Key)
		if !ok {
			continue
		}
		k := configKey(r.Params, ax.Key)
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		if v == ax.Base {
			g.base = append(g.base, r)
		} else {
			g.subject = append(g.subject, r)
		}
	}
	a := ablation{Axis: ax}
	var paired []*run
	for _, k := range order {
		g := groups[k]
		if len(g.base) == 0 || len(g.subject) == 0 {
			for _, r := range append(g.base, g.subject...) {
				a.Unpaired = append(a.Unpaired, r.Trial)
			}
			continue
		}
		a.Pairs = append(a.Pairs, pair{Base: newSide(ax.BaseLabel, g.base), Subject: newSide(ax.SubjectLabel, g.subject)})
		paired = append(paired, g.base...)
		paired = append(paired, g.subject...)
	}
	if len(a.Pairs) == 0 {
		return a, false
	}
	varying := varyingKeys(paired, ax.Key)
	for i := range a.Pairs {
		a.Pairs[i].Context = contextLabel(a.Pairs[i].Base.Runs[0].Params, varying)
	}
	return a, true
}

func newSide(label string, runs []*run) side {
	s := side{Label: label, Runs: runs}
	for _, r := range runs {
		s.Trials = append(s.Trials, r.Trial)
	}
	for _, m := range ablationMetrics {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = m.Get(r)
		}
		s.Stats = append(s.Stats, newStat(xs))
	}
	return s
}

// varyingKeys lists the config keys (not seed, derived facts or exclude)
// whose value is not the same in all runs, sorted.
func varyingKeys(runs []*run, exclude string) []string {
	all := map[string]bool{}
	for _, r := range runs {
		for k := range r.Params {
			if k != keySeed && k != exclude && !strings.HasPrefix(k, derivedPrefix) {
				all[k] = true
			}
		}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(all)) {
		v0, ok0 := runs[0].Params[k]
		for _, r := range runs[1:] {
			if v, ok := r.Params[k]; ok != ok0 || v != v0 {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// contextLabel names the values of the varying keys: "aux, lr=0.1".
func contextLabel(params map[string]string, keys []string) string {
	var parts []string
	for _, k := range keys {
		v, ok := params[k]
		switch {
		case !ok:
			parts = append(parts, shortKey(k)+" unset")
		case axisLabel(k, v) != "":
			parts = append(parts, axisLabel(k, v))
		default:
			parts = append(parts, shortKey(k)+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// axisLabel is the label of a known axis value ("naive"), or "".
func axisLabel(key, value string) string {
	b, err := strconv.ParseBool(value)
	if err != nil {
		return ""
	}
	for _, ax := range axes {
		if ax.Key == key {
			if b == ax.Base {
				return ax.BaseLabel
			}
			return ax.SubjectLabel
		}
	}
	return ""
}

// shortKey drops the section path: "train.lr" -> "lr".
func shortKey(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 && i < len(k)-1 {
		return k[i+1:]
	}
	return k
}

func boolParam(params map[string]string, key string) (bool, bool) {
	v, ok := params[key]
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return b, err == nil
}

// sentence summarises what a pair costs: "naive vs reduce (aux): 2.80x
// the params, 2.81x the multiply-adds, 1.90x the time per epoch". Whether
// the accuracies differ is for the verdicts (see verdict.go).
func (p pair) sentence() string {
	b, s := p.Base.Stats, p.Subject.Stats
	head := p.Subject.Label + " vs " + p.Base.Label
	if p.Context != "" {
		head += " (" + p.Context + ")"
	}
	parts := []string{
		ratioText(s[mParams].Mean, b[mParams].Mean) + " the params",
		ratioText(s[mMACs].Mean, b[mMACs].Mean) + " the multiply-adds",
		ratioText(s[mTime].Mean, b[mTime].Mean) + " the time per epoch",
	}
	text := head + ": " + strings.Join(parts, ", ")
	if nb, ns := len(p.Base.Runs), len(p.Subject.Runs); nb > 1 || ns > 1 {
		text += fmt.Sprintf(" (means over %d vs %d seeds)", ns, nb)
	}
	return text
}
