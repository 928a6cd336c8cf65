// Command runs inspects and edits the inceptionlab run database: list runs,
// show one run, export epochs as CSV or JSON, tag runs, delete runs, and
// merge shard databases.
//
//	runs [-db FILE] list [-experiment NAME] [-status S] [-where key=value | -where METRIC>N]... [-sort [-]KEY]
//	runs [-db FILE] diff A B
//	runs [-db FILE] show ID
//	runs [-db FILE] export -format csv|json [-what epochs|predictions|confusion] [-experiment NAME] [-status S] [-where key=value]...
//	runs [-db FILE] tag ID key=value...
//	runs [-db FILE] delete [-yes] [-out DIR] ID
//	runs [-db FILE] merge SHARD.db...
//
// delete removes only files that lie in the run's own trial folder under the output root, that no other
// run records (a resumed run takes over the files of the run it continues), and never follows a symlink
// or a path outside that folder; such files are kept and named.
//
// ID may be any unambiguous prefix of a run id. Errors are one line on
// stderr; the exit status is 2 for usage errors and 1 for anything else.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"inceptionlab/tracking"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Stdin))
}

// run is the whole command, testable without a process.
func run(args []string, stdout, stderr io.Writer, stdin io.Reader) int {
	a := &app{stdout: stdout, stderr: stderr, stdin: stdin, now: time.Now}
	return a.main(args)
}

const usage = `usage: runs [-db FILE] COMMAND [flags] [args]

commands:
  list    [-experiment NAME] [-status S] [-where key=value | -where 'best_val_top1>0.8']... [-sort [-]KEY]
                                                               table of runs with their tags; -sort -test_top1
                                                               sorts by a metric, descending
  diff    A B                                                  config differences, metric deltas and, when both
                                                               have test predictions, the paired test
  show    ID                                                   config, params, epochs, artifacts
  export  -format csv|json [-what epochs|predictions|confusion] [-experiment NAME] [-status S] [-where key=value]...
                                                               every epoch of the runs, params as columns; with
                                                               -what, each test example's prediction or the
                                                               val/test confusion matrices
  tag     ID key=value...                                      set tags on a run
  delete  [-yes] [-out DIR] ID                                 delete a run and the files only it owns in its
                                                               trial folder OUT/EXPERIMENT/TRIAL-HASH8
                                                               (-out defaults to the folder of -db)
  merge   SHARD.db...                                          fold shard databases into -db

ID is a run id or an unambiguous prefix of one. -db defaults to runs/tracking.db (the runner's) and
may also be given after the command.
`

// app carries the command's streams and clock (fixed in tests).
type app struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	now            func() time.Time
	db             string
}

// usageError marks errors that print the usage hint and exit 2.
type usageError struct{ msg, cmd string } // cmd: the command whose -h the hint names ("" = runs)

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

type command struct {
	run      func(a *app, args []string) error
	readOnly bool // may fall back to a read-only open
}

var commands = map[string]command{
	"list":   {(*app).list, true},
	"show":   {(*app).show, true},
	"export": {(*app).export, true},
	"diff":   {(*app).diff, true},
	"tag":    {(*app).tag, false},
	"delete": {(*app).delete, false},
	"merge":  {(*app).merge, false},
}

func (a *app) main(args []string) int {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.db, "db", filepath.Join("runs", "tracking.db"), "run database `file`")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, usage)
			return 0
		}
		return a.fail(usagef("%v", err))
	}
	if fs.NArg() == 0 {
		return a.fail(usagef("no command given"))
	}
	name := fs.Arg(0)
	if name == "help" {
		fmt.Fprint(a.stdout, usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		return a.fail(usagef("unknown command %q (want list, show, diff, export, tag, delete or merge)", name))
	}
	return a.fail(cmd.run(a, fs.Args()[1:]))
}

