package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// hparamChart draws the finished runs' hyperparameters against their
// accuracies: a scatter (log x for learning rates or values spanning 10x
// or more) when one numeric key varies, parallel coordinates otherwise
// (the varying keys, then best val top-1 and test top-1, one line per run
// coloured by variant). It returns nil and a note when fewer than two
// configurations exist.
func hparamChart(vs []*variant) (*chart, string, error) {
	var runs []*run
	for _, v := range vs {
		runs = append(runs, v.Runs...)
	}
	if len(vs) < 2 {
		return nil, "Only one configuration (apart from seeds) has finished: there is no hyperparameter to plot against.", nil
	}
	keys := varyingKeys(runs, "")
	if len(keys) == 0 {
		return nil, "The finished configurations differ only in the seed.", nil
	}
	if len(keys) == 1 {
		if xs, ok := numericValues(runs, keys[0]); ok {
			ch, err := scatterChart(vs, keys[0], xs)
			return ch, fmt.Sprintf("One numeric key varies (%s): best validation and test top-1 of every run "+
				"(small marks) and their means over seeds (large marks).", keys[0]), err
		}
	}
	ch, err := parallelChart(vs, keys)
	return ch, fmt.Sprintf("Parallel coordinates: one line per finished run through the values of the keys that vary "+
		"(%s) and its best validation and test top-1; lines are coloured by variant.", strings.Join(keys, ", ")), err
}

// numericValues parses key of every run as a number.
func numericValues(runs []*run, key string) (map[*run]float64, bool) {
	out := map[*run]float64{}
	for _, r := range runs {
		v, err := strconv.ParseFloat(strings.TrimSpace(r.Params[key]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
		out[r] = v
	}
	return out, true
}

// logScale reports whether a key's values are better read on a log axis.
func logScale(key string, xs map[*run]float64) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if lo <= 0 {
		return false
	}
	return strings.HasSuffix(key, "lr") || hi/lo >= 10
}

func scatterChart(vs []*variant, key string, xs map[*run]float64) (*chart, error) {
	p := newPlot("Accuracy vs "+shortKey(key), key, "top-1 accuracy (%)")
	p.Add(plotter.NewGrid())
	p.Y.Tick.Marker = uniqueTicks{}
	if logScale(key, xs) {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	} else {
		p.X.Tick.Marker = uniqueTicks{}
	}
	legend := sideLegend()
	for mi, m := range []struct {
		name string
		get  func(*run) float64
	}{{"best val top-1", func(r *run) float64 { return r.BestValTop1 }}, {"test top-1", (*run).testTop1}} {
		var all, means plotter.XYs
		for _, v := range vs {
			var ys []float64
			for _, r := range v.Runs {
				if y := m.get(r); !math.IsNaN(y) {
					all = append(all, plotter.XY{X: xs[r], Y: 100 * y})
					ys = append(ys, y)
				}
			}
			if s := Summarize(ys); s.N > 0 {
				means = append(means, plotter.XY{X: xs[v.Runs[0]], Y: 100 * s.Mean})
			}
		}
		if len(all) == 0 {
			continue
		}
		sort.Slice(means, func(i, j int) bool { return means[i].X < means[j].X })
		sc, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("reports: hyperparameter chart: %w", err)
		}
		sc.Color, sc.Shape, sc.Radius = paletteColor(mi), plotutil.Shape(mi), vg.Points(2)
		line, pts, err := plotter.NewLinePoints(means)
		if err != nil {
			return nil, fmt.Errorf("reports: hyperparameter chart: %w", err)
		}
		line.Color, line.Width = paletteColor(mi), vg.Points(1.2)
		pts.Color, pts.Shape, pts.Radius = paletteColor(mi), plotutil.Shape(mi), vg.Points(4)
		p.Add(sc, line, pts)
		legend.Add(m.name, line, pts)
	}
	padY(p)
	sw := sideWidth(legend)
	w, h := vg.Points(560), vg.Points(320)
	return &chart{Name: "hparams", Title: "Best validation and test top-1 against " + key, W: w + sw, H: h,
		Rows: [][]*plot.Plot{{p}}, Side: legend, SideW: sw}, nil
}

// pcAxis is one axis of a parallel-coordinates chart: where each run sits
// on it (0..1) and the labels to print along it.
type pcAxis struct {
	name   string
	pos    map[*run]float64
	labels []plotter.XY // Y in 0..1
	texts  []string
}

