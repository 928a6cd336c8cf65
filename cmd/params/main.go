// Command params prints the parameter and multiply-add table of a GoogLeNet config, or the 1x1 reduction
// study, in plain Go from the network description (no graph is built).
//
//	params [-config FILE] [-set key=value]... [-json]      per-block table of the config's network
//	params -study [-config FILE] [-set key=value]... [-json] the 1x1 reduction study
//
// Without -config it describes the paper's network: 224x224 RGB, 1000 classes; -set overrides apply to
// that default config too.
package main

import (
	"fmt"
	"io"
	"os"

	"inceptionlab/cmd/internal/cli"
	"inceptionlab/experiments"
	"inceptionlab/model/arch"
)

// paperConfig is the config params describes without -config: every key at its default, with the paper's
// input (224x224 RGB) and class count.
const paperConfig = "name: paper\ndata: {image_size: 224, channels: 3}\nmodel: {num_classes: 1000}\n"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("params", "params [-config FILE] [-set key=value]... [-classes N] [-study] [-json]")
	var (
		config  string
		sets    []string
		asJSON  bool
		study   bool
		classes int
	)
	fs.StringVar(&config, "config", "", "experiment config `file` (default: the paper's network at 224x224, 1000 classes)")
	fs.Func("set", "override a config key, `key=value` (repeatable); without -config, of the default config (every key at its default)", func(v string) error {
		sets = append(sets, v)
		return nil
	})
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	fs.BoolVar(&study, "study", false, "print the 1x1 reduction study instead of the per-block table")
	fs.IntVar(&classes, "classes", 5, "number of classes for a folder source when model.num_classes is 0")
	if code, ok := cli.Parse(fs, args, stdout, stderr); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return cli.UsageError(stderr, "params", fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0)))
	case classes < 2:
		return cli.UsageError(stderr, "params", fmt.Errorf("-classes must be >= 2, got %d", classes))
	}
	spec := arch.DefaultSpec(1000)
	switch {
	case config != "":
		exp, err := experiments.Load(config, sets)
		if err != nil {
			return cli.Fail(stderr, "params", 2, err)
		}
		spec = exp.SpecForConfig(classes)
	case len(sets) > 0:
		// The overrides apply to the default config: the paper's network.
		exp, err := experiments.Parse("(default: the paper's network)", []byte(paperConfig), sets)
		if err != nil {
			return cli.Fail(stderr, "params", 2, err)
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
		return cli.Fail(stderr, "params", 1, err)
	}
	return 0
}
