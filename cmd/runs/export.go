package main

import (
	"context"
	"flag"
)

func (a *app) export(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	format := fs.String("format", "", "output `format`: csv or json (required)")
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
	f, err := filter()
	if err != nil {
		return err
	}
	s, err := a.open(true)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Export(context.Background(), a.stdout, *format, f)
}
