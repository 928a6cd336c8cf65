package reports

import (
	"maps"
	"slices"

	_ "embed"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"inceptionlab/tracking"
)

var (
	//go:embed assets/report.html.tmpl
	pageTemplateText string
	//go:embed assets/style.css
	pageCSS string
	//go:embed assets/sort.js
	pageJS string

	pageTemplate = template.Must(template.New("report").Parse(pageTemplateText))
)

// RefreshSeconds is how often a report of an experiment with RUNNING runs
// reloads itself in the browser (a meta refresh, so it needs no script and
// stops by itself once the runner writes a report without RUNNING runs).
const RefreshSeconds = 30

// page is what the template renders.
type page struct {
	Experiment, ConfigFile, Generated, Span string
	NRuns, NTrials                          int
	// Live is the number of RUNNING runs; a live page reloads itself every RefreshSeconds.
	Live, RefreshSeconds int
	Statuses             []statusCount
	Facts                []keyValue
	Glance               []string
	Trials               []trialRow
	Ablations            []ablationView
	NoAblation           string
	Curves               []figure
	CurveNote            string
	Study                *studyView
	Runs                 []runView
	Variants             []variantRow
	Confusions           []confusionView
	ClassAcc             *classAccView
	Mistakes             []mistakesView
	HParams              *figure
	HParamNote           string
	CSS                  template.CSS
	JS                   template.JS
}

type statusCount struct {
	Status tracking.Status
	N      int
}

type keyValue struct{ Key, Value string }

type figure struct {
	Name, Title string
	SVG         template.HTML
}

type trialRow struct {
	Name, Anchor, Error                 string
	Status                              tracking.Status
	Params, MACs, Top1, BestEpoch, Top5 cell
	Test, Time, Rate, Runs              cell
}

type ablationView struct {
	Name, Title string
	Sentences   []string
	Verdicts    []string
	Paired      []pairedRow
	// SubjectLabel and BaseLabel name the paired table's columns.
	SubjectLabel, BaseLabel string
	Metrics                 []string
	Rows                    []ablationRow
	Unpaired                string
	Chart                   figure
}

// pairedRow is one paired test on the test set: subject vs base, same seed.
type pairedRow struct {
	Compared, Seed, N, AccS, AccB, Diff, CI, OnlyS, OnlyB, P, Verdict string
}

type ablationRow struct {
	Context, Variant, Trials, Seeds string
	N                               int
	Cells                           []string
}

type runView struct {
	ID, Anchor, Trial, Error, RepID    string
	Status                             tracking.Status
	Superseded                         bool
	Start, End, Duration, Epochs, Seed string
	Threads, Host, GoVersion, Git      string
	ConfigHash, ResumedFrom, Config    string
	Tags, Params                       []keyValue
	Artifacts                          []artifactView
}

type artifactView struct {
	Kind, Path, Size, SHA256, Short string
	Href                            template.URL
}

