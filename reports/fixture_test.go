package reports

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"inceptionlab/tracking"
)

var ctx = context.Background()

// fixedNow is the report's clock in tests.
func fixedNow() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }

// tick is a clock that advances one minute per reading, so runs get
// distinct, ordered, reproducible times.
type tick struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tick) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

func seqIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n)
	}
}

// fixtureRun describes one run of the fixture.
type fixtureRun struct {
	trial, errText string
	seed           int64
	status         tracking.Status
	reduce, aux    bool
	epochs         int
	quality        float64 // scales how fast the curves improve
	secs           float64 // seconds per epoch
	params         map[string]string
	tags           map[string]string
	test           bool // record test metrics
	resumes        int  // 1-based index of the run this one resumes, 0 for none
	nanFrom        int  // epochs from this index have NaN losses (diverged), 0 for none
	artifact       bool
	config         string
}

// variantFacts are the derived counts the runner would record.
func variantFacts(reduce, aux bool) map[string]string {
	p, pi, m := "2510218", "2510218", "66410496"
	if !reduce {
		p, pi, m = "8944842", "8944842", "189770752"
	}
	if aux {
		if reduce {
			p = "3406432"
		} else {
			p = "9841056"
		}
	}
	return map[string]string{"derived.params": p, "derived.params_inference": pi, "derived.macs": m,
		"derived.threads": "2", "derived.build.blas": "gonum pure-Go BLAS"}
}

func baseParams(reduce, aux bool, seed int64) map[string]string {
	m := map[string]string{
		"model.inception.reduce": fmt.Sprint(reduce), "model.aux.enabled": fmt.Sprint(aux),
		"train.lr": "0.0003", "train.epochs": "4", "seed": fmt.Sprint(seed), "data.image_size": "32",
		"data.source": "embedded", "model.width": "0.5",
	}
	for k, v := range variantFacts(reduce, aux) {
		m[k] = v
	}
	return m
}

func fixtureRuns() []fixtureRun {
	rr := func(trial string, reduce, aux bool, seed int64, q, secs float64) fixtureRun {
		return fixtureRun{trial: trial, seed: seed, status: tracking.Finished, reduce: reduce, aux: aux, epochs: 4,
			quality: q, secs: secs, params: baseParams(reduce, aux, seed), test: true}
	}
	a := rr("reduce=true,aux=true", true, true, 1, 1.0, 41)
	a.artifact = true
	b := rr("reduce=true,aux=false", true, false, 1, 0.95, 36)
	c := rr("reduce=false,aux=true", false, true, 1, 0.9, 88)
	c.test = false
	killed := rr("reduce=false,aux=false", false, false, 1, 0.85, 80)
	killed.status, killed.errText, killed.epochs = tracking.Killed, "context canceled (SIGINT)", 2
	rerun := rr("reduce=false,aux=false", false, false, 1, 0.85, 80)
	rerun.resumes = 4
	seed2 := rr("reduce=true,aux=true,seed=2", true, true, 2, 1.05, 43)
	failed := rr("lr=0.1", true, true, 1, 0.5, 40)
	failed.params["train.lr"] = "0.1"
	failed.test = false
	failed.status, failed.errText, failed.epochs, failed.nanFrom = tracking.Failed,
		"loss diverged: NaN at epoch 1", 3, 1
	script := rr("<script>alert(1)</script>", true, true, 1, 0.7, 42)
	script.params["train.lr"] = "0.001"
	delete(script.params, "derived.macs")
	script.tags = map[string]string{"note": "<b>bold</b> & \"quoted\""}
	script.config = "name: <script>alert(2)</script>\ntrain:\n  lr: 0.001\n"
	return []fixtureRun{a, b, c, killed, rerun, seed2, failed, script}
}

