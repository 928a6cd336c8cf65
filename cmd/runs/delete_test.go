package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionlab/runner"
	"inceptionlab/tracking"
)

// trialFiles writes the three files of a trial folder and returns their paths.
func trialFiles(t *testing.T, dir string) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, name := range []string{runner.BestCheckpoint, runner.LastCheckpoint, runner.ClassIndices} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func record(t *testing.T, s *tracking.Store, r *tracking.Run, paths ...string) {
	t.Helper()
	for i, p := range paths {
		if err := s.AddArtifact(context.Background(), r.ID, []string{"checkpoint-best", "checkpoint-last", "class-indices", "report"}[min(i, 3)], p); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 15 case 1: deleting the KILLED run a FINISHED run resumed from must leave the FINISHED run's model.
func TestDeleteResumedFromKeepsModel(t *testing.T) {
	root := t.TempDir()
	db := filepath.Join(root, "tracking.db")
	s, err := tracking.Open(db, tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ri := tracking.RunInfo{Experiment: "smoke", Trial: "base", ConfigHash: "0123456789abcdef", ConfigText: "x"}
	dir := runner.RunDir(root, "smoke", "base", ri.ConfigHash)
	files := trialFiles(t, dir)
	killed, _ := s.StartRun(ctx, ri)
	record(t, s, killed, files...)
	killed.Finish(ctx, tracking.Killed, "interrupt signal received")
	ri.ResumedFrom = killed.ID
	finished, _ := s.StartRun(ctx, ri)
	record(t, s, finished, files...)
	finished.Finish(ctx, tracking.Finished, "")
	s.Close()

	if code, out, errOut := runCmd(time.Now, "", "-db", db, "delete", "-yes", killed.ID); code != 0 {
		t.Fatalf("delete: exit %d %q %q", code, out, errOut)
	}
	for _, p := range files {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("deleting the KILLED run removed the FINISHED run's %s: %v", filepath.Base(p), err)
		}
	}
}

// Issue 15 case 2: deletion is confined to the run's own trial folder under the output root and never
// follows a path it did not create.
func TestDeleteConfinedToRunFolder(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.txt")
	linkTarget := filepath.Join(outside, "linked.txt")
	for _, p := range []string{victim, linkTarget} {
		os.WriteFile(p, []byte("keep me"), 0o644)
	}
	db := filepath.Join(root, "tracking.db")
	s, err := tracking.Open(db, tracking.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ri := tracking.RunInfo{Experiment: "smoke", Trial: "base", ConfigHash: "0123456789abcdef", ConfigText: "x"}
	dir := runner.RunDir(root, "smoke", "base", ri.ConfigHash)
	files := trialFiles(t, dir)
	link := filepath.Join(dir, "report.html")
	if err := os.Symlink(linkTarget, link); err != nil {
		t.Fatal(err)
	}
	dotdot := filepath.Join(dir, "..", "..", "..", filepath.Base(outside), "victim.txt")
	r, _ := s.StartRun(ctx, ri)
	record(t, s, r, files...)
	for _, p := range []string{victim, link, dotdot} {
		if err := s.AddArtifact(ctx, r.ID, "report", p); err != nil {
			t.Fatal(err)
		}
	}
	r.Finish(ctx, tracking.Failed, "x")
	s.Close()

	code, out, errOut := runCmd(time.Now, "", "-db", db, "delete", "-yes", r.ID)
	if code != 1 || !strings.Contains(errOut, "outside the run's folder "+dir) {
		t.Fatalf("delete: exit %d %q %q; want exit 1 naming the kept files", code, out, errOut)
	}
	for _, p := range []string{victim, linkTarget} {
		if b, err := os.ReadFile(p); err != nil || string(b) != "keep me" {
			t.Errorf("delete touched %s outside the run folder: %q %v", p, b, err)
		}
	}
	for _, p := range files {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("the run's own %s was not deleted: %v", filepath.Base(p), err)
		}
	}
}