// buildPage turns the runs into the page and its charts.
func buildPage(runs []*run, opts Options, baseDir string) (*page, []*chart, error) {
	trials := groupTrials(runs)
	pg := &page{
		Experiment: opts.Experiment,
		ConfigFile: orDash(opts.ConfigFile),
		Generated:  stamp(opts.Now()),
		Span:       span(runs),
		NRuns:      len(runs),
		NTrials:    len(trials),
		Statuses:   statusCounts(runs),
		Facts:      facts(runs, opts.Build),
		Study:      newStudyView(opts.Study),
		CSS:        template.CSS(pageCSS),
		JS:         template.JS(pageJS),
	}
	for _, r := range runs {
		if r.Status == tracking.Running {
			pg.Live++
		}
	}
	pg.RefreshSeconds = RefreshSeconds
	for _, t := range trials {
		pg.Trials = append(pg.Trials, newTrialRow(t))
	}
	for _, r := range runs {
		pg.Runs = append(pg.Runs, newRunView(r, trialOf(trials, r), baseDir))
	}

	var charts []*chart
	abls := findAblations(trials)
	for _, a := range abls {
		ch, err := ablationChart(a)
		if err != nil {
			return nil, nil, err
		}
		fig, err := newFigure(ch)
		if err != nil {
			return nil, nil, err
		}
		charts = append(charts, ch)
		av := newAblationView(a, fig)
		pg.Ablations = append(pg.Ablations, av)
		pg.Glance = append(pg.Glance, av.Sentences...)
		pg.Glance = append(pg.Glance, av.Verdicts...)
	}
	if len(abls) == 0 {
		pg.NoAblation = "No ablation: no two finished trials differ only in model.inception.reduce or only in " +
			"model.aux.enabled (and seed)."
	}

	vs := findVariants(trials)
	pg.Variants = newVariantRows(vs)
	pg.Confusions, pg.ClassAcc = newConfusionViews(vs)
	pg.Mistakes = newMistakesViews(vs)
	hp, note, err := hparamChart(vs)
	if err != nil {
		return nil, nil, err
	}
	pg.HParamNote = note
	if hp != nil {
		fig, err := newFigure(hp)
		if err != nil {
			return nil, nil, err
		}
		pg.HParams = &fig
		charts = append(charts, hp)
	}

	curves, err := curveCharts(trials)
	if err != nil {
		return nil, nil, err
	}
	for _, ch := range curves {
		fig, err := newFigure(ch)
		if err != nil {
			return nil, nil, err
		}
		pg.Curves = append(pg.Curves, fig)
		charts = append(charts, ch)
	}
	pg.CurveNote = curveNote(trials)
	return pg, charts, nil
}

func newFigure(ch *chart) (figure, error) {
	doc, err := ch.svg()
	if err != nil {
		return figure{}, err
	}
	svg, err := inlineSVG(doc, ch.Title)
	if err != nil {
		return figure{}, err
	}
	return figure{Name: ch.Name, Title: ch.Title, SVG: svg}, nil
}

func trialOf(trials []*trial, r *run) *trial {
	for _, t := range trials {
		if t.Name == r.Trial {
			return t
		}
	}
	return nil
}

// span is the time range the runs cover.
func span(runs []*run) string {
	first, last := runs[0].Start, runs[0].Start
	for _, r := range runs {
		if r.Start.Before(first) {
			first = r.Start
		}
		end := r.End
		if end.IsZero() {
			end = r.Heartbeat
		}
		if end.After(last) {
			last = end
		}
	}
	return fmt.Sprintf("%s to %s", stamp(first), stamp(last))
}

func statusCounts(runs []*run) []statusCount {
	var out []statusCount
	for _, st := range tracking.Statuses {
		n := 0
		for _, r := range runs {
			if r.Status == st {
				n++
			}
		}
		if n > 0 {
			out = append(out, statusCount{st, n})
		}
	}
	return out
}

// facts lists the caller's build facts, then what the runs recorded about
// machines and builds (distinct values in order of appearance).
func facts(runs []*run, build map[string]string) []keyValue {
	var out []keyValue
	for _, k := range slices.Sorted(maps.Keys(build)) {
		out = append(out, keyValue{k, build[k]})
	}
	collect := func(label string, get func(*run) string) {
		var vals []string
		for _, r := range runs {
			if v := get(r); v != "" && !contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			out = append(out, keyValue{label, strings.Join(vals, ", ")})
		}
	}
	collect("Hosts", func(r *run) string { return r.Host })
	collect("Go (runs)", func(r *run) string { return r.GoVersion })
	collect("Commits (runs)", func(r *run) string { return gitText(r) })
	collect("Math backend", func(r *run) string { return r.Params[keyBuild] })
	collect("Threads", func(r *run) string {
		if v := r.Params[keyThreads]; v != "" {
			return v
		}
		if r.Threads > 0 {
			return strconv.Itoa(r.Threads)
		}
		return ""
	})
	collect("Image size", func(r *run) string { return r.Params[keyImageSize] })
	collect("Data", func(r *run) string { return r.Params["data.source"] })
	return out
}

func gitText(r *run) string {
	if r.GitCommit == "" {
		return ""
	}
	if r.GitDirty {
		return r.GitCommit + " (dirty)"
	}
	return r.GitCommit
}

