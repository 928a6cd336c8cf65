package tracking

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestRunLifecycle(t *testing.T) {
	c := newClock()
	s := openMem(t, c)
	r := mustStart(t, s, info("exp", "lr=0.1"))

	got, err := s.Run(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != Running || !got.End.IsZero() || got.Epochs != 0 || got.BestEpoch != -1 || !math.IsNaN(got.BestValTop1) {
		t.Fatalf("fresh run = %+v", got)
	}
	if got.PID != os.Getpid() || got.Host == "" || got.GoVersion != "go1.26" || got.Threads != 2 || !got.GitDirty ||
		got.GitCommit != "abc123" || got.Seed != 7 || got.ConfigHash != "hash-lr=0.1" || got.ConfigText == "" {
		t.Fatalf("fresh run fields = %+v", got)
	}
	if got.Params["train.lr"] != "0.1" || len(got.Params) != 3 {
		t.Fatalf("params = %v", got.Params)
	}

	mustLog(t, r, epoch(0, 0.40), epoch(1, 0.55), epoch(2, 0.55), epoch(3, 0.50))
	got, _ = s.Run(ctx, r.ID)
	if got.Epochs != 4 || got.BestEpoch != 1 || got.BestValTop1 != 0.55 || got.BestValTop5 != 0.75 {
		t.Fatalf("after 4 epochs: epochs=%d best=%d top1=%v top5=%v; want 4, 1 (earlier of a tie), 0.55, 0.75",
			got.Epochs, got.BestEpoch, got.BestValTop1, got.BestValTop5)
	}
	if !got.Heartbeat.After(got.Start) {
		t.Fatalf("LogEpoch did not bump the heartbeat: start %v heartbeat %v", got.Start, got.Heartbeat)
	}
	es, err := s.Epochs(ctx, r.ID)
	if err != nil || len(es) != 4 || es[2] != epoch(2, 0.55) {
		t.Fatalf("Epochs = %+v, %v", es, err)
	}

	if err := r.SetTestMetrics(ctx, 1.25, 0.52, 0.8); err != nil {
		t.Fatal(err)
	}
	if err := r.Finish(ctx, Finished, ""); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Run(ctx, r.ID)
	if got.Status != Finished || got.End.IsZero() || got.Error != "" || got.Duration() <= 0 {
		t.Fatalf("finished run = %+v", got)
	}
	if got.TestLoss == nil || *got.TestLoss != 1.25 || *got.TestTop1 != 0.52 || *got.TestTop5 != 0.8 {
		t.Fatalf("test metrics = %v %v %v", got.TestLoss, got.TestTop1, got.TestTop5)
	}

	// The status changes once; later writes are refused.
	for name, err := range map[string]error{
		"LogEpoch":       r.LogEpoch(ctx, epoch(4, 0.9)),
		"Heartbeat":      r.Heartbeat(ctx),
		"Finish":         r.Finish(ctx, Failed, "late"),
		"SetTestMetrics": r.SetTestMetrics(ctx, 1, 1, 1),
	} {
		if !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "is FINISHED") {
			t.Errorf("%s after Finish: err = %v, want ErrNotRunning", name, err)
		}
	}
}

func TestStartRunValidation(t *testing.T) {
	s := openMem(t, newClock())
	tests := []struct {
		name  string
		edit  func(*RunInfo)
		field string
		want  error
	}{
		{"no experiment", func(ri *RunInfo) { ri.Experiment = " " }, "RunInfo.Experiment", ErrInvalid},
		{"no trial", func(ri *RunInfo) { ri.Trial = "" }, "RunInfo.Trial", ErrInvalid},
		{"no hash", func(ri *RunInfo) { ri.ConfigHash = "" }, "RunInfo.ConfigHash", ErrInvalid},
		{"negative threads", func(ri *RunInfo) { ri.Threads = -1 }, "RunInfo.Threads", ErrInvalid},
		{"negative pid", func(ri *RunInfo) { ri.PID = -3 }, "RunInfo.PID", ErrInvalid},
		{"empty param key", func(ri *RunInfo) { ri.Params = map[string]string{"": "x"} }, "RunInfo.Params", ErrInvalid},
		{"unknown resume", func(ri *RunInfo) { ri.ResumedFrom = "nope" }, "RunInfo.ResumedFrom", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ri := info("e", "t")
			tt.edit(&ri)
			_, err := s.StartRun(ctx, ri)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("err = %v, want %v naming %s", err, tt.want, tt.field)
			}
		})
	}
	runs, _ := s.Runs(ctx, Filter{})
	if len(runs) != 0 {
		t.Fatalf("%d runs recorded by failed starts", len(runs))
	}
}

func TestEpochAndFinishValidation(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("e", "t"))
	mustLog(t, r, epoch(0, 0.1))
	if err := r.LogEpoch(ctx, epoch(0, 0.2)); !errors.Is(err, ErrDuplicateEpoch) {
		t.Fatalf("duplicate epoch: err = %v", err)
	}
	if err := r.LogEpoch(ctx, Epoch{Epoch: -1}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative epoch: err = %v", err)
	}
	if err := r.Finish(ctx, Running, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Finish(RUNNING): err = %v", err)
	}
	if err := r.Finish(ctx, Finished, "oops"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Finish(FINISHED, text): err = %v", err)
	}
	if got, _ := s.Run(ctx, r.ID); got.Epochs != 1 || got.BestValTop1 != 0.1 || got.Status != Running {
		t.Fatalf("rejected writes changed the run: %+v", got)
	}
}

