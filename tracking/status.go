package tracking

import "strings"

// Status is the lifecycle state of a run. A run starts RUNNING and ends in
// exactly one of the other three.
type Status string

// The four run states.
const (
	Running  Status = "RUNNING"
	Finished Status = "FINISHED"
	Failed   Status = "FAILED"
	Killed   Status = "KILLED"
)

// Statuses lists every valid status in display order.
var Statuses = []Status{Running, Finished, Failed, Killed}

// Reasons recorded as the error text of reaped runs.
const (
	ReasonHeartbeatLost = "heartbeat lost"
	ReasonProcessGone   = "process gone"
)

// ParseStatus accepts a status name in any letter case.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", invalid("status", s, "one of RUNNING, FINISHED, FAILED, KILLED")
}

// terminal reports whether st is a valid end state for [Run.Finish].
func (st Status) terminal() bool {
	return st == Finished || st == Failed || st == Killed
}
