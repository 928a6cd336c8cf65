package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"inceptionlab/internal/numfmt"
)

func (a *app) show(args []string) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("show takes one run id, got %d arguments", len(pos))
	}
	s, r, err := a.openRun(true, pos[0])
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	epochs, err := s.Epochs(ctx, r.ID)
	if err != nil {
		return err
	}
	arts, err := s.Artifacts(ctx, r.ID)
	if err != nil {
		return err
	}
	w := a.stdout
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	field := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, args...)...) }
	field("run", "%s", r.ID)
	field("experiment", "%s", r.Experiment)
	field("trial", "%s", r.Trial)
	field("status", "%s", statusText(r))
	field("seed", "%d", r.Seed)
	field("config hash", "%s", r.ConfigHash)
	field("start", "%s", stamp(r.Start))
	if !r.End.IsZero() {
		field("end", "%s", stamp(r.End))
	}
	field("duration", "%s", duration(r.Duration()))
	field("heartbeat", "%s", stamp(r.Heartbeat))
	field("host", "%s (pid %d, %d threads)", r.Host, r.PID, r.Threads)
	field("go", "%s", r.GoVersion)
	git := r.GitCommit
	if git == "" {
		git = "unknown"
	}
	if r.GitDirty {
		git += " (dirty tree)"
	}
	field("git", "%s", git)
	if r.ResumedFrom != "" {
		field("resumed from", "%s", r.ResumedFrom)
	}
	if r.BestEpoch >= 0 {
		field("best", "epoch %d: val top-1 %s, val top-5 %s", r.BestEpoch, numfmt.Percent(r.BestValTop1), numfmt.Percent(r.BestValTop5))
	} else {
		field("best", "-")
	}
	if r.TestTop1 != nil {
		field("test", "loss %s, top-1 %s, top-5 %s", opt(r.TestLoss), optPct(r.TestTop1), optPct(r.TestTop5))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if strings.Contains(r.Error, "\n") {
		fmt.Fprintf(w, "\nerror:\n%s", indent(r.Error))
	}
	section(w, "params", r.Params)
	section(w, "tags", r.Tags)

	fmt.Fprintf(w, "\nepochs (%d):\n", len(epochs))
	if len(epochs) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "EPOCH\tTRAIN LOSS\tTRAIN TOP-1\tVAL LOSS\tVAL TOP-1\tVAL TOP-5\tLR\tSECONDS\tIMAGES/S\tMAIN LOSS\tAUX LOSS\t")
		for _, e := range epochs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%g\t%.1f\t%.1f\t%s\t%s\t\n", e.Epoch, num(e.TrainLoss), numfmt.Percent(e.TrainTop1),
				num(e.ValLoss), numfmt.Percent(e.ValTop1), numfmt.Percent(e.ValTop5), e.LR, e.Seconds, e.ImagesPerSec, num(e.MainLoss), num(e.AuxLoss))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	fmt.Fprintf(w, "\nartifacts (%d):\n", len(arts))
	if len(arts) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tSIZE\tSHA256\tPATH")
		for _, ar := range arts {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", ar.Kind, ar.Size, ar.SHA256[:min(12, len(ar.SHA256))], ar.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nconfig:\n%s", indent(r.ConfigText))
	return nil
}

// section prints a sorted key/value block.
func section(w io.Writer, title string, m map[string]string) {
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range keys {
		fmt.Fprintf(tw, "  %s\t%s\n", k, m[k])
	}
	tw.Flush()
}

func indent(text string) string {
	if text == "" {
		return "  (none)\n"
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func num(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	return fmt.Sprintf("%.4f", f)
}

func opt(f *float64) string {
	if f == nil {
		return "-"
	}
	return num(*f)
}

// optPct is an optional fraction as a percentage (numfmt.Percent), "-" when absent.
func optPct(f *float64) string {
	if f == nil {
		return "-"
	}
	return numfmt.Percent(*f)
}