func TestNaNMetrics(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("e", "t"))
	e := epoch(0, math.NaN())
	e.TrainLoss = math.NaN()
	e.AuxLoss = math.Inf(1)
	mustLog(t, r, e, epoch(1, 0.3))
	es, err := s.Epochs(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(es[0].TrainLoss) || !math.IsNaN(es[0].ValTop1) || !math.IsInf(es[0].AuxLoss, 1) || es[0].LR != 0.01 {
		t.Fatalf("epoch 0 = %+v", es[0])
	}
	if got, _ := s.Run(ctx, r.ID); got.BestEpoch != 1 {
		t.Fatalf("best epoch = %d, want 1 (NaN never wins)", got.BestEpoch)
	}
}

func TestArtifacts(t *testing.T) {
	s := openMem(t, newClock())
	r := mustStart(t, s, info("e", "t"))
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "last.ckpt")
	os.WriteFile(ckpt, []byte("v1"), 0o644)
	if err := r.AddArtifact(ctx, KindCheckpointLast, ckpt); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ckpt, []byte("version 2"), 0o644)
	if err := r.AddArtifact(ctx, KindCheckpointLast, ckpt); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "classes.json"), []byte("[]"), 0o644)
	if err := r.AddArtifact(ctx, KindClassIndices, filepath.Join(dir, "classes.json")); err != nil {
		t.Fatal(err)
	}
	r.Finish(ctx, Finished, "")
	// Reports are attached after the run ended.
	os.WriteFile(filepath.Join(dir, "r.html"), []byte("<html>"), 0o644)
	if err := s.AddArtifact(ctx, r.ID[:8], KindReport, filepath.Join(dir, "r.html")); err != nil {
		t.Fatalf("artifact on an ended run: %v", err)
	}
	as, err := s.Artifacts(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 3 {
		t.Fatalf("artifacts = %+v, want 3 (same kind+path replaced)", as)
	}
	last := as[0] // ordered by kind: checkpoint-last, class-indices, report
	// sha256("version 2")
	if last.Kind != KindCheckpointLast || last.Size != 9 || last.Path != ckpt ||
		last.SHA256 != sha256Hex("version 2") {
		t.Fatalf("checkpoint artifact = %+v", last)
	}
	for _, tt := range []struct{ kind, path string }{{"", ckpt}, {"report", ""}, {"report", filepath.Join(dir, "missing")}, {"report", dir}} {
		if err := r.AddArtifact(ctx, tt.kind, tt.path); err == nil {
			t.Errorf("AddArtifact(%q, %q) succeeded", tt.kind, tt.path)
		}
	}
}

func TestResumedFrom(t *testing.T) {
	s := openMem(t, newClock())
	first := mustStart(t, s, info("e", "t"))
	first.Finish(ctx, Killed, "interrupt signal received")
	ri := info("e", "t")
	ri.ResumedFrom = first.ID
	second := mustStart(t, s, ri)
	got, _ := s.Run(ctx, second.ID)
	if got.ResumedFrom != first.ID {
		t.Fatalf("ResumedFrom = %q", got.ResumedFrom)
	}
	if _, err := s.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Run(ctx, second.ID); got.ResumedFrom != "" {
		t.Fatalf("ResumedFrom after deleting its origin = %q", got.ResumedFrom)
	}
}

func TestExecute(t *testing.T) {
	boom := errors.New("loss exploded")
	tests := []struct {
		name       string
		cancel     error // cancel the context with this cause first
		body       func(ctx context.Context) error
		wantStatus Status
		wantText   string
		wantErr    error
	}{
		{"success", nil, func(context.Context) error { return nil }, Finished, "", nil},
		{"error", nil, func(context.Context) error { return fmt.Errorf("epoch 3: %w", boom) }, Failed, "epoch 3: loss exploded", boom},
		{"panic", nil, func(context.Context) error { panic("index out of range") }, Failed, "panic: index out of range", ErrPanicked},
		{"killed", errors.New("terminated signal received"), func(ctx context.Context) error { return ctx.Err() },
			Killed, "terminated signal received", context.Canceled},
		{"error while cancelled", errors.New("interrupt"), func(ctx context.Context) error { return boom }, Failed, "loss exploded", boom},
		{"completed despite cancel", errors.New("interrupt"), func(ctx context.Context) error { return nil }, Finished, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openMem(t, newClock())
			r := mustStart(t, s, info("e", "t"))
			ctx, cancel := context.WithCancelCause(ctx)
			defer cancel(nil)
			if tt.cancel != nil {
				cancel(tt.cancel)
			}
			err := r.Execute(ctx, tt.body)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Execute err = %v, want %v", err, tt.wantErr)
			}
			got, _ := s.Run(context.Background(), r.ID)
			if got.Status != tt.wantStatus || !strings.HasPrefix(got.Error, tt.wantText) || (tt.wantText == "") != (got.Error == "") {
				t.Fatalf("status %s error %q, want %s %q", got.Status, got.Error, tt.wantStatus, tt.wantText)
			}
		})
	}
}

func TestStartHeartbeat(t *testing.T) {
	c := newClock()
	s := openMem(t, c)
	r := mustStart(t, s, info("e", "t"))
	start, _ := s.Run(ctx, r.ID)
	stop := r.StartHeartbeat(ctx, time.Millisecond)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := s.Run(ctx, r.ID)
		if got.Heartbeat.After(start.Heartbeat) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("heartbeat never advanced")
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second stop: %v", err)
	}

	// Once the run has ended the loop stops and reports why.
	r2 := mustStart(t, s, info("e", "t2"))
	r2.Finish(ctx, Failed, "x")
	// stop cancels the loop, so a stop that comes before the loop's first tick (a loaded machine can
	// delay it past any sleep) reports nothing: start a fresh loop for each attempt.
	deadline = time.Now().Add(10 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) {
		stop = r2.StartHeartbeat(ctx, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		err = stop()
	}
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("heartbeat on ended run: %v", err)
	}
}