func parallelChart(vs []*variant, keys []string) (*chart, error) {
	var runs []*run
	for _, v := range vs {
		runs = append(runs, v.Runs...)
	}
	var axes []pcAxis
	for _, k := range keys {
		axes = append(axes, keyAxis(runs, k))
	}
	axes = append(axes, metricAxis(runs, "best val top-1", func(r *run) float64 { return r.BestValTop1 }),
		metricAxis(runs, "test top-1", (*run).testTop1))
	p := newPlot("Hyperparameters and accuracy", "", "")
	p.HideY()
	legend := sideLegend()
	for vi, v := range vs {
		var first *plotter.Line
		for _, r := range v.Runs {
			var xy plotter.XYs
			for ai, a := range axes {
				if y, ok := a.pos[r]; ok {
					xy = append(xy, plotter.XY{X: float64(ai), Y: y})
				}
			}
			if len(xy) < 2 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("reports: parallel coordinates: %w", err)
			}
			l.Color, l.Width = paletteColor(vi), vg.Points(1.4)
			l.Dashes = plotutil.Dashes(vi / len(palette))
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		if first != nil {
			legend.Add(legendText(v.Label), first)
		}
	}
	var names []string
	for ai, a := range axes {
		names = append(names, a.name)
		axis, _ := plotter.NewLine(plotter.XYs{{X: float64(ai), Y: 0}, {X: float64(ai), Y: 1}})
		axis.Color, axis.Width = rgb(0x59, 0x63, 0x6e), vg.Points(0.8)
		p.Add(axis)
		var xy plotter.XYs
		for _, l := range a.labels {
			xy = append(xy, plotter.XY{X: float64(ai), Y: l.Y})
		}
		if len(xy) > 0 {
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: a.texts})
			if err != nil {
				return nil, fmt.Errorf("reports: parallel coordinates: %w", err)
			}
			for i := range lb.TextStyle {
				lb.TextStyle[i].Font = sans
				lb.TextStyle[i].Font.Size = vg.Points(9)
				lb.TextStyle[i].XAlign = draw.XLeft
				lb.TextStyle[i].YAlign = draw.YCenter
			}
			lb.Offset = vg.Point{X: vg.Points(4)}
			p.Add(lb)
		}
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.2, float64(len(axes))-0.5
	p.Y.Min, p.Y.Max = -0.06, 1.06
	sw := sideWidth(legend)
	w := vg.Points(math.Max(560, float64(150*len(axes))))
	return &chart{Name: "hparams", Title: "Parallel coordinates of " + strings.Join(keys, ", ") +
		", best validation top-1 and test top-1", W: w + sw, H: vg.Points(340),
		Rows: [][]*plot.Plot{{p}}, Side: legend, SideW: sw}, nil
}

// keyAxis places a key's values: numbers proportionally (log for rates
// and wide ranges), anything else (booleans, strings) evenly in sorted
// order.
func keyAxis(runs []*run, key string) pcAxis {
	a := pcAxis{name: axisName(key), pos: map[*run]float64{}}
	if xs, ok := numericValues(runs, key); ok {
		f := func(x float64) float64 { return x }
		if logScale(key, xs) {
			f = math.Log10
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range xs {
			lo, hi = math.Min(lo, f(x)), math.Max(hi, f(x))
		}
		seen := map[float64]bool{}
		for r, x := range xs {
			y := 0.5
			if hi > lo {
				y = (f(x) - lo) / (hi - lo)
			}
			a.pos[r] = y
			if !seen[x] {
				seen[x] = true
				a.labels = append(a.labels, plotter.XY{Y: y})
				a.texts = append(a.texts, strconv.FormatFloat(x, 'g', 4, 64))
			}
		}
		sortLabels(&a)
		return a
	}
	var values []string
	seen := map[string]bool{}
	for _, r := range runs {
		v := r.Params[key]
		if !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	sort.Strings(values)
	for i, v := range values {
		y := 0.5
		if len(values) > 1 {
			y = float64(i) / float64(len(values)-1)
		}
		for _, r := range runs {
			if r.Params[key] == v {
				a.pos[r] = y
			}
		}
		label := v
		if l := axisLabel(key, v); l != "" {
			label = l
		}
		a.labels = append(a.labels, plotter.XY{Y: y})
		a.texts = append(a.texts, label)
	}
	return a
}

// metricAxis places an accuracy between its minimum and maximum over the
// runs, labelled at both ends.
func metricAxis(runs []*run, name string, get func(*run) float64) pcAxis {
	a := pcAxis{name: name, pos: map[*run]float64{}}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range runs {
		if v := get(r); !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return a
	}
	for _, r := range runs {
		if v := get(r); !math.IsNaN(v) {
			y := 0.5
			if hi > lo {
				y = (v - lo) / (hi - lo)
			}
			a.pos[r] = y
		}
	}
	a.labels = []plotter.XY{{Y: 0}, {Y: 1}}
	a.texts = []string{pct(lo), pct(hi)}
	if hi == lo {
		a.labels, a.texts = []plotter.XY{{Y: 0.5}}, []string{pct(lo)}
	}
	return a
}

func sortLabels(a *pcAxis) {
	idx := make([]int, len(a.labels))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return a.labels[idx[i]].Y < a.labels[idx[j]].Y })
	labels, texts := make([]plotter.XY, len(idx)), make([]string, len(idx))
	for i, j := range idx {
		labels[i], texts[i] = a.labels[j], a.texts[j]
	}
	a.labels, a.texts = labels, texts
}

// axisName is a key's short name as trial names use it: the last path
// component, or its parent for "enabled" (model.aux.enabled -> aux).
func axisName(key string) string {
	parts := strings.Split(key, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "enabled" {
		return parts[len(parts)-2]
	}
	return shortKey(key)
}
