package reports

import "errors"

// ErrNoRuns is returned (wrapped) when the experiment has no runs in the
// database. The full message reads
// `reports: experiment "x" has no runs in runs/tracking.db (experiments: a, b)`.
var ErrNoRuns = errors.New("has no runs")