func newTrialRow(t *trial) trialRow {
	r := t.Rep
	params, pok := r.count(keyParams)
	macs, mok := r.count(keyMACs)
	row := trialRow{
		Name: t.Name, Anchor: anchor(r), Status: r.Status,
		Params: countCell(params, pok), MACs: countCell(macs, mok),
		Top1: pctCell(r.BestValTop1), Top5: pctCell(r.BestValTop5), Test: pctCell(r.testTop1()),
		Time: secondsCell(r.secondsPerEpoch()), Rate: rateCell(r.imagesPerSec()),
		Runs: cell{Text: strconv.Itoa(len(t.Runs)), Sort: strconv.Itoa(len(t.Runs))},
	}
	if tta := r.testTTA(); tta != "" && row.Test.Text != dash {
		// The figure is a mean over views (test.tta): say so where it is read,
		// not only in the config diff.
		row.Test.Text += " (" + tta + ")"
	}
	row.BestEpoch = cell{Text: dash}
	if r.BestEpoch >= 0 {
		row.BestEpoch = cell{Text: strconv.Itoa(r.BestEpoch), Sort: strconv.Itoa(r.BestEpoch)}
	}
	if r.Status != tracking.Finished {
		row.Error = r.Error
		if row.Error == "" && r.Status == tracking.Running {
			row.Error = "still running (no FINISHED run yet)"
		}
	}
	return row
}

// anchor is the HTML id of a run's section.
func anchor(r *run) string { return "run-" + r.ID }

