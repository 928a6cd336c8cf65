package wire

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"inceptionlab/experiments"
	"inceptionlab/internal/fault"
	"inceptionlab/tracking"
)

// OpenStore opens (creating it and its folder if needed) the tracking database at path.
func OpenStore(path string) (*tracking.Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the database folder: %w", err)
	}
	return tracking.Open(path, tracking.Options{Fault: fault.Point})
}

// LiveReport returns a runner AfterEpoch hook that rewrites the experiment's report (atomically, so a
// browser never reads half a file) after every epoch, one rewrite at a time. The first failure goes to
// warn; a failure never stops training, and the final report is written anyway.
func LiveReport(ctx context.Context, st *tracking.Store, exp *experiments.Experiment, configFile, outDir string, b Build,
	warn func(error)) func(string) {
	var mu sync.Mutex
	warned := false
	return func(string) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := WriteReport(context.WithoutCancel(ctx), st, exp, configFile, outDir, b); err != nil && !warned {
			warned = true
			warn(fmt.Errorf("warning: rewriting the live report: %w", err))
		}
	}
}
