package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"sort"
	"strings"
	"text/tabwriter"

	"inceptionlab/internal/numfmt"
	"inceptionlab/reports"
	"inceptionlab/tracking"
)

// diff prints what differs between two runs: the params (the flattened resolved config and the
// derived facts), the metrics with B - A, and, when both have per-example test predictions on the same
// examples, the paired test (exact McNemar, paired bootstrap CI).
func (a *app) diff(args []string) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("diff takes two run ids (or unambiguous prefixes), got %d", len(pos))
	}
	s, err := a.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	var runs [2]tracking.RunSummary
	for i, id := range pos {
		if runs[i], err = s.Run(ctx, id); err != nil {
			return err
		}
	}
	ra, rb := runs[0], runs[1]
	w := a.stdout
	fmt.Fprintf(w, "A  %s  %s / %s  %s\n", ra.ID, ra.Experiment, ra.Trial, ra.Status)
	fmt.Fprintf(w, "B  %s  %s / %s  %s\n", rb.ID, rb.Experiment, rb.Trial, rb.Status)

	keys := map[string]bool{}
	for k := range ra.Params {
		keys[k] = true
	}
	for k := range rb.Params {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		va, oka := ra.Params[k]
		vb, okb := rb.Params[k]
		if va != vb || oka != okb {
			diffs = append(diffs, k)
		}
	}
	sort.Strings(diffs)
	fmt.Fprintf(w, "\nconfig (%d differ):\n", len(diffs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(diffs) > 0 {
		fmt.Fprintln(tw, "  KEY\tA\tB")
	}
	show := func(p map[string]string, k string) string {
		if v, ok := p[k]; ok {
			return v
		}
		return "(unset)"
	}
	for _, k := range diffs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, show(ra.Params, k), show(rb.Params, k))
	}
	tw.Flush()

	fmt.Fprintln(w, "\nmetrics:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  METRIC\tA\tB\tB - A")
	for _, m := range metricNames {
		x, y := metricOf(ra, m), metricOf(rb, m)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", m, metricText(m, x), metricText(m, y), deltaText(m, y-x))
	}
	tw.Flush()
	if cav := tracking.ReproducibilityCaveats(ra, rb); len(cav) > 0 {
		fmt.Fprintln(w, "\nreproducibility (why equal configs could still give different numbers):")
		for _, c := range cav {
			fmt.Fprintf(w, "  - %s\n", c)
		}
	}

	pa, err := s.Predictions(ctx, ra.ID, tracking.SplitTest)
	if err != nil {
		return err
	}
	pb, err := s.Predictions(ctx, rb.ID, tracking.SplitTest)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	if len(pa) == 0 || len(pb) == 0 || !sameExamples(pa, pb) {
		why := "one of the runs has no per-example test predictions"
		if len(pa) > 0 && len(pb) > 0 {
			why = "the runs were evaluated on different test examples"
		}
		fmt.Fprintf(w, "paired test: not available (%s)\n", why)
		return nil
	}
	ca, cb := make([]bool, len(pa)), make([]bool, len(pb))
	for i := range pa {
		ca[i], cb[i] = pa[i].Correct(), pb[i].Correct()
	}
	p := reports.PairedTest(cb, ca) // B - A, like the metric deltas
	reading := "not distinguishable at this sample size"
	switch {
	case p.CILow > 0:
		reading = "B is higher (the 95% CI excludes 0)"
	case p.CIHigh < 0:
		reading = "B is lower (the 95% CI excludes 0)"
	}
	fmt.Fprintf(w, "paired test on the same %d test images: B - A = %+.1f points top-1 (paired bootstrap 95%% CI %+.1f to %+.1f, "+
		"%d resamples); exact McNemar p = %s (only A right: %d, only B right: %d): %s\n",
		p.N, 100*p.Diff, 100*p.CILow, 100*p.CIHigh, reports.BootstrapResamples, pValue(p.P), p.OnlyB, p.OnlyA, reading)
	return nil
}

// sameExamples reports whether two prediction lists cover the same examples with the same labels.
func sameExamples(a, b []tracking.Prediction) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Example != b[i].Example || a[i].Label != b[i].Label {
			return false
		}
	}
	return true
}

func metricText(m string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case m == "epochs" || m == "best_epoch":
		return fmt.Sprintf("%.0f", v)
	case m == "seconds":
		return fmt.Sprintf("%.1f", v)
	case strings.Contains(m, "top"):
		return numfmt.Percent(v)
	}
	return fmt.Sprintf("%.4f", v)
}

func deltaText(m string, d float64) string {
	switch {
	case math.IsNaN(d):
		return "-"
	case m == "epochs" || m == "best_epoch":
		return fmt.Sprintf("%+.0f", d)
	case m == "seconds":
		return fmt.Sprintf("%+.1f", d)
	case strings.Contains(m, "top"):
		return fmt.Sprintf("%+.1f points", 100*d)
	}
	return fmt.Sprintf("%+.4f", d)
}

func pValue(p float64) string {
	if p < 0.001 {
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3g", p)
}
