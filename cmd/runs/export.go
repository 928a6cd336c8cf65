package main

import (
	"context"
	"flag"

	"inceptionlab/tracking"
)

func (a *app) export(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "", "output `format`: csv or json (required)")
	what := fs.String("what", "epochs", "what to export: `epochs`, predictions (one row per test example) or confusion")
	filter := filterFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("export takes no arguments, got %q", pos)
	}
	if *format != "csv" && *format != "json" {
		return usagef("export: -format must be csv or json, got %q", *format)
	}
	switch *what {
	case "epochs", tracking.ExportPredictions, tracking.ExportConfusion:
	default:
		return usagef("export: -what must be epochs, predictions or confusion, got %q", *what)
	}
	f, conds, err := filter()
	if err != nil {
		return err
	}
	if len(conds) > 0 {
		return usagef("export: -where takes params (key=value) only; metric comparisons work with list")
	}
	s, err := a.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	if *what != "epochs" {
		return s.ExportEvaluation(context.Background(), a.stdout, *format, *what, f)
	}
	return s.Export(context.Background(), a.stdout, *format, f)
}
