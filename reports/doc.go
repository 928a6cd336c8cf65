// Package reports renders one experiment of a [tracking.Store] as a single
// self-contained HTML file: a header (experiment, config file, time span,
// trial and status counts, machine and build facts), a sortable trial table,
// learning curves, ablation comparisons for the 1x1 reductions and the
// auxiliary heads, the 1x1 parameter study, and every run with its errors,
// resolved config and artifacts.
//
// It is the only package of inceptionlab that imports gonum.org/v1/plot, and
// it reads the run database through package tracking only; the numbers of the
// parameter study arrive from the caller as a [Study].
//
// # Contract
//
// The HTML fetches nothing: charts are inline SVG, CSS and the few lines of
// JavaScript that sort the trial table are inline, and no element refers to
// a network URL. Every text that comes from configs, trial names, tags,
// params or errors is escaped (html/template for the page, vgsvg for chart
// labels), so a trial named "<script>alert(1)</script>" renders as text.
//
// Per trial name, the newest FINISHED run stands for the trial in the trial
// table, the curves and the ablations; a trial without a FINISHED run is
// shown by its newest run and marked. Every run, including FAILED and KILLED
// ones with their error texts and the older runs of a rerun trial, is listed
// in the run section. Accuracies are read as fractions in [0, 1] (as the
// runner logs them) and shown as percentages. Runs whose params differ only
// in "seed" (and the recorded "derived." facts) are grouped, and ablation
// cells show their mean, sample standard deviation and n. A missing param or
// metric renders as "—"; it never fails the report.
//
// The output is a pure function of the database, the [Options] and the
// clock: with a fixed Options.Now the same database gives byte-identical
// HTML and chart files.
//
// # Errors
//
// Errors are prefixed "reports: ". An experiment without runs fails with
// [ErrNoRuns], naming the database and listing the experiments it has;
// errors from tracking and from writing files are wrapped with %w.
package reports
