package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"inceptionlab/model/safetensors"
	"inceptionlab/tracking"
)

// The end-to-end tests run the real command on configs/smoke.yaml (80 embedded images, a 1/8-width
// network): a trial takes about a second.

const smoke = "../../configs/smoke.yaml"

type env struct {
	t   *testing.T
	dir string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, dir: t.TempDir()}
}

func (e *env) db() string  { return filepath.Join(e.dir, "tracking.db") }
func (e *env) out() string { return filepath.Join(e.dir, "runs") }

// run runs the command with -db and -out pointing into the test's folder.
func (e *env) run(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	e.t.Helper()
	var out, errb bytes.Buffer
	args = append([]string{"-db", e.db(), "-out", e.out()}, args...)
	code = run(ctx, args, &out, &errb)
	return code, out.String(), errb.String()
}

func (e *env) store() *tracking.Store {
	e.t.Helper()
	st, err := tracking.Open(e.db(), tracking.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func (e *env) runs(experiment string) []tracking.RunSummary {
	e.t.Helper()
	rs, err := e.store().Runs(context.Background(), tracking.Filter{Experiment: experiment})
	if err != nil {
		e.t.Fatal(err)
	}
	return rs
}

func (e *env) epochs(id string) []tracking.Epoch {
	e.t.Helper()
	eps, err := e.store().Epochs(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return eps
}

func epochNumbers(eps []tracking.Epoch) []int {
	var n []int
	for _, e := range eps {
		n = append(n, e.Epoch)
	}
	return n
}

func TestSweep2x2ThenRerunSkipsFinished(t *testing.T) {
	e := newEnv(t)
	grid := []string{"-set", "sweep.grid.model.inception.reduce=[true,false]", "-set", "sweep.grid.model.aux.enabled=[true,false]"}
	code, out, errs := e.run(context.Background(), append([]string{"-config", smoke}, grid...)...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	runs := e.runs("smoke")
	if len(runs) != 4 {
		t.Fatalf("%d runs recorded, want 4", len(runs))
	}
	names := map[string]bool{}
	for _, r := range runs {
		if r.Status != tracking.Finished {
			t.Errorf("trial %s: status %s (%s)", r.Trial, r.Status, r.Error)
		}
		names[r.Trial] = true
		if got := epochNumbers(e.epochs(r.ID)); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("trial %s: epochs %v, want [1 2]", r.Trial, got)
		}
		if r.TestTop1 == nil {
			t.Errorf("trial %s: no test metrics", r.Trial)
		}
		if r.Params["derived.params"] == "" || r.Params["derived.macs"] == "" {
			t.Errorf("trial %s: derived params missing: %v", r.Trial, r.Params)
		}
	}
	for _, want := range []string{"reduce=true,aux=true", "reduce=true,aux=false", "reduce=false,aux=true", "reduce=false,aux=false"} {
		if !names[want] {
			t.Errorf("no trial named %q (have %v)", want, names)
		}
	}
	if _, err := os.Stat(filepath.Join(e.out(), "smoke", "report.html")); err != nil {
		t.Errorf("report not written: %v", err)
	}
	if !strings.Contains(out, "report: ") || !strings.Contains(out, "FINISHED") {
		t.Errorf("summary missing from output:\n%s", out)
	}

	code, out, errs = e.run(context.Background(), append([]string{"-config", smoke}, grid...)...)
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, out, errs)
	}
	if n := len(e.runs("smoke")); n != 4 {
		t.Fatalf("rerun added runs: %d recorded, want still 4", n)
	}
	if c := strings.Count(out, "SKIPPED"); c != 4 {
		t.Errorf("rerun summary shows %d SKIPPED trials, want 4:\n%s", c, out)
	}
}

// cancelAfter is a writer that cancels when the output shows the given text.
type cancelAfter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	text   string
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.text) {
		c.cancel()
	}
	return len(p), nil
}

// Interrupting after epoch 1 of 3 and resuming gives the same epochs (losses, accuracies, learning
// rates, the weight average's validation) and the same final weights, optimizer state and average, bit
// for bit, as the uninterrupted run: with the default Adam, and with SGD + Nesterov under a one-cycle
// schedule (so the interruption falls mid-schedule) with label smoothing, random crops and EMA.
func TestInterruptThenResumeContinuesExactly(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  []string
	}{
		{"adam", nil},
		{"sgd-onecycle-ema", []string{"train.optimizer=sgd", "train.lr=0.05", "train.nesterov=true", "train.weight_decay=5e-4",
			"train.schedule.type=onecycle", "train.label_smoothing=0.1", "train.ema.decay=0.99", "data.augment.crop_pad=4", "data.augment.hflip=true"}},
		{"adamw-step-warmup", []string{"train.optimizer=adamw", "train.weight_decay=0.01", "train.schedule.type=step",
			"train.schedule.every=1", "train.schedule.factor=0.5", "train.schedule.warmup_epochs=0.5"}},
	} {
		t.Run(tc.name, func(t *testing.T) { interruptThenResume(t, tc.set) })
	}
}

