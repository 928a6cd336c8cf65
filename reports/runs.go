package reports

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"inceptionlab/tracking"
)

// Param keys the report reads. Keys under derivedPrefix are facts the
// runner records about a run, not configuration.
const (
	keyReduce          = "model.inception.reduce"
	keyAux             = "model.aux.enabled"
	keySeed            = "seed"
	keyImageSize       = "data.image_size"
	keyTTA             = "test.tta"
	keyParams          = tracking.DerivedParams
	keyParamsInference = tracking.DerivedParamsInference
	keyMACs            = tracking.DerivedMACs
	keyBuild           = tracking.DerivedBLAS // was "derived.build", a key nothing wrote
	keyThreads         = tracking.DerivedThreads
	derivedPrefix      = tracking.DerivedPrefix
)

// ReadKeys are the derived run params the report reads (a test checks the runner records them all).
var ReadKeys = []string{keyParams, keyParamsInference, keyMACs, keyBuild, keyThreads}

// run is one run with its epochs, artifacts and per-example evidence.
type run struct {
	tracking.RunSummary
	Epochs    []tracking.Epoch
	Artifacts []tracking.Artifact
	evidence
}

// trial is every run of one trial name; Rep stands for the trial (newest
// FINISHED run, else the newest run).
type trial struct {
	Name string
	Runs []*run // oldest first
	Rep  *run
}

// loadRuns reads the runs of an experiment with their epochs and artifacts.
func loadRuns(ctx context.Context, st *tracking.Store, experiment string) ([]*run, error) {
	sums, err := st.Runs(ctx, tracking.Filter{Experiment: experiment})
	if err != nil {
		return nil, fmt.Errorf("reports: experiment %q: %w", experiment, err)
	}
	if len(sums) == 0 {
		names, err := st.Experiments(ctx)
		if err != nil {
			return nil, fmt.Errorf("reports: experiment %q: %w", experiment, err)
		}
		have := "it has no experiments"
		if len(names) > 0 {
			have = "experiments: " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("reports: experiment %q %w in %s (%s)", experiment, ErrNoRuns, st.Path(), have)
	}
	out := make([]*run, 0, len(sums))
	for _, s := range sums {
		r := &run{RunSummary: s}
		if r.Epochs, err = st.Epochs(ctx, s.ID); err != nil {
			return nil, fmt.Errorf("reports: run %s: %w", s.ID, err)
		}
		if r.Artifacts, err = st.Artifacts(ctx, s.ID); err != nil {
			return nil, fmt.Errorf("reports: run %s: %w", s.ID, err)
		}
		if r.evidence, err = loadEvidence(ctx, st, s.ID); err != nil {
			return nil, fmt.Errorf("reports: run %s: %w", s.ID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// groupTrials groups runs (oldest first) by trial name in order of first
// appearance and picks each trial's representative.
func groupTrials(runs []*run) []*trial {
	var out []*trial
	byName := map[string]*trial{}
	for _, r := range runs {
		t := byName[r.Trial]
		if t == nil {
			t = &trial{Name: r.Trial}
			byName[r.Trial] = t
			out = append(out, t)
		}
		t.Runs = append(t.Runs, r)
	}
	for _, t := range out {
		t.Rep = t.Runs[len(t.Runs)-1]
		for i := len(t.Runs) - 1; i >= 0; i-- {
			if t.Runs[i].Status == tracking.Finished {
				t.Rep = t.Runs[i]
				break
			}
		}
	}
	return out
}

// count reads an integer param; ok is false if it is missing or malformed.
func (r *run) count(key string) (int64, bool) {
	v, ok := r.Params[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		// Tolerate a float-formatted count ("6.7977e+06").
		f, ferr := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		n = int64(math.Round(f))
	}
	return n, true
}

// countOrNaN is count as a float, NaN when unknown.
func (r *run) countOrNaN(key string) float64 {
	n, ok := r.count(key)
	if !ok {
		return math.NaN()
	}
	return float64(n)
}

// secondsPerEpoch is the mean epoch time, NaN without timed epochs.
func (r *run) secondsPerEpoch() float64 {
	return meanOf(r.Epochs, func(e tracking.Epoch) float64 { return e.Seconds })
}

// imagesPerSec is the mean training throughput, NaN if never measured.
func (r *run) imagesPerSec() float64 {
	return meanOf(r.Epochs, func(e tracking.Epoch) float64 { return e.ImagesPerSec })
}

func meanOf(es []tracking.Epoch, f func(tracking.Epoch) float64) float64 {
	sum, n := 0.0, 0
	for _, e := range es {
		if v := f(e); !math.IsNaN(v) && !math.IsInf(v, 0) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// testTTA is the test-time augmentation the run's test figure was measured
// with: "" for none (also for runs recorded before test.tta existed),
// else the test.tta value (hflip, crops).
func (r *run) testTTA() string {
	if v := r.Params[keyTTA]; v != "none" {
		return v
	}
	return ""
}

// testTop1 is the test accuracy, NaN if the run was not evaluated.
func (r *run) testTop1() float64 {
	if r.TestTop1 == nil {
		return math.NaN()
	}
	return *r.TestTop1
}

// configKey identifies a run's configuration apart from its seed, the
// derived facts and the excluded keys: runs with equal keys are seeds of
// one configuration.
func configKey(params map[string]string, exclude ...string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k == keySeed || strings.HasPrefix(k, derivedPrefix) || contains(exclude, k) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		// Lengths make the key unambiguous whatever the keys and values hold.
		fmt.Fprintf(&b, "%d:%s=%d:%s;", len(k), k, len(params[k]), params[k])
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
