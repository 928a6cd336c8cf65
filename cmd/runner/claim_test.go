package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"inceptionlab/tracking"
)

// Issue 15 case 3: two identical runners started together train the trial once. The one that finds the
// trial claimed reports it and exits with ExitBusy, so a cluster scheduler does not count it a success.
func TestConcurrentRunnersTrainTrialOnce(t *testing.T) {
	e := newEnv(t)
	args := []string{"-db", e.db(), "-out", e.out(), "-config", smoke, "-set", "train.epochs=3", "-no-report", "-quiet"}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	outs := make([]string, 2)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var out, errb bytes.Buffer
			codes[i] = run(context.Background(), args, &out, &errb)
			outs[i] = out.String() + errb.String()
		}(i)
	}
	wg.Wait()
	finished := 0
	for _, r := range e.runs("smoke") {
		if r.Status == tracking.Finished {
			finished++
		}
	}
	if finished != 1 {
		t.Errorf("%d FINISHED runs of the one trial, want 1", finished)
	}
	ok, busy := 0, 0
	for i, c := range codes {
		switch c {
		case 0:
			ok++
		case ExitBusy:
			busy++
			if !strings.Contains(outs[i], "claimed by another live runner") {
				t.Errorf("busy runner does not say why:\n%s", outs[i])
			}
		default:
			t.Errorf("runner %d: exit %d\n%s", i, c, outs[i])
		}
	}
	if ok != 1 || busy != 1 {
		t.Fatalf("exit codes %v, want one 0 and one %d", codes, ExitBusy)
	}
}