func interruptThenResume(t *testing.T, set []string) {
	e := newEnv(t)
	cfgArgs := []string{"-config", smoke, "-set", "train.epochs=3"}
	for _, s := range set {
		cfgArgs = append(cfgArgs, "-set", s)
	}
	args := append([]string{"-db", e.db(), "-out", e.out()}, cfgArgs...)
	ctx, cancel := context.WithCancel(context.Background())
	w := &cancelAfter{text: "epoch 1/3", cancel: cancel}
	var errb bytes.Buffer
	if code := run(ctx, args, w, &errb); code != 130 {
		t.Fatalf("interrupted run: exit %d, want 130\n%s\n%s", code, w.buf.String(), errb.String())
	}
	runs := e.runs("smoke")
	if len(runs) != 1 || runs[0].Status != tracking.Killed {
		t.Fatalf("after interrupt: runs %+v, want one KILLED", runs)
	}
	killed := runs[0]
	if got := epochNumbers(e.epochs(killed.ID)); !slices.Equal(got, []int{1}) {
		t.Fatalf("killed run has epochs %v, want [1]", got)
	}

	code, out, errs := e.run(context.Background(), cfgArgs...)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "resuming") {
		t.Errorf("resume not announced:\n%s", out)
	}
	runs = e.runs("smoke")
	var resumed tracking.RunSummary
	for _, r := range runs {
		if r.Status == tracking.Finished {
			resumed = r
		}
	}
	if resumed.ResumedFrom != killed.ID {
		t.Fatalf("finished run resumed from %q, want the killed run %q", resumed.ResumedFrom, killed.ID)
	}
	got := e.epochs(resumed.ID)
	if n := epochNumbers(got); !slices.Equal(n, []int{1, 2, 3}) {
		t.Fatalf("resumed run has epochs %v, want [1 2 3]", n)
	}

	// The same trial run without interruption gives the same numbers.
	fresh := newEnv(t)
	if code, out, errs := fresh.run(context.Background(), cfgArgs...); code != 0 {
		t.Fatalf("uninterrupted: exit %d\n%s\n%s", code, out, errs)
	}
	want := fresh.epochs(fresh.runs("smoke")[0].ID)
	for i := range want {
		g, w := got[i], want[i]
		g.Seconds, w.Seconds, g.ImagesPerSec, w.ImagesPerSec = 0, 0, 0, 0
		if !sameEpoch(g, w) {
			t.Errorf("epoch %d: resumed\n%+v\nuninterrupted\n%+v", w.Epoch, g, w)
		}
	}
	if want[0].LR == want[2].LR && len(set) > 0 {
		t.Errorf("the learning rate did not change over the schedule: %v", want[0].LR)
	}
	a, b := lastCheckpoint(t, e.out()), lastCheckpoint(t, fresh.out())
	if len(a) != len(b) {
		t.Fatalf("last checkpoints hold %d and %d tensors", len(a), len(b))
	}
	for name, ta := range a {
		if !slices.Equal(ta, b[name]) {
			t.Errorf("tensor %s of last.safetensors differs between resumed and uninterrupted", name)
		}
	}
}

// lastCheckpoint reads the only last.safetensors under out.
func lastCheckpoint(t *testing.T, out string) map[string][]float32 {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "smoke", "*", "last.safetensors"))
	if len(paths) != 1 {
		t.Fatalf("%d last checkpoints under %s, want 1", len(paths), out)
	}
	ts, _, err := safetensors.ReadSafetensors(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]float32{}
	for _, x := range ts {
		m[x.Name] = x.Data
	}
	return m
}

// sameEpoch compares two epochs field by field, the weight average's validation by value.
func sameEpoch(x, y tracking.Epoch) bool {
	if (x.EMA == nil) != (y.EMA == nil) || (x.EMA != nil && *x.EMA != *y.EMA) {
		return false
	}
	x.EMA, y.EMA = nil, nil
	return x == y
}

func TestFailingTrialDoesNotStopTheSweep(t *testing.T) {
	cfg := writeSweepConfig(t, `
sweep:
  variants:
    - first: {train.lr: 0.001}
    - broken: {model.num_classes: 7}
    - last: {train.lr: 0.002}
`)
	e := newEnv(t)
	code, out, errs := e.run(context.Background(), "-config", cfg, "-no-report")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errs)
	}
	status := map[string]tracking.RunSummary{}
	for _, r := range e.runs("failing") {
		status[r.Trial] = r
	}
	if status["first"].Status != tracking.Finished || status["last"].Status != tracking.Finished {
		t.Errorf("first %s, last %s: want both FINISHED", status["first"].Status, status["last"].Status)
	}
	if b := status["broken"]; b.Status != tracking.Failed || !strings.Contains(b.Error, "num_classes is 7") {
		t.Errorf("broken: status %s error %q, want FAILED naming num_classes", b.Status, b.Error)
	}
	if !strings.Contains(errs, "broken") {
		t.Errorf("stderr does not name the failed trial:\n%s", errs)
	}

	ff := newEnv(t)
	code, out, errs = ff.run(context.Background(), "-config", cfg, "-no-report", "-fail-fast")
	if code != 1 {
		t.Fatalf("-fail-fast: exit %d, want 1\n%s\n%s", code, out, errs)
	}
	for _, r := range ff.runs("failing") {
		if r.Trial == "last" {
			t.Errorf("-fail-fast still ran the trial after the failure (%s)", r.Status)
		}
	}
}

