package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"inceptionlab/experiments"
	"inceptionlab/internal/atomicfile"
	"inceptionlab/tracking"
)

// Engine is a cluster engine the sweep can be handed to.
type Engine string

// The engines.
const (
	Slurm Engine = "slurm"
	K8s   Engine = "k8s"
)

// Engines lists the valid engines.
var Engines = []Engine{Slurm, K8s}

// Plan is an expanded sweep ready to hand to an engine.
type Plan struct {
	Exp    *experiments.Experiment
	Trials []experiments.Trial
	Config string   // absolute path of the config file
	Sets   []string // the -set overrides, passed on to every task
	Out    string   // absolute output folder
	Dir    string   // <out>/<experiment>/<engine>
	Engine Engine
	Bin    string // the runner command shown in printed command lines ("runner" until EmitSlurm sets it)
}

// NewPlan expands the sweep of exp (loaded from configPath with the overrides sets) for engine, with
// trial folders and shards under outDir.
func NewPlan(exp *experiments.Experiment, configPath string, sets []string, outDir string, engine Engine) (*Plan, error) {
	trials, err := exp.Trials()
	if err != nil {
		return nil, err
	}
	config, err := filepath.Abs(configPath)
	if err != nil {
		return nil, fmt.Errorf("config path %s: %w", configPath, err)
	}
	out, err := filepath.Abs(outDir)
	if err != nil {
		return nil, fmt.Errorf("-out %s: %w", outDir, err)
	}
	return &Plan{Exp: exp, Trials: trials, Config: config, Sets: sets, Out: out,
		Dir: filepath.Join(out, exp.Name, string(engine)), Engine: engine, Bin: "runner"}, nil
}

// ShardDir is the folder of the tasks' shard databases.
func (p *Plan) ShardDir() string { return filepath.Join(p.Dir, "shards") }

// Shard is the database trial index i writes.
func (p *Plan) Shard(i int) string {
	return filepath.Join(p.ShardDir(), "task-"+strconv.Itoa(i)+".db")
}

// TrialsFile is the tab-separated list of the plan's trials.
func (p *Plan) TrialsFile() string { return filepath.Join(p.Dir, "trials.tsv") }

// Prepare creates the engine folder with shards/ and writes trials.tsv.
func (p *Plan) Prepare() error {
	if err := os.MkdirAll(p.ShardDir(), 0o755); err != nil {
		return fmt.Errorf("creating the shard folder: %w", err)
	}
	var b strings.Builder
	b.WriteString("index\ttrial\thash\n")
	for _, t := range p.Trials {
		fmt.Fprintf(&b, "%d\t%s\t%s\n", t.Index, t.Name, t.Hash)
	}
	if err := writeFileAtomic(p.TrialsFile(), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the trial list: %w", err)
	}
	return nil
}

// CollectCommand is the command line that merges this plan's shards into db later.
func (p *Plan) CollectCommand(db string) string {
	if abs, err := filepath.Abs(db); err == nil {
		db = abs
	}
	args := []string{p.Bin, "-config", p.Config}
	for _, s := range p.Sets {
		args = append(args, "-set", s)
	}
	args = append(args, "-out", p.Out, "-db", db, "-collect", string(p.Engine))
	for i, a := range args {
		args[i] = ShellQuote(a)
	}
	return strings.Join(args, " ")
}

// Collect merges the shard of every trial that has one into st and prints a table of the trials'
// outcomes in the merged database to w. It returns how many trials have a FINISHED run. A shard that
// cannot be merged (corrupt, newer schema) is an error naming it; the shards before it stay merged (each
// merge is atomic), so fixing or removing it and collecting again completes the job.
func Collect(ctx context.Context, st *tracking.Store, p *Plan, w io.Writer) (int, error) {
	for _, t := range p.Trials {
		path := p.Shard(t.Index)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(w, "task %d (%s): no shard %s (the task has not started)\n", t.Index, t.Name, path)
			continue
		}
		ms, err := st.Merge(ctx, path)
		if err != nil {
			return 0, fmt.Errorf("merging the shard of task %d (%s): %w", t.Index, t.Name, err)
		}
		fmt.Fprintf(w, "merged %s: %d runs added, %d updated, %d epochs\n", path, ms.RunsAdded, ms.RunsUpdated, ms.EpochsAdded)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nINDEX\tTRIAL\tSTATUS\tEPOCHS\tRUN")
	finished := 0
	for _, t := range p.Trials {
		r, err := st.FinishedRun(ctx, p.Exp.Name, t.Hash)
		if err == nil && r == nil {
			r, err = st.LatestRun(ctx, p.Exp.Name, t.Hash)
		}
		if err != nil {
			return 0, err
		}
		status, epochs, id := "NO RUN", "-", "-"
		if r != nil {
			status, epochs, id = string(r.Status), strconv.Itoa(r.Epochs), r.ID
			if r.Status == tracking.Finished {
				finished++
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.Index, t.Name, status, epochs, id)
	}
	return finished, tw.Flush()
}

// ShellQuote quotes s for a POSIX shell (unchanged when it needs no quoting).
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFileAtomic writes data to path atomically and durably (internal/atomicfile), so a reader (or a
// running task executing the old binary) never sees a half-written file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.WriteFile(path, data, perm)
}
