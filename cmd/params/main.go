// Command params prints the parameter and multiply-add table of a GoogLeNet config, or the 1x1 reduction
// study, in plain Go from the network description (no graph is built).
//
//	params [-config FILE] [-set key=value]... [-json]      per-block table of the config's network
//	params -study [-config FILE] [-set key=value]... [-json] the 1x1 reduction study
//
// Without -config it describes the paper's network: 224x224 RGB, 1000 classes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"inceptionlab/experiments"
	"inceptionlab/model/arch"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("params", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		config  string
		sets    multiFlag
		asJSON  bool
		study   bool
		classes int
	)
	fs.StringVar(&config, "config", "", "experiment config `file` (default: the paper's network at 224x224, 1000 classes)")
	fs.Var(&sets, "set", "override a config key, `key=value` (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	fs.BoolVar(&study, "study", false, "print the 1x1 reduction study instead of the per-block table")
	fs.IntVar(&classes, "classes", 5, "number of classes for a folder source when model.num_classes is 0")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: params [-config FILE] [-set key=value]... [-study] [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "params: unexpected argument %q (flags only; see -h)\n", fs.Arg(0))
		return 2
	}
	if config == "" && len(sets) > 0 {
		fmt.Fprintln(stderr, "params: -set needs -config")
		return 2
	}
	if classes < 2 {
		fmt.Fprintf(stderr, "params: -classes must be >= 2, got %d\n", classes)
		return 2
	}
	spec := arch.DefaultSpec(1000)
	if config != "" {
		exp, err := experiments.Load(config, sets)
		if err != nil {
			fmt.Fprintln(stderr, "params:", err)
			return 2
		}
		spec = exp.SpecForConfig(classes)
	}
	var err error
	if study {
		err = renderStudy(stdout, spec, asJSON)
	} else {
		var p *arch.Plan
		if p, err = arch.NewPlan(spec); err == nil {
			err = renderTable(stdout, p, asJSON)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "params:", err)
		return 1
	}
	return 0
}