func TestParallelTrials(t *testing.T) {
	e := newEnv(t)
	code, out, errs := e.run(context.Background(), "-config", smoke, "-j", "2", "-no-report",
		"-set", "sweep.grid.model.inception.reduce=[true,false]", "-set", "sweep.grid.model.aux.enabled=[true,false]")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	runs := e.runs("smoke")
	if len(runs) != 4 {
		t.Fatalf("%d runs, want 4", len(runs))
	}
	for _, r := range runs {
		if r.Status != tracking.Finished || r.Epochs != 2 {
			t.Errorf("trial %s: %s with %d epochs", r.Trial, r.Status, r.Epochs)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no config", nil, "-config is required"},
		{"missing file", []string{"-config", "nope.yaml"}, "nope.yaml"},
		{"bad override", []string{"-config", smoke, "-set", "train.lr=fast"}, "train.lr"},
		{"bad jobs", []string{"-config", smoke, "-j", "0"}, "-j must be >= 1"},
		{"unknown trial", []string{"-config", smoke, "-trial", "nope"}, `no trial named "nope"`},
		{"index out of range", []string{"-config", smoke, "-trial-index", "3"}, "out of range"},
		{"unknown flag", []string{"-frobnicate"}, "frobnicate"},
		{"positional", []string{"-config", smoke, "extra"}, "unexpected argument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			code, out, errs := e.run(context.Background(), tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure\n%s", out)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q does not contain %q", errs, tc.want)
			}
		})
	}
}

func TestListTrials(t *testing.T) {
	e := newEnv(t)
	code, out, errs := e.run(context.Background(), "-config", "../../configs/ablation_1x1.yaml", "-list-trials")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[1], "0") || !strings.Contains(out, "reduce=false,aux=false") {
		t.Fatalf("unexpected trial list:\n%s", out)
	}
	if _, err := os.Stat(e.db()); err == nil {
		t.Error("-list-trials created the database")
	}
}

// writeSweepConfig writes the smoke config named "failing" with the given sweep section.
func writeSweepConfig(t *testing.T, sweep string) string {
	t.Helper()
	base, err := os.ReadFile(smoke)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(base), "name: smoke", "name: failing", 1) + sweep
	path := filepath.Join(t.TempDir(), "failing.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestThreadCountDoesNotChangeResults trains the smoke trial at 64x64 (so that the per-sample kernels of
// the large first maps run too) on one and on three threads: every epoch's numbers and the last
// checkpoint must be the same bits, and both runs record that they are thread-independent.
func TestThreadCountDoesNotChangeResults(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	train := func(threads string) (*env, []tracking.Epoch) {
		e := newEnv(t)
		code, out, errs := e.run(context.Background(), "-config", smoke, "-threads", threads, "-set", "data.image_size=64",
			"-set", "train.epochs=2", "-set", "data.augment.hflip=true", "-set", "data.augment.crop_pad=4")
		if code != 0 {
			t.Fatalf("-threads %s: exit %d\n%s\n%s", threads, code, out, errs)
		}
		r := e.runs("smoke")[0]
		if r.Threads != map[string]int{"1": 1, "3": 3}[threads] || r.Params[tracking.DerivedThreadFree] != "true" {
			t.Errorf("-threads %s: run records threads %d, %s=%q", threads, r.Threads, tracking.DerivedThreadFree, r.Params[tracking.DerivedThreadFree])
		}
		return e, e.epochs(r.ID)
	}
	e1, one := train("1")
	e3, three := train("3")
	if len(one) != 2 || len(three) != 2 {
		t.Fatalf("epochs: %d and %d, want 2", len(one), len(three))
	}
	for i := range one {
		a, b := one[i], three[i]
		a.Seconds, b.Seconds, a.ImagesPerSec, b.ImagesPerSec = 0, 0, 0, 0
		if !sameEpoch(a, b) {
			t.Errorf("epoch %d: -threads 1\n%+v\n-threads 3\n%+v", a.Epoch, a, b)
		}
	}
	a, b := lastCheckpoint(t, e1.out()), lastCheckpoint(t, e3.out())
	for name, ta := range a {
		if !slices.Equal(ta, b[name]) {
			t.Errorf("tensor %s of last.safetensors differs between -threads 1 and 3", name)
		}
	}
}
