package tracking

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture: two experiments, four runs in every end state.
func fixture(t *testing.T) (*Store, []*Run) {
	s := openMem(t, newClock())
	var runs []*Run
	for i, spec := range []struct {
		exp, trial, lr string
		status         Status
	}{
		{"cifar", "lr=0.1", "0.1", Finished},
		{"cifar", "lr=0.01", "0.01", Failed},
		{"cifar", "lr=0.1", "0.1", Running},
		{"mnist", "base", "0.1", Killed},
	} {
		ri := info(spec.exp, spec.trial)
		ri.Params["train.lr"] = spec.lr
		r := mustStart(t, s, ri)
		mustLog(t, r, epoch(0, 0.1*float64(i+1)))
		if spec.status != Running {
			text := ""
			if spec.status != Finished {
				text = "stopped"
			}
			if err := r.Finish(ctx, spec.status, text); err != nil {
				t.Fatal(err)
			}
		}
		runs = append(runs, r)
	}
	return s, runs
}

func TestRunsFilter(t *testing.T) {
	s, runs := fixture(t)
	tests := []struct {
		name   string
		filter Filter
		want   []int
	}{
		{"all", Filter{}, []int{0, 1, 2, 3}},
		{"experiment", Filter{Experiment: "cifar"}, []int{0, 1, 2}},
		{"status", Filter{Status: Failed}, []int{1}},
		{"status any case", Filter{Status: "killed"}, []int{3}},
		{"where", Filter{Where: map[string]string{"train.lr": "0.1"}}, []int{0, 2, 3}},
		{"where and experiment", Filter{Experiment: "cifar", Where: map[string]string{"train.lr": "0.1", "trial": "lr=0.1"}}, []int{0, 2}},
		{"no match", Filter{Experiment: "imagenet"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Runs(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids, want []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			for _, i := range tt.want {
				want = append(want, runs[i].ID)
			}
			if strings.Join(ids, " ") != strings.Join(want, " ") {
				t.Fatalf("runs = %v, want %v", ids, want)
			}
		})
	}
	t.Run("unknown param", func(t *testing.T) {
		_, err := s.Runs(ctx, Filter{Where: map[string]string{"train.lrr": "0.1"}})
		if !errors.Is(err, ErrUnknownParam) || !strings.Contains(err.Error(), "known keys: model.name, train.lr, trial") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad status", func(t *testing.T) {
		_, err := s.Runs(ctx, Filter{Status: "DONE"})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "RUNNING, FINISHED, FAILED, KILLED") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRunByPrefix(t *testing.T) {
	s := openMem(t, newClock())
	ids := []string{"abc11111", "abc22222", "abd33333", "abc"}
	i := 0
	s.newID = func() string { i++; return ids[i-1] }
	for i := range ids {
		mustStart(t, s, info("e", fmt.Sprint("t", i)))
	}
	tests := []struct {
		prefix string
		want   string
		err    error
	}{
		{"abc1", "abc11111", nil},
		{"abd", "abd33333", nil},
		{"abc", "abc", nil}, // an exact id wins over longer ids sharing it
		{"abc2", "abc22222", nil},
		{"ab", "", ErrAmbiguous},
		{"zzz", "", ErrNotFound},
		{" ", "", ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, err := s.Run(ctx, tt.prefix)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got.ID != tt.want {
				t.Fatalf("Run(%q) = %q, %v; want %q", tt.prefix, got.ID, err, tt.want)
			}
		})
	}
}

func TestFinishedAndLatestRun(t *testing.T) {
	s, runs := fixture(t)
	fin, err := s.FinishedRun(ctx, "cifar", "hash-lr=0.1")
	if err != nil || fin == nil || fin.ID != runs[0].ID {
		t.Fatalf("FinishedRun = %+v, %v", fin, err)
	}
	latest, err := s.LatestRun(ctx, "cifar", "hash-lr=0.1")
	if err != nil || latest == nil || latest.ID != runs[2].ID || latest.Status != Running {
		t.Fatalf("LatestRun = %+v, %v", latest, err)
	}
	if r, err := s.FinishedRun(ctx, "cifar", "hash-lr=0.01"); r != nil || err != nil {
		t.Fatalf("FinishedRun of a failed-only config = %+v, %v; want nil, nil", r, err)
	}
	if r, err := s.LatestRun(ctx, "imagenet", "x"); r != nil || err != nil {
		t.Fatalf("LatestRun of nothing = %+v, %v", r, err)
	}
	names, err := s.Experiments(ctx)
	if err != nil || strings.Join(names, ",") != "cifar,mnist" {
		t.Fatalf("Experiments = %v, %v", names, err)
	}
}

func TestTagAndDelete(t *testing.T) {
	s, runs := fixture(t)
	if err := s.Tag(ctx, runs[0].ID[:8], "note", "baseline"); err != nil {
		t.Fatal(err)
	}
	if err := s.Tag(ctx, runs[0].ID, "note", "best so far"); err != nil {
		t.Fatal(err)
	}
	if err := s.Tag(ctx, runs[0].ID, "", "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty tag key: %v", err)
	}
	got, _ := s.Run(ctx, runs[0].ID)
	if len(got.Tags) != 1 || got.Tags["note"] != "best so far" {
		t.Fatalf("tags = %v", got.Tags)
	}

	ckpt := filepath.Join(t.TempDir(), "best.ckpt")
	os.WriteFile(ckpt, []byte("weights"), 0o644)
	runs[0].AddArtifact(ctx, KindCheckpointBest, ckpt)
	arts, err := s.Delete(ctx, runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 0 {
		t.Fatalf("Delete returned %+v while run %s of the same trial is RUNNING (its folder is in use)", arts, runs[2].ID)
	}
	ckpt1 := filepath.Join(t.TempDir(), "best.ckpt")
	os.WriteFile(ckpt1, []byte("weights"), 0o644)
	s.AddArtifact(ctx, runs[1].ID, KindCheckpointBest, ckpt1)
	if arts, err := s.Delete(ctx, runs[1].ID); err != nil || len(arts) != 1 || arts[0].Path != ckpt1 {
		t.Fatalf("Delete returned %+v, %v", arts, err)
	}
	if _, err := s.Run(ctx, runs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted run still readable: %v", err)
	}
	for _, table := range []string{"params", "epochs", "artifacts", "tags"} {
		var n int
		s.db.QueryRow(`SELECT count(*) FROM `+table+` WHERE run_id = ?`, runs[0].ID).Scan(&n)
		if n != 0 {
			t.Errorf("%d %s rows left after Delete", n, table)
		}
	}
	if _, err := s.Delete(ctx, runs[2].ID); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "RUNNING") {
		t.Fatalf("deleting a RUNNING run: %v", err)
	}
	if _, err := s.Delete(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a missing run: %v", err)
	}
	if err := runs[0].LogEpoch(ctx, epoch(5, 0.1)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LogEpoch on deleted run: %v", err)
	}
}
