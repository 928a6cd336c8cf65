// Package fault is a fault-injection hook for tests of crash safety. Code calls [Point] at the moments a
// crash matters most (in the middle of a checkpoint write, inside a database transaction, between a
// checkpoint and its database record); normally that does nothing. The environment variable
// INCEPTIONLAB_FAULT arms points for one process:
//
//	INCEPTIONLAB_FAULT=POINT[@N][=ACTION][,POINT[@N][=ACTION]...]
//
// fires ACTION at the N-th time (default 1) the process reaches POINT. ACTION is "kill" (the default:
// SIGKILL to the process itself, as a power cut or the OOM killer would), "panic" (a Go panic with a
// message naming the point) or "hang" (block the calling goroutine for good, as a read from a slow
// device would). Points are plain names such as "checkpoint.write"; [Points] lists them.
package fault

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// EnvVar is the environment variable that arms fault points.
const EnvVar = "INCEPTIONLAB_FAULT"

// The fault points the code base calls.
const (
	ConfigLoad       = "config.load"       // a config file is about to be read
	TrialStart       = "trial.start"       // a trial holds its lock and is about to load its data and network
	CheckpointWrite  = "checkpoint.write"  // a checkpoint's temporary file is written, not yet renamed over the old one
	AfterCheckpoint  = "checkpoint.saved"  // an epoch's checkpoints are on disk, the database does not know yet
	EpochTransaction = "epoch.transaction" // inside the epoch's database transaction, before commit (tracking.FaultEpochTransaction, through tracking.Options.Fault)
)

// Points lists every fault point.
var Points = []string{ConfigLoad, TrialStart, CheckpointWrite, AfterCheckpoint, EpochTransaction}

var (
	mu    sync.Mutex
	hits  = map[string]int{}
	armed string // the EnvVar value hits was counted for
)

// Point marks a fault point: when INCEPTIONLAB_FAULT arms name for this hit, it kills the process or
// panics; otherwise it returns at once.
func Point(name string) {
	spec := os.Getenv(EnvVar)
	if spec == "" {
		return
	}
	mu.Lock()
	if spec != armed { // re-armed (tests change the variable): count afresh
		hits, armed = map[string]int{}, spec
	}
	hits[name]++
	n := hits[name]
	mu.Unlock()
	for _, item := range strings.Split(spec, ",") {
		point, action, _ := strings.Cut(strings.TrimSpace(item), "=")
		point, at, hasAt := strings.Cut(point, "@")
		want := 1
		if hasAt {
			if v, err := strconv.Atoi(at); err == nil {
				want = v
			}
		}
		if point != name || n != want {
			continue
		}
		switch action {
		case "panic":
			panic(fmt.Sprintf("fault: injected panic at %s (hit %d)", name, n))
		case "hang":
			select {}
		default:
			killSelf()
		}
	}
}
