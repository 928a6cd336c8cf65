// Command report renders one experiment of a run database as a
// self-contained HTML report (see package reports).
//
//	report -db runs/tracking.db -experiment ablation_1x1 [-out FILE.html] [-charts DIR] [-config FILE]
//
// -out defaults to runs/<experiment>/report.html; -charts also writes every
// chart as SVG and PNG into DIR. The database is opened read-only and is
// never created: a missing file is an error. Errors are one line on stderr
// with a non-zero exit status (2 for bad flags, 1 otherwise).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/cmd/internal/wire"
	"inceptionlab/reports"
	"inceptionlab/tracking"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// newStudy, when set (by the file that wires the model's parameter study),
// computes the 1x1 study shown in the report. Nil, or a nil result, renders
// "study not available".
var newStudy func(ctx context.Context, st *tracking.Store, experiment, configFile string) (*reports.Study, error)

// run is main without the process: it parses args, writes the report and
// returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := cli.NewFlagSet("report", "report -db FILE -experiment NAME [-out DIR | -html FILE] [-charts DIR] [-config FILE]")
	db := fl.String("db", "runs/tracking.db", "run database `file` to read (opened read-only, never created)")
	experiment := fl.String("experiment", "", "experiment to report (required)")
	outDir := fl.String("out", "runs", "output `folder`, as for the runner: the report goes to OUT/EXPERIMENT/report.html")
	html := fl.String("html", "", "write the report to this `file` instead of OUT/EXPERIMENT/report.html")
	charts := fl.String("charts", "", "also write every chart as SVG and PNG into this `folder`")
	config := fl.String("config", "", "the experiment's config `file`, shown in the report header")
	if code, ok := cli.Parse(fl, args, stdout, stderr); !ok {
		return code
	}
	if fl.NArg() > 0 {
		return cli.UsageError(stderr, "report", fmt.Errorf("unexpected argument %q; all options are flags (-experiment NAME)", fl.Arg(0)))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	path, err := writeReport(ctx, *db, *experiment, *outDir, *html, *charts, *config, stderr)
	if err != nil {
		return cli.Fail(stderr, "report", 1, err)
	}
	fmt.Fprintf(stdout, "report: wrote %s\n", path)
	return 0
}

func writeReport(ctx context.Context, db, experiment, outDir, out, charts, config string, stderr io.Writer) (string, error) {
	if _, err := os.Stat(db); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("report: -db %s: no such file (the runner creates it; pass -db to read another)", db)
		}
		return "", fmt.Errorf("report: -db %s: %w", db, err)
	}
	st, err := tracking.Open(db, tracking.Options{ReadOnly: true})
	if err != nil {
		return "", fmt.Errorf("report: -db %s: %w", db, err)
	}
	defer st.Close()
	if strings.TrimSpace(experiment) == "" {
		names, err := st.Experiments(ctx)
		if err != nil {
			return "", err
		}
		return "", fmt.Errorf("report: -experiment is required; %s has: %s", db, orNone(names))
	}
	if out == "" {
		if experiment != filepath.Base(experiment) || experiment == "." || experiment == ".." {
			return "", fmt.Errorf("report: -experiment %q cannot name a folder under -out; pass -html FILE.html",
				experiment)
		}
		out = filepath.Join(outDir, experiment, "report.html")
	}
	opts := reports.Options{Experiment: experiment, ConfigFile: config, ChartsDir: charts, Build: buildFacts()}
	if newStudy != nil {
		// The study is a section of the report, not its point: without it the report still shows every run.
		if opts.Study, err = newStudy(ctx, st, experiment, config); err != nil {
			fmt.Fprintln(stderr, oneLine("report: warning: the 1x1 parameter study section is left out: "+err.Error()))
			opts.Study = nil
		}
	}
	if err := reports.WriteFile(ctx, st, opts, out); err != nil {
		return "", err
	}
	return out, nil
}

// buildFacts describes the machine and binary that rendered the report.
func buildFacts() map[string]string {
	m := map[string]string{
		"Report Go":       runtime.Version(),
		"Report platform": runtime.GOOS + "/" + runtime.GOARCH + ", " + strconv.Itoa(runtime.NumCPU()) + " CPUs",
	}
	if h, err := os.Hostname(); err == nil {
		m["Report host"] = h
	}
	if c := wire.BuildInfo().Commit(); c != "" {
		m["Report commit"] = c
	}
	return m
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "no experiments"
	}
	return strings.Join(names, ", ")
}

// oneLine folds a multi-line error into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
