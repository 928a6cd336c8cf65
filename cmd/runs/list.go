package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"inceptionlab/internal/numfmt"
	"inceptionlab/tracking"
)

// idPrefixLen is how much of a run id the list shows; show and the other
// commands accept it back.
const idPrefixLen = 8

func (a *app) list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	filter := filterFlags(fs)
	sortBy := fs.String("sort", "", "order by a metric (best_val_top1, test_top1, ...) or trial, experiment, status, start; `-KEY` for descending")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("list takes no arguments, got %q", pos)
	}
	f, conds, err := filter()
	if err != nil {
		return err
	}
	if *sortBy != "" {
		if err := sortRuns(nil, *sortBy); err != nil {
			return usagef("list: %v", err)
		}
	}
	s, err := a.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.Runs(context.Background(), f)
	if err != nil {
		return err
	}
	var runs []tracking.RunSummary
	for _, r := range all {
		ok := true
		for _, c := range conds {
			ok = ok && c.holds(r)
		}
		if ok {
			runs = append(runs, r)
		}
	}
	if *sortBy != "" {
		sortRuns(runs, *sortBy)
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "no runs")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEXPERIMENT\tTRIAL\tSTATUS\tBEST VAL TOP-1\tAT EPOCH\tTEST TOP-1\tEPOCHS\tDURATION\tTAGS")
	for _, r := range runs {
		best, at, test := "-", "-", "-"
		if r.BestEpoch >= 0 {
			best, at = numfmt.Percent(r.BestValTop1), fmt.Sprint(r.BestEpoch)
		}
		if r.TestTop1 != nil {
			test = numfmt.Percent(*r.TestTop1)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", short(r.ID), r.Experiment, r.Trial, r.Status,
			best, at, test, r.Epochs, duration(r.Duration()), tagText(r.Tags))
	}
	return tw.Flush()
}

func short(id string) string {
	if len(id) > idPrefixLen {
		return id[:idPrefixLen]
	}
	return id
}

func duration(d time.Duration) string {
	return d.Round(time.Second).String()
}

// status formats a status with its error for one-line display.
func statusText(r tracking.RunSummary) string {
	if r.Error == "" {
		return string(r.Status)
	}
	return fmt.Sprintf("%s (%s)", r.Status, firstLine(r.Error))
}
