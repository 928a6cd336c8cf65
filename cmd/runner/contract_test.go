package main

import (
	"context"
	"slices"
	"testing"

	"inceptionlab/reports"
	"inceptionlab/tracking"
)

// TestRunnerWritesWhatTheReportReads is the contract between the runner (writer) and the report and
// predict (readers): a recorded run carries every derived param the report reads, under the names in
// package tracking, the artifact kinds predict and the report look for, and a tracking status.
func TestRunnerWritesWhatTheReportReads(t *testing.T) {
	e := newEnv(t)
	if code, out, errs := e.run(context.Background(), "-config", smoke, "-no-report", "-quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	runs := e.runs("smoke")
	if len(runs) == 0 {
		t.Fatal("no run recorded")
	}
	r := runs[0]
	if r.Status != tracking.Finished {
		t.Errorf("status %q, want %q", r.Status, tracking.Finished)
	}
	for _, k := range reports.ReadKeys {
		if r.Params[k] == "" {
			t.Errorf("the report reads %q; the runner did not record it (params: %v)", k, r.Params)
		}
	}
	st := e.store()
	arts, err := st.Artifacts(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, a := range arts {
		kinds = append(kinds, a.Kind)
	}
	for _, k := range []string{tracking.KindCheckpointBest, tracking.KindCheckpointLast, tracking.KindClassIndices} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %q artifact recorded (kinds: %v)", k, kinds)
		}
	}
}
