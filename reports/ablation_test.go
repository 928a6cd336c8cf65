package reports

import (
	"math"
	"strings"
	"testing"

	"inceptionlab/tracking"
)

// fakeRun builds a run in memory: kv are param key/value pairs.
func fakeRun(trial string, status tracking.Status, top1, secs float64, kv ...string) *run {
	p := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = kv[i+1]
	}
	return &run{RunSummary: tracking.RunSummary{Trial: trial, Status: status, Params: p, BestValTop1: top1},
		Epochs: []tracking.Epoch{{Epoch: 1, Seconds: secs, ImagesPerSec: math.NaN()}}}
}

func TestFindAblations(t *testing.T) {
	F := tracking.Finished
	grid := func(reduce, aux, seed string, top1, secs float64) *run {
		name := "reduce=" + reduce + ",aux=" + aux + ",seed=" + seed
		params := "100"
		if reduce == "false" {
			params = "300"
		}
		return fakeRun(name, F, top1, secs, keyReduce, reduce, keyAux, aux, keySeed, seed, keyParams, params,
			keyMACs, params+"0", "train.lr", "0.1", "derived.threads", seed)
	}
	tests := []struct {
		name string
		runs []*run
		// want lists, per ablation, "axis: context [base trials | subject trials]" per pair.
		want     []string
		unpaired []string
	}{
		{"2x2 grid", []*run{grid("true", "true", "1", .8, 10), grid("true", "false", "1", .7, 9),
			grid("false", "true", "1", .75, 20), grid("false", "false", "1", .65, 18)},
			[]string{
				"reduce: aux [reduce=true,aux=true,seed=1 | reduce=false,aux=true,seed=1]; no aux [reduce=true,aux=false,seed=1 | reduce=false,aux=false,seed=1]",
				"aux: reduce [reduce=true,aux=false,seed=1 | reduce=true,aux=true,seed=1]; naive [reduce=false,aux=false,seed=1 | reduce=false,aux=true,seed=1]",
			}, nil},
		{"seeds group into one side", []*run{grid("true", "true", "1", .8, 10), grid("true", "true", "2", .9, 12),
			grid("false", "true", "1", .75, 20)},
			[]string{"reduce:  [reduce=true,aux=true,seed=1 reduce=true,aux=true,seed=2 | reduce=false,aux=true,seed=1]"},
			nil},
		{"failed representative is left out", []*run{grid("true", "true", "1", .8, 10),
			fakeRun("naive", tracking.Failed, .1, 5, keyReduce, "false", keyAux, "true", keySeed, "1", "train.lr", "0.1")},
			nil, nil},
		{"other difference leaves a trial unpaired", []*run{grid("true", "true", "1", .8, 10),
			grid("false", "true", "1", .75, 20),
			fakeRun("lr", F, .5, 5, keyReduce, "false", keyAux, "true", keySeed, "1", "train.lr", "0.3")},
			[]string{"reduce:  [reduce=true,aux=true,seed=1 | reduce=false,aux=true,seed=1]"}, []string{"lr"}},
		{"boolean spellings", []*run{fakeRun("a", F, .8, 1, keyAux, "True"), fakeRun("b", F, .7, 1, keyAux, "0")},
			[]string{"aux:  [b | a]"}, nil},
		{"no axis params", []*run{fakeRun("a", F, .8, 1, "train.lr", "1"), fakeRun("b", F, .7, 1, "train.lr", "2")},
			nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			abls := findAblations(groupTrials(tt.runs))
			var got []string
			var unpaired []string
			for _, a := range abls {
				var pairs []string
				for _, p := range a.Pairs {
					pairs = append(pairs, p.Context+" ["+strings.Join(p.Base.Trials, " ")+" | "+
						strings.Join(p.Subject.Trials, " ")+"]")
				}
				got = append(got, a.Axis.Name+": "+strings.Join(pairs, "; "))
				if a.Axis.Name == "reduce" {
					unpaired = a.Unpaired
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("ablations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if strings.Join(unpaired, ",") != strings.Join(tt.unpaired, ",") {
				t.Errorf("unpaired = %v, want %v", unpaired, tt.unpaired)
			}
		})
	}
}

func TestPairSentence(t *testing.T) {
	F := tracking.Finished
	base := []*run{
		fakeRun("r1", F, .80, 10, keyReduce, "true", keyParams, "100", keyMACs, "1000", keySeed, "1"),
		fakeRun("r2", F, .82, 12, keyReduce, "true", keyParams, "100", keyMACs, "1000", keySeed, "2"),
	}
	subj := []*run{fakeRun("n1", F, .79, 22, keyReduce, "false", keyParams, "280", keyMACs, "2800", keySeed, "1")}
	a, ok := findAblation(axes[0], append(base, subj...))
	if !ok || len(a.Pairs) != 1 {
		t.Fatalf("findAblation = %+v, %v", a, ok)
	}
	p := a.Pairs[0]
	want := "naive vs reduce: 2.80x the params, 2.80x the multiply-adds, " +
		"2.00x the time per epoch (means over 1 vs 2 seeds)"
	if got := p.sentence(); got != want {
		t.Errorf("sentence:\n got %q\nwant %q", got, want)
	}
	top1 := p.Base.Stats[mTop1]
	if top1.N != 2 || math.Abs(top1.Mean-0.81) > 1e-12 || math.Abs(top1.Std-math.Sqrt(0.0002)) > 1e-12 {
		t.Errorf("base top-1 stat = %+v, want mean 0.81, sample std %.6f, n 2", top1, math.Sqrt(0.0002))
	}
	// ± is the t-based 95% CI half-width: t(0.975; 1) = 12.706 times SD/sqrt(2) = 0.01.
	if got := statText(top1, kindPct); got != "81.0% ± 12.7 (n=2)" {
		t.Errorf("statText = %q", got)
	}
	// An unknown metric (no test runs) stays unknown.
	if st := p.Base.Stats[4]; st.N != 0 || !math.IsNaN(st.Mean) || statText(st, kindPct) != dash {
		t.Errorf("test top-1 stat = %+v", st)
	}
}

func TestNewStat(t *testing.T) {
	tests := []struct {
		name      string
		xs        []float64
		mean, std float64
		n         int
	}{
		{"empty", nil, math.NaN(), math.NaN(), 0},
		{"one", []float64{3}, 3, math.NaN(), 1},
		{"two", []float64{1, 3}, 2, math.Sqrt2, 2},
		{"skips NaN and Inf", []float64{1, math.NaN(), 3, math.Inf(1)}, 2, math.Sqrt2, 2},
	}
	same := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-12 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStat(tt.xs)
			if !same(s.Mean, tt.mean) || !same(s.Std, tt.std) || s.N != tt.n {
				t.Errorf("newStat(%v) = %+v, want mean %v std %v n %d", tt.xs, s, tt.mean, tt.std, tt.n)
			}
		})
	}
}