func newRunView(r *run, t *trial, baseDir string) runView {
	v := runView{
		ID: r.ID, Anchor: anchor(r), Trial: r.Trial, Status: r.Status, Error: r.Error,
		Start: stamp(r.Start), End: stamp(r.End), Duration: seconds(r.Duration().Seconds()),
		Epochs: strconv.Itoa(r.RunSummary.Epochs), Seed: strconv.FormatInt(r.Seed, 10),
		Threads: orDash(r.Params[keyThreads]), Host: orDash(r.Host), GoVersion: orDash(r.GoVersion),
		Git: orDash(gitText(r)), ConfigHash: orDash(r.ConfigHash), ResumedFrom: orDash(r.ResumedFrom),
		Config: r.ConfigText,
	}
	if v.Threads == dash && r.Threads > 0 {
		v.Threads = strconv.Itoa(r.Threads)
	}
	if r.End.IsZero() {
		v.End = "still running (last heartbeat " + stamp(r.Heartbeat) + ")"
	}
	if strings.TrimSpace(v.Config) == "" {
		v.Config = "(no config text recorded)"
	}
	if t != nil && t.Rep != r {
		v.Superseded, v.RepID = true, t.Rep.ID
	}
	for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
		v.Tags = append(v.Tags, keyValue{k, r.Tags[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(r.Params)) {
		v.Params = append(v.Params, keyValue{k, r.Params[k]})
	}
	for _, a := range r.Artifacts {
		short := a.SHA256
		if len(short) > 12 {
			short = short[:12]
		}
		shown, href := fileLink(a.Path, baseDir)
		v.Artifacts = append(v.Artifacts, artifactView{Kind: a.Kind, Path: shown, Size: byteSize(a.Size),
			SHA256: a.SHA256, Short: short, Href: href})
	}
	return v
}

// fileLink shows and links a file relative to baseDir when given (so the
// report can move together with the run directory), else as an absolute
// path with a file: URL.
func fileLink(path, baseDir string) (string, template.URL) {
	if baseDir != "" {
		if rel, err := filepath.Rel(baseDir, path); err == nil {
			// url.URL escapes the path and guards a first segment with a colon.
			return rel, template.URL((&url.URL{Path: filepath.ToSlash(rel)}).String())
		}
	}
	return path, template.URL((&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String())
}

func byteSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	}
}

func newAblationView(a ablation, fig figure) ablationView {
	v := ablationView{Name: a.Axis.Name, Title: a.Axis.Title, Chart: fig, SubjectLabel: a.Axis.SubjectLabel,
		BaseLabel: a.Axis.BaseLabel}
	for _, m := range ablationMetrics {
		v.Metrics = append(v.Metrics, m.Name)
	}
	for _, p := range a.Pairs {
		ps := newPairStats(p)
		v.Sentences = append(v.Sentences, p.sentence())
		v.Verdicts = append(v.Verdicts, p.verdicts(ps)...)
		compared := p.Subject.Label + " vs " + p.Base.Label
		if p.Context != "" {
			compared += " (" + p.Context + ")"
		}
		for _, sp := range ps.Paired {
			q := sp.P
			v.Paired = append(v.Paired, pairedRow{Compared: compared, Seed: fmt.Sprint(sp.Seed), N: commas(int64(q.N)),
				AccS: pct(q.AccA), AccB: pct(q.AccB), Diff: points1(q.Diff), CI: points1(q.CILow) + " to " + points1(q.CIHigh),
				OnlyS: fmt.Sprint(q.OnlyA), OnlyB: fmt.Sprint(q.OnlyB), P: pText(q.P),
				Verdict: shortConclusion(p.Subject.Label, q.CILow, q.CIHigh)})
		}
		for _, s := range []side{p.Base, p.Subject} {
			row := ablationRow{Context: orDash(p.Context), Variant: s.Label, Trials: strings.Join(s.Trials, ", "),
				N: len(s.Runs), Seeds: seedList(s.Runs)}
			for i, m := range ablationMetrics {
				row.Cells = append(row.Cells, statText(s.Stats[i], m.Kind))
			}
			v.Rows = append(v.Rows, row)
		}
	}
	v.Unpaired = strings.Join(a.Unpaired, ", ")
	return v
}

// statText writes a mean with its t-based 95% CI half-width over seeds:
// "55.3% ± 0.4 (n=3)"; a single seed shows the value alone. An interval
// that passes what the metric can take (an accuracy above 100%, a negative
// time) is clipped there and written as its two distances from the mean:
// "99.2% +0.8/−2.6 (n=3)".
func statText(s stat, k metricKind) string {
	if s.N == 0 {
		return dash
	}
	amount := func(x float64) string {
		switch k {
		case kindCount:
			return siCount(x)
		case kindPct:
			return fmt.Sprintf("%.1f", 100*x)
		}
		return fmt.Sprintf("%.1f s", x)
	}
	var mean string
	switch k {
	case kindCount:
		mean = siCount(s.Mean)
	case kindPct:
		mean = pct(s.Mean)
	case kindSeconds:
		mean = seconds(s.Mean)
	}
	if s.N < 2 || math.IsNaN(s.Half) {
		return mean
	}
	if s.Half == 0 {
		return mean // every seed has the same value (a count)
	}
	if lo, hi := s.interval(k); lo != s.Mean-s.Half || hi != s.Mean+s.Half {
		return fmt.Sprintf("%s +%s/−%s (n=%d)", mean, amount(hi-s.Mean), amount(s.Mean-lo), s.N)
	}
	return fmt.Sprintf("%s ± %s (n=%d)", mean, amount(s.Half), s.N)
}

// curveNote says which trials have no curve and why.
func curveNote(trials []*trial) string {
	var missing []string
	for _, t := range trials {
		if len(t.Rep.Epochs) == 0 {
			missing = append(missing, t.Name)
		}
	}
	switch {
	case len(missing) == len(trials):
		return "No epochs recorded yet, so there are no learning curves."
	case len(missing) > 0:
		return "One line per trial (its representative run). No epochs recorded for: " +
			strings.Join(missing, ", ") + "."
	case len(trials) == 1:
		return "Training and validation curves of the single trial."
	}
	for _, g := range curveGroups(trials) {
		if len(g.Trials) > 1 {
			return "One line per configuration: the mean over its seeds, with a shaded band from the lowest to the " +
				"highest run at each epoch (a single-seed configuration is its one run). Trials without a FINISHED " +
				"run are marked in the legend."
		}
	}
	return "One line per trial (its representative run); trials without a FINISHED run are marked in the legend."
}
