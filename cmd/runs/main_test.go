package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionlab/runner"
	"inceptionlab/tracking"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden files")

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture writes a database with four runs on a fixed clock and returns its
// path, the artifact directory and the clock the command should use.
func fixture(t *testing.T) (db, artDir string, now func() time.Time) {
	t.Helper()
	dir := t.TempDir()
	db = filepath.Join(dir, "runs.db")
	tick := base
	clock := func() time.Time { tick = tick.Add(7 * time.Second); return tick }
	n := 0
	s, err := tracking.Open(db, tracking.Options{Now: clock, NewID: func() string {
		n++
		return fmt.Sprintf("%08x-1111-4000-8000-%012x", n*0x1111111, n)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	start := func(exp, trial, lr string) *tracking.Run {
		r, err := s.StartRun(ctx, tracking.RunInfo{Experiment: exp, Trial: trial, ConfigHash: "hash-" + trial,
			ConfigText: "train:\n  lr: " + lr + "\n  epochs: 3\n", Seed: 42,
			Params:    map[string]string{"train.lr": lr, "train.epochs": "3"},
			GitCommit: "0123abcd", GitDirty: lr == "0.01", GoVersion: "go1.26.0", Host: "lab-1", PID: 4242, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ep := func(n int, top1 float64) tracking.Epoch {
		return tracking.Epoch{Epoch: n, TrainLoss: 2 - 0.25*float64(n), TrainTop1: top1 - 0.05, ValLoss: 2.1 - 0.2*float64(n),
			ValTop1: top1, ValTop5: top1 + 0.25, LR: 0.1, Seconds: 95.5, ImagesPerSec: 523.25, MainLoss: 1.5, AuxLoss: 0.45}
	}
	log := func(r *tracking.Run, es ...tracking.Epoch) {
		for _, e := range es {
			if err := r.LogEpoch(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The trial folder the runner would use for run a under the output root (the folder of -db).
	artDir = runner.RunDir(dir, "cifar", "lr=0.1", "hash-lr=0.1")
	os.MkdirAll(artDir, 0o755)

	a := start("cifar", "lr=0.1", "0.1")
	log(a, ep(0, 0.3125), ep(1, 0.5), ep(2, 0.4375))
	ckpt := filepath.Join(artDir, "best.ckpt")
	os.WriteFile(ckpt, []byte("weights"), 0o644)
	if err := a.AddArtifact(ctx, tracking.KindCheckpointBest, ckpt); err != nil {
		t.Fatal(err)
	}
	a.SetTestMetrics(ctx, 1.375, 0.5, 0.75)
	a.Finish(ctx, tracking.Finished, "")
	s.Tag(ctx, a.ID, "note", "baseline")

	b := start("cifar", "lr=0.01", "0.01")
	log(b, tracking.Epoch{Epoch: 0, TrainLoss: math.NaN(), ValTop1: math.NaN(), ValTop5: math.NaN(), LR: 0.01})
	b.Finish(ctx, tracking.Failed, "epoch 0: loss is NaN")

	c := start("mnist", "base", "0.1")
	log(c, ep(0, 0.875))

	d := start("cifar", "lr=1", "1")
	d.Execute(ctx, func(context.Context) error { panic("boom") })

	last := clock()
	return db, artDir, func() time.Time { return last }
}

// runCmd runs the command with a fixed clock.
func runCmd(now func() time.Time, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(stdin), now: now}
	code = a.main(args)
	return code, out.String(), errb.String()
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("output differs from %s (go test -update if intended)\n--- got ---\n%s--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	db, artDir, now := fixture(t)
	tests := []struct {
		name string
		args []string
	}{
		{"list", []string{"-db", db, "list"}},
		{"list_filtered", []string{"list", "-db", db, "-experiment", "cifar", "-status", "failed"}},
		{"list_where", []string{"-db", db, "list", "-where", "train.lr=0.1"}},
		{"list_sorted", []string{"-db", db, "list", "-where", "best_val_top1>0.4", "-sort", "-best_val_top1"}},
		{"list_empty", []string{"-db", db, "list", "-experiment", "imagenet"}},
		{"show", []string{"-db", db, "show", "01111111"}},
		{"show_failed", []string{"-db", db, "show", "02222222-1111-4000-8000-000000000002"}},
		{"show_running", []string{"-db", db, "show", "0333"}},
		{"show_panic", []string{"-db", db, "show", "0444"}},
		{"export_json", []string{"-db", db, "export", "-format", "json", "-experiment", "mnist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(now, "", tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			out = strings.ReplaceAll(out, artDir, "$ARTIFACTS")
			if tt.name == "show_panic" {
				// Keep the panic line, drop the machine-specific stack.
				head, rest, _ := strings.Cut(out, "  goroutine ")
				_, tail, _ := strings.Cut(rest, "\nparams (")
				out = head + "  [stack]\n\nparams (" + tail
			}
			checkGolden(t, tt.name, out)
		})
	}
}

func TestErrors(t *testing.T) {
	db, _, now := fixture(t)
	missing := filepath.Join(t.TempDir(), "nope.db")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", []string{"-db", db}, 2, "no command given"},
		{"unknown command", []string{"-db", db, "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad global flag", []string{"-dbx", db, "list"}, 2, "flag provided but not defined: -dbx"},
		{"bad list flag", []string{"-db", db, "list", "-bogus"}, 2, "list: flag provided but not defined: -bogus"},
		{"missing db", []string{"-db", missing, "list"}, 1, "database " + missing + " does not exist"},
		{"bad status", []string{"-db", db, "list", "-status", "done"}, 2, "RUNNING, FINISHED, FAILED, KILLED"},
		{"bad where", []string{"-db", db, "list", "-where", "train.lr"}, 2, `-where "train.lr": want key=value (a param) or METRIC<op>NUMBER`},
		{"unknown param", []string{"-db", db, "list", "-where", "train.lrr=1"}, 1, "known keys: train.epochs, train.lr"},
		{"ambiguous id", []string{"-db", db, "show", "0"}, 1, "ambiguous run id prefix"},
		{"unknown id", []string{"-db", db, "show", "ff"}, 1, "run not found"},
		{"show without id", []string{"-db", db, "show"}, 2, "show takes one run id"},
		{"export without format", []string{"-db", db, "export"}, 2, "-format must be csv or json"},
		{"export bad what", []string{"-db", db, "export", "-format", "csv", "-what", "logits"}, 2,
			"-what must be epochs, predictions or confusion"},
		{"tag without pair", []string{"-db", db, "tag", "0111"}, 2, "at least one key=value"},
		{"tag bad pair", []string{"-db", db, "tag", "0111", "=x"}, 2, "is not key=value"},
		{"delete running", []string{"-db", db, "delete", "-yes", "0333"}, 1, "is RUNNING"},
		{"not sqlite", []string{"-db", "main_test.go", "list"}, 1, "main_test.go is not a SQLite database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(now, "", tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d containing %q", code, errOut, tt.code, tt.want)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "runs: ") {
				t.Fatalf("stderr is not one line prefixed runs: %q", errOut)
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("list created the missing database: %v", err)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}} {
		code, out, _ := runCmd(time.Now, "", args...)
		if code != 0 || !strings.Contains(out, "usage: runs") || !strings.Contains(out, "merge") {
			t.Fatalf("%v: exit %d, %q", args, code, out)
		}
	}
}

func TestTagAndDelete(t *testing.T) {
	db, artDir, now := fixture(t)
	if code, out, errOut := runCmd(now, "", "-db", db, "tag", "0111", "reviewed=yes", "note=kept"); code != 0 ||
		out != "tagged run 01111111: reviewed=yes note=kept\n" {
		t.Fatalf("tag: exit %d %q %q", code, out, errOut)
	}
	_, out, _ := runCmd(now, "", "-db", db, "show", "0111")
	if !strings.Contains(out, "note      kept") || !strings.Contains(out, "reviewed  yes") {
		t.Fatalf("show after tag:\n%s", out)
	}

	code, out, _ := runCmd(now, "n\n", "-db", db, "delete", "0111")
	if code != 0 || !strings.HasSuffix(out, "not deleted\n") || !strings.Contains(out, "1 artifact files? [y/N]") {
		t.Fatalf("declined delete: exit %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(artDir, "best.ckpt")); err != nil {
		t.Fatalf("declined delete removed the artifact: %v", err)
	}
	code, out, _ = runCmd(now, "y\n", "-db", db, "delete", "0111")
	if code != 0 || !strings.Contains(out, "deleted run 01111111-1111-4000-8000-000000000001 and 1 of 1 artifact files") {
		t.Fatalf("confirmed delete: exit %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(artDir, "best.ckpt")); !os.IsNotExist(err) {
		t.Fatalf("artifact file still there: %v", err)
	}
	code, out, _ = runCmd(now, "", "-db", db, "delete", "0222", "-yes")
	if code != 0 || !strings.Contains(out, "deleted run 02222222") {
		t.Fatalf("delete -yes after id: exit %d %q", code, out)
	}
	_, out, _ = runCmd(now, "", "-db", db, "list")
	if strings.Contains(out, "01111111") || strings.Contains(out, "02222222") || !strings.Contains(out, "03333333") {
		t.Fatalf("list after deletes:\n%s", out)
	}
}

func TestMergeCommand(t *testing.T) {
	shard, _, now := fixture(t)
	mainDB := filepath.Join(t.TempDir(), "main.db")
	code, out, errOut := runCmd(now, "", "merge", "-db", mainDB, shard)
	if code != 0 || out != "merged "+shard+": 4 runs added, 0 updated, 5 epochs, 1 artifacts, 1 tags\n" {
		t.Fatalf("merge: exit %d %q %q", code, out, errOut)
	}
	code, out, _ = runCmd(now, "", "merge", "-db", mainDB, shard)
	if code != 0 || out != "merged "+shard+": 0 runs added, 0 updated, 0 epochs, 0 artifacts, 0 tags\n" {
		t.Fatalf("second merge: exit %d %q", code, out)
	}
	code, _, errOut = runCmd(now, "", "merge", "-db", mainDB, "main_test.go")
	if code != 1 || !strings.Contains(errOut, "is not a SQLite database") {
		t.Fatalf("merging a text file: exit %d %q", code, errOut)
	}
	_, listMain, _ := runCmd(now, "", "-db", mainDB, "list")
	_, listShard, _ := runCmd(now, "", "-db", shard, "list")
	if listMain != listShard {
		t.Fatalf("merged list differs:\n%s\nvs\n%s", listMain, listShard)
	}
}
