package reports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"inceptionlab/internal/atomicfile"
	"inceptionlab/tracking"
)

// Options describe one report.
type Options struct {
	// Experiment names the experiment to report (required).
	Experiment string
	// ConfigFile is the experiment's config file as the user gave it; it is
	// shown in the header ("—" when empty).
	ConfigFile string
	// Study holds the 1x1 parameter study; nil renders "study not available".
	Study *Study
	// ChartsDir, if set, also receives every chart as NAME.svg and NAME.png.
	ChartsDir string
	// Now stamps the report (default time.Now); tests fix it.
	Now func() time.Time
	// Build lists facts about the machine and build shown in the header, for
	// example "go", "host", "commit", "BLAS"; keys are shown sorted.
	Build map[string]string
}

// Generate writes the experiment's report as one self-contained HTML page
// to w. Links to artifacts are absolute file: URLs, since w has no place
// on disk; [WriteFile] links them relative to the report instead.
func Generate(ctx context.Context, st *tracking.Store, opts Options, w io.Writer) error {
	return generate(ctx, st, opts, "", w)
}

// WriteFile writes the report to path atomically (a temporary file in the
// same directory, renamed over path), creating the directory if needed.
// Artifact links are relative to path's directory.
func WriteFile(ctx context.Context, st *tracking.Store, opts Options, path string) error {
	if strings.TrimSpace(path) == "" {
		return fmt.Errorf("reports: output path %q: want a file name such as runs/x/report.html", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("reports: output path %q: %w", path, err)
	}
	var b bytes.Buffer
	if err := generate(ctx, st, opts, filepath.Dir(abs), &b); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fmt.Errorf("reports: output dir: %w", err)
	}
	return writeAtomic(abs, b.Bytes())
}

func generate(ctx context.Context, st *tracking.Store, opts Options, baseDir string, w io.Writer) error {
	if st == nil {
		return fmt.Errorf("reports: nil store")
	}
	if strings.TrimSpace(opts.Experiment) == "" {
		return fmt.Errorf("reports: Options.Experiment %q: want the name of an experiment in %s", opts.Experiment,
			st.Path())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	runs, err := loadRuns(ctx, st, opts.Experiment)
	if err != nil {
		return err
	}
	pg, charts, err := buildPage(runs, opts, baseDir)
	if err != nil {
		return err
	}
	if opts.ChartsDir != "" {
		if err := writeChartFiles(opts.ChartsDir, charts); err != nil {
			return err
		}
	}
	// Render fully before writing, so a failure leaves w untouched.
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, pg); err != nil {
		return fmt.Errorf("reports: render: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("reports: write: %w", err)
	}
	return nil
}

// writeAtomic writes b to path atomically and durably (internal/atomicfile).
func writeAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