// fail prints err (if any) as one line and returns the exit status.
func (a *app) fail(err error) int {
	if err == nil || errors.Is(err, errHelpShown) {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	var ue usageError
	if errors.As(err, &ue) {
		cmd := ue.cmd
		if cmd == "" {
			cmd = "runs"
		}
		fmt.Fprintf(a.stderr, "runs: %s (run '%s -h' for usage)\n", msg, cmd)
		return 2
	}
	fmt.Fprintf(a.stderr, "runs: %s\n", msg)
	return 1
}

// synopses are the subcommands' usage lines (runs COMMAND -h prints one with the command's flags).
var synopses = map[string]string{
	"list":   "runs [-db FILE] list [-experiment NAME] [-status S] [-where key=value]...",
	"show":   "runs [-db FILE] show ID",
	"diff":   "runs [-db FILE] diff A B",
	"export": "runs [-db FILE] export -format csv|json [-what epochs|predictions|confusion] [-experiment NAME] [-status S] [-where key=value]...",
	"tag":    "runs [-db FILE] tag ID key=value...",
	"delete": "runs [-db FILE] delete [-yes] [-out DIR] ID",
	"merge":  "runs [-db FILE] merge SHARD.db...",
}

// errHelpShown is returned after a subcommand printed its usage for -h: exit 0.
var errHelpShown = errors.New("help shown")

// parse parses a subcommand's flags, allowing flags after positional
// arguments ("delete ID -yes"), and returns the positional arguments.
// -h prints the subcommand's usage to stdout (and parse returns errHelpShown).
func (a *app) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&a.db, "db", a.db, "run database `file`")
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(a.stdout, "usage: %s\n\nflags:\n", synopses[fs.Name()])
			fs.SetOutput(a.stdout)
			fs.PrintDefaults()
			return nil, errHelpShown
		} else if err != nil {
			return nil, usageError{msg: fmt.Sprintf("%s: %v", fs.Name(), err), cmd: "runs " + fs.Name()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// open opens the database, which must exist. Commands that only read fall
// back to a read-only open when the file or its directory is read-only.
func (a *app) open(readOnly bool) (*tracking.Store, error) {
	if _, err := os.Stat(a.db); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist (use -db FILE)", a.db)
		}
		return nil, err
	}
	s, err := tracking.Open(a.db, tracking.Options{Now: a.now})
	if readOnly && errors.Is(err, tracking.ErrReadOnly) {
		s, err = tracking.Open(a.db, tracking.Options{Now: a.now, ReadOnly: true})
	}
	return s, err
}

// openRun opens the database (see open) and resolves id (or an unambiguous prefix) to its run. The
// caller closes the store.
func (a *app) openRun(readOnly bool, id string) (*tracking.Store, tracking.RunSummary, error) {
	s, err := a.open(readOnly)
	if err != nil {
		return nil, tracking.RunSummary{}, err
	}
	r, err := s.Run(context.Background(), id)
	if err != nil {
		s.Close()
		return nil, tracking.RunSummary{}, err
	}
	return s, r, nil
}

// keyValues parses key=value arguments.
type keyValues map[string]string

func (kv keyValues) String() string { return fmt.Sprint(map[string]string(kv)) }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	kv[k] = v
	return nil
}

// whereFlag collects -where arguments: param equalities (key=value) and metric comparisons
// (best_val_top1>0.8), checked as they are parsed.
type whereFlag struct {
	params keyValues
	conds  []metricCond
}

func (w *whereFlag) String() string { return fmt.Sprint(map[string]string(w.params), w.conds) }

func (w *whereFlag) Set(s string) error {
	c, k, v, err := parseWhere(s)
	if err != nil {
		return err
	}
	if c != nil {
		w.conds = append(w.conds, *c)
		return nil
	}
	if k == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	w.params[k] = v
	return nil
}

// filterFlags registers -experiment, -status and -where on fs. The returned function gives the
// store filter and the metric comparisons the caller must apply to its result.
func filterFlags(fs *flag.FlagSet) func() (tracking.Filter, []metricCond, error) {
	exp := fs.String("experiment", "", "only runs of experiment `NAME`")
	status := fs.String("status", "", "only runs with status `S` (RUNNING, FINISHED, FAILED, KILLED)")
	where := &whereFlag{params: keyValues{}}
	fs.Var(where, "where", "only runs whose param `key=value`, or whose metric compares, e.g. best_val_top1>0.8 (repeatable)")
	return func() (tracking.Filter, []metricCond, error) {
		f := tracking.Filter{Experiment: *exp, Where: where.params}
		if *status != "" {
			st, err := tracking.ParseStatus(*status)
			if err != nil {
				return f, nil, usagef("-status: %v", err)
			}
			f.Status = st
		}
		return f, where.conds, nil
	}
}