func TestGroupTrials(t *testing.T) {
	runs := []*run{
		fakeRun("a", tracking.Finished, .5, 1),
		fakeRun("b", tracking.Killed, .1, 1),
		fakeRun("a", tracking.Failed, .2, 1),
		fakeRun("b", tracking.Failed, .3, 1),
		fakeRun("c", tracking.Finished, .4, 1),
		fakeRun("c", tracking.Finished, .6, 1),
	}
	trials := groupTrials(runs)
	want := []struct {
		name string
		rep  *run
		n    int
	}{{"a", runs[0], 2}, {"b", runs[3], 2}, {"c", runs[5], 2}}
	if len(trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(trials), len(want))
	}
	for i, w := range want {
		if tr := trials[i]; tr.Name != w.name || tr.Rep != w.rep || len(tr.Runs) != w.n {
			t.Errorf("trial %d = %s rep %p (%d runs), want %s rep %p (%d runs)", i, tr.Name, tr.Rep, len(tr.Runs),
				w.name, w.rep, w.n)
		}
	}
}

func TestConfigKey(t *testing.T) {
	a := map[string]string{"train.lr": "0.1", "seed": "1", "derived.params": "5", keyReduce: "true"}
	b := map[string]string{"train.lr": "0.1", "seed": "2", "derived.params": "6", keyReduce: "false"}
	if configKey(a) == configKey(b) {
		t.Error("configs differing in reduce got the same key")
	}
	if configKey(a, keyReduce) != configKey(b, keyReduce) {
		t.Error("seed or derived facts changed the key")
	}
	// Keys and values containing the separators cannot collide.
	c := map[string]string{"a": "1;b=2"}
	d := map[string]string{"a": "1", "b": "2"}
	if configKey(c) == configKey(d) {
		t.Error("ambiguous key encoding")
	}
}

func TestCount(t *testing.T) {
	r := fakeRun("x", tracking.Finished, 0, 0, "a", "6797700", "b", "6.7977e+06", "c", "lots", "d", "NaN")
	tests := []struct {
		key  string
		want int64
		ok   bool
	}{{"a", 6797700, true}, {"b", 6797700, true}, {"c", 0, false}, {"d", 0, false}, {"missing", 0, false}}
	for _, tt := range tests {
		if got, ok := r.count(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("count(%q) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
