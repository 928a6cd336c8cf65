// Package reports renders one experiment of a [tracking.Store] as a single
// self-contained HTML file: a header (experiment, config file, time span,
// trial and status counts, machine and build facts), a sortable trial table,
// ablation comparisons for the 1x1 reductions and the auxiliary heads with
// verdicts that say whether a difference is real, variants with seeds
// pooled, hyperparameters against metrics, per-class accuracy and confusion
// matrices, misclassified test images, learning curves, the 1x1 parameter
// study, and every run with its errors, resolved config and artifacts.
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
// in "seed" (and the recorded "derived." facts) are grouped into a variant;
// cells show the mean ± the half-width of the t-based 95% confidence
// interval over its seeds (an interval passing 0% or 100%, which few seeds
// near the bounds give, is clipped there and shown as "99.2% +0.8/−2.6";
// the chart's error bars are clipped the same way), curves the mean with a
// min-max band. The per-class
// table is the exception: a class has few examples, so it shows the accuracy
// pooled over the seeds as correct/examples with the Wilson 95% interval of
// that proportion ([Wilson]), which stays inside [0, 100]. A missing
// param or metric renders as "—"; it never fails the report.
//
// # Verdicts
//
// Every ablation pair states subject minus base for best validation and
// test top-1 with the Welch 95% CI and p over seeds ([WelchTest]), and, for
// same-seed runs with per-example test predictions on the same examples,
// the paired bootstrap CI and the exact McNemar p ([PairedTest]). A CI
// that covers 0 reads "not distinguishable at this sample size". The
// statistics are in stats.go (stdlib and gonum's distuv only); the
// bootstrap uses a fixed seed, so the report stays a pure function of the
// database.
//
// A report of an experiment with RUNNING runs reloads itself every
// [RefreshSeconds] (a meta refresh); the runner rewrites it after every
// epoch, and the first report without RUNNING runs stops reloading.
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
