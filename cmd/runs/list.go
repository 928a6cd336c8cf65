package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"inceptionlab/tracking"
)

// idPrefixLen is how much of a run id the list shows; show and the other
// commands accept it back.
const idPrefixLen = 8

func (a *app) list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	filter := filterFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("list takes no arguments, got %q", pos)
	}
	f, err := filter()
	if err != nil {
		return err
	}
	s, err := a.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), f)
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintln(a.stdout, "no runs")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEXPERIMENT\tTRIAL\tSTATUS\tBEST VAL TOP-1\tAT EPOCH\tEPOCHS\tDURATION")
	for _, r := range runs {
		best, at := "-", "-"
		if r.BestEpoch >= 0 {
			best, at = fmt.Sprintf("%.4f", r.BestValTop1), fmt.Sprint(r.BestEpoch)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", short(r.ID), r.Experiment, r.Trial, r.Status,
			best, at, r.Epochs, duration(r.Duration()))
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
