package tracking

import (
	"os"
	"path/filepath"
	"testing"
)

// A resumed run continues the files of the run it resumed from, so those files become its artifacts: the
// earlier (KILLED) run no longer lists them, and deleting it hands back none of them to remove.
func TestResumedRunTakesOverArtifacts(t *testing.T) {
	s := openMem(t, newClock())
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "last.safetensors")
	os.WriteFile(ckpt, []byte("epoch 1"), 0o644)
	first := mustStart(t, s, info("e", "t"))
	if err := first.AddArtifact(ctx, KindCheckpointLast, ckpt); err != nil {
		t.Fatal(err)
	}
	first.Finish(ctx, Killed, "interrupt signal received")
	ri := info("e", "t")
	ri.ResumedFrom = first.ID
	second := mustStart(t, s, ri)
	if arts, _ := s.Artifacts(ctx, second.ID); len(arts) != 1 || arts[0].Path != ckpt {
		t.Fatalf("resumed run's artifacts = %+v, want the checkpoint it continues", arts)
	}
	if arts, _ := s.Artifacts(ctx, first.ID); len(arts) != 0 {
		t.Fatalf("the run resumed from still lists %+v", arts)
	}
	second.Finish(ctx, Finished, "")
	arts, err := s.Delete(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 0 {
		t.Fatalf("deleting the KILLED run returned files of the FINISHED run to remove: %+v", arts)
	}
}

// Files recorded by several runs (a database written before resumed runs took over their files, or a
// merge) are never handed out for removal while another run still records them.
func TestDeleteKeepsFilesOfOtherRuns(t *testing.T) {
	s := openMem(t, newClock())
	dir := t.TempDir()
	shared := filepath.Join(dir, "best.safetensors")
	own := filepath.Join(dir, "own.txt")
	os.WriteFile(shared, []byte("w"), 0o644)
	os.WriteFile(own, []byte("o"), 0o644)
	a := mustStart(t, s, info("e", "t"))
	a.AddArtifact(ctx, KindCheckpointBest, shared)
	a.AddArtifact(ctx, KindReport, own)
	a.Finish(ctx, Failed, "x")
	b := mustStart(t, s, info("e", "t"))
	b.AddArtifact(ctx, KindCheckpointBest, shared)
	b.Finish(ctx, Finished, "")
	arts, err := s.Delete(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(arts) != 1 || arts[0].Path != own {
		t.Fatalf("Delete returned %+v, want only %s", arts, own)
	}
}