// fixtureEpochs makes smooth, deterministic learning curves.
func fixtureEpochs(f fixtureRun) []tracking.Epoch {
	var es []tracking.Epoch
	for e := range f.epochs {
		x := float64(e+1) * f.quality
		off := 0.004 * float64(f.seed)
		ep := tracking.Epoch{
			Epoch:     e + 1,
			TrainLoss: 0.25 + 2.1*math.Exp(-0.45*x),
			TrainTop1: 0.92 - 0.8*math.Exp(-0.5*x),
			LR:        0.0003,
			Seconds:   f.secs + 0.5*float64(e),
		}
		ep.ValLoss = ep.TrainLoss + 0.12 + 0.02*float64(e)
		ep.ValTop1 = ep.TrainTop1 - 0.04 + off
		ep.ValTop5 = math.Min(1, ep.ValTop1+0.22)
		ep.ImagesPerSec = 54000 / ep.Seconds
		ep.MainLoss, ep.AuxLoss = 0.8*ep.TrainLoss, 0.2*ep.TrainLoss
		if f.nanFrom > 0 && e >= f.nanFrom {
			ep.TrainLoss, ep.ValLoss, ep.MainLoss, ep.AuxLoss = math.NaN(), math.NaN(), math.NaN(), math.NaN()
			ep.TrainTop1, ep.ValTop1, ep.ValTop5 = 0.1, 0.1, 0.5
		}
		es = append(es, ep)
	}
	return es
}

// buildFixture writes the fixture experiment "ablation_1x1" (plus one run
// of experiment "smoke") into dir/x.db and returns the path.
func buildFixture(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "x.db")
	clk := &tick{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	st, err := tracking.Open(path, tracking.Options{Now: clk.Now, NewID: seqIDs()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []string
	for i, f := range fixtureRuns() {
		cfg := f.config
		if cfg == "" {
			cfg = fmt.Sprintf("name: ablation_1x1\nseed: %d\nmodel:\n  inception:\n    reduce: %v\n  aux:\n    enabled: %v\n",
				f.seed, f.reduce, f.aux)
		}
		info := tracking.RunInfo{Experiment: "ablation_1x1", Trial: f.trial, ConfigText: cfg,
			ConfigHash: fmt.Sprintf("hash-%02d", i), Seed: f.seed, Params: f.params, GitCommit: "0123abcd",
			GitDirty: i == 0, GoVersion: "go1.26.0", Host: "lab-1", PID: 4242, Threads: 2}
		if f.resumes > 0 {
			info.ResumedFrom = ids[f.resumes-1]
		}
		r, err := st.StartRun(ctx, info)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
		for _, e := range fixtureEpochs(f) {
			if err := r.LogEpoch(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if f.test {
			es := fixtureEpochs(f)
			last := es[len(es)-1]
			if err := r.SetTestMetrics(ctx, last.ValLoss+0.01, last.ValTop1-0.005, last.ValTop5-0.01); err != nil {
				t.Fatal(err)
			}
		}
		if f.artifact {
			ck := filepath.Join(dir, "runs", "ablation_1x1", f.trial, "best.safetensors")
			if err := os.MkdirAll(filepath.Dir(ck), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(ck, []byte("checkpoint bytes"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := r.AddArtifact(ctx, tracking.KindCheckpointBest, ck); err != nil {
				t.Fatal(err)
			}
		}
		for k, v := range f.tags {
			if err := st.Tag(ctx, r.ID, k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Finish(ctx, f.status, f.errText); err != nil {
			t.Fatal(err)
		}
	}
	// A second experiment with a single run.
	r, err := st.StartRun(ctx, tracking.RunInfo{Experiment: "smoke", Trial: "smoke", ConfigHash: "hash-smoke",
		Seed: 1, Params: baseParams(true, false, 1), Host: "lab-1", PID: 4242, GoVersion: "go1.26.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range fixtureEpochs(fixtureRun{epochs: 3, quality: 1, secs: 10, seed: 1}) {
		if err := r.LogEpoch(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(ctx, tracking.Finished, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

// openRO opens a fixture database read-only, as cmd/report does.
func openRO(t testing.TB, path string) *tracking.Store {
	t.Helper()
	st, err := tracking.Open(path, tracking.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openWritable creates an empty run database.
func openWritable(path string) (*tracking.Store, error) {
	return tracking.Open(path, tracking.Options{Now: fixedNow, NewID: seqIDs()})
}
