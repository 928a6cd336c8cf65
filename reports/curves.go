package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"inceptionlab/tracking"
)

// series is one line of a chart. Lo and Hi, when set, are a band drawn
// under the line (the min and max over seeds at each X).
type series struct {
	Label  string
	XY     plotter.XYs
	Lo, Hi plotter.XYs
}

// curveSpec is one per-epoch metric.
type curveSpec struct {
	name, title, yLabel string
	scale               float64 // 100 for accuracies, shown in %
	get                 func(tracking.Epoch) float64
}

var (
	// trainLoss is the main head's loss, comparable between aux on and
	// off; trainTotal adds the weighted aux losses the optimiser saw.
	trainLoss = curveSpec{"train_loss", "Training loss (main head)", "cross-entropy loss (nats)", 1,
		func(e tracking.Epoch) float64 {
			if math.IsNaN(e.MainLoss) {
				return e.TrainLoss
			}
			return e.MainLoss
		}}
	trainTotal = curveSpec{"train_total_loss", "Training loss incl. weighted aux heads", "main + weight x aux (nats)", 1,
		func(e tracking.Epoch) float64 { return e.TrainLoss }}
	valLoss = curveSpec{"val_loss", "Validation loss", "cross-entropy loss (nats)", 1,
		func(e tracking.Epoch) float64 { return e.ValLoss }}
	trainTop1 = curveSpec{"train_top1", "Training top-1", "top-1 accuracy (%)", 100,
		func(e tracking.Epoch) float64 { return e.TrainTop1 }}
	valTop1 = curveSpec{"val_top1", "Validation top-1", "top-1 accuracy (%)", 100,
		func(e tracking.Epoch) float64 { return e.ValTop1 }}
	emaValLoss = curveSpec{"ema_val_loss", "Validation loss (weight average)", "cross-entropy loss (nats)", 1,
		func(e tracking.Epoch) float64 { return emaOr(e, func(v *tracking.EMAVal) float64 { return v.Loss }) }}
	emaValTop1 = curveSpec{"ema_val_top1", "Validation top-1 (weight average)", "top-1 accuracy (%)", 100,
		func(e tracking.Epoch) float64 { return emaOr(e, func(v *tracking.EMAVal) float64 { return v.Top1 }) }}
	lrCurve = curveSpec{"lr", "Learning rate", "learning rate (last step of the epoch)", 1,
		func(e tracking.Epoch) float64 { return e.LR }}
)

// emaOr reads a metric of the epoch's weight-average validation, NaN without one.
func emaOr(e tracking.Epoch, get func(*tracking.EMAVal) float64) float64 {
	if e.EMA == nil {
		return math.NaN()
	}
	return get(e.EMA)
}

// hasEMA reports whether any epoch validated a weight average.
func hasEMA(es []tracking.Epoch) bool {
	for _, e := range es {
		if e.EMA != nil {
			return true
		}
	}
	return false
}

// lrVaries reports whether the learning rate differs between epochs of any trial (a schedule); a
// constant rate gets no chart.
func lrVaries(trials []*trial) bool {
	for _, t := range trials {
		for _, e := range t.Rep.Epochs {
			if e.LR != t.Rep.Epochs[0].LR && !math.IsNaN(e.LR) {
				return true
			}
		}
	}
	return false
}

// points returns the metric of every epoch with a finite value.
func (c curveSpec) points(es []tracking.Epoch) plotter.XYs {
	var xy plotter.XYs
	for _, e := range es {
		v := c.get(e)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		xy = append(xy, plotter.XY{X: float64(e.Epoch), Y: c.scale * v})
	}
	return xy
}

// curveCharts draws the learning curves of the trials' representatives:
// one chart per metric with a line per trial, or, for a single trial, its
// loss and top-1 with training and validation side by side. Trials without
// any epoch are left out; no epochs at all gives no charts.
func curveCharts(trials []*trial) ([]*chart, error) {
	var shown []*trial
	for _, t := range trials {
		if len(t.Rep.Epochs) > 0 {
			shown = append(shown, t)
		}
	}
	w, h := vg.Points(460), vg.Points(300)
	if len(shown) == 1 {
		es := shown[0].Rep.Epochs
		var out []*chart
		for _, pair := range [][2]curveSpec{{trainLoss, valLoss}, {trainTop1, valTop1}} {
			title := "Loss"
			if pair[0].scale != 1 {
				title = "Top-1 accuracy"
			}
			ss := []series{{Label: "training", XY: pair[0].points(es)}, {Label: "validation", XY: pair[1].points(es)}}
			if hasEMA(es) {
				ema := emaValLoss
				if pair[0].scale != 1 {
					ema = emaValTop1
				}
				ss = append(ss, series{Label: "validation (weight average)", XY: ema.points(es)})
			}
			ch, err := lineChart("curve_"+pair[1].name[4:], title, pair[0].yLabel, ss, w, h)
			if err != nil {
				return nil, err
			}
			out = append(out, ch)
		}
		if lrVaries(shown) {
			ch, err := lineChart("curve_lr", lrCurve.title, lrCurve.yLabel, []series{{Label: "learning rate", XY: lrCurve.points(es)}}, w, h)
			if err != nil {
				return nil, err
			}
			out = append(out, ch)
		}
		return out, nil
	}
	specs := []curveSpec{trainLoss, valLoss, trainTop1, valTop1}
	for _, t := range shown {
		if hasAux(t.Rep.Epochs) {
			specs = []curveSpec{trainLoss, trainTotal, valLoss, trainTop1, valTop1}
			break
		}
	}
	for _, t := range shown {
		if hasEMA(t.Rep.Epochs) {
			specs = append(specs, emaValTop1)
			break
		}
	}
	if lrVaries(shown) {
		specs = append(specs, lrCurve)
	}
	groups := curveGroups(shown)
	var out []*chart
	for _, c := range specs {
		var ss []series
		for _, g := range groups {
			ss = append(ss, g.series(c))
		}
		ch, err := lineChart("curve_"+c.name, c.title, c.yLabel, ss, w, h)
		if err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// hasAux reports whether any epoch has a nonzero aux loss part.
func hasAux(es []tracking.Epoch) bool {
	for _, e := range es {
		if e.AuxLoss > 0 {
			return true
		}
	}
	return false
}

// curveGroup is the trials of one configuration (seeds pooled) drawn as
// one line: the mean over its runs with a min-max band, or the single
// run's curve.
type curveGroup struct {
	Label  string
	Trials []*trial
}

// curveGroups groups the shown trials by configuration apart from the
// seed, in order of first appearance.
func curveGroups(shown []*trial) []curveGroup {
	var reps []*run
	for _, t := range shown {
		reps = append(reps, t.Rep)
	}
	varying := varyingKeys(reps, "")
	var out []curveGroup
	index := map[string]int{}
	for _, t := range shown {
		k := configKey(t.Rep.Params)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, curveGroup{Label: contextLabel(t.Rep.Params, varying)})
		}
		out[i].Trials = append(out[i].Trials, t)
	}
	for i := range out {
		g := &out[i]
		if len(g.Trials) == 1 || g.Label == "" {
			g.Label = trialLabel(g.Trials[0])
			if len(g.Trials) > 1 {
				g.Label = g.Trials[0].Name
			}
		}
		if len(g.Trials) > 1 {
			g.Label = fmt.Sprintf("%s (mean of %d seeds)", g.Label, len(g.Trials))
		}
	}
	return out
}

// series is the group's curve of metric c: the mean over its runs at every
// epoch any of them reached, with the band from the lowest to the highest.
func (g curveGroup) series(c curveSpec) series {
	if len(g.Trials) == 1 {
		return series{Label: g.Label, XY: c.points(g.Trials[0].Rep.Epochs)}
	}
	byEpoch := map[float64][]float64{}
	var xs []float64
	for _, t := range g.Trials {
		for _, p := range c.points(t.Rep.Epochs) {
			if _, ok := byEpoch[p.X]; !ok {
				xs = append(xs, p.X)
			}
			byEpoch[p.X] = append(byEpoch[p.X], p.Y)
		}
	}
	sort.Float64s(xs)
	s := series{Label: g.Label}
	for _, x := range xs {
		st := Summarize(byEpoch[x])
		s.XY = append(s.XY, plotter.XY{X: x, Y: st.Mean})
		s.Lo = append(s.Lo, plotter.XY{X: x, Y: st.Min})
		s.Hi = append(s.Hi, plotter.XY{X: x, Y: st.Max})
	}
	return s
}

// trialLabel is the legend text of a trial, marked when its curve is not
// from a finished run.
func trialLabel(t *trial) string {
	if t.Rep.Status != tracking.Finished {
		return fmt.Sprintf("%s (%s)", t.Name, t.Rep.Status)
	}
	return t.Name
}

// lineChart draws one line with glyphs per series; series without points
// are listed in the legend only.
func lineChart(name, title, yLabel string, ss []series, w, h vg.Length) (*chart, error) {
	p := newPlot(title, "epoch", yLabel)
	p.X.Tick.Marker = intTicks{}
	p.Add(plotter.NewGrid())
	legend := sideLegend()
	for i, s := range ss {
		clr := paletteColor(i)
		if len(s.XY) == 0 {
			continue // no finite value of this metric: nothing to draw
		}
		if len(s.Lo) > 1 && len(s.Lo) == len(s.Hi) {
			ring := append(plotter.XYs(nil), s.Hi...)
			for i := len(s.Lo) - 1; i >= 0; i-- {
				ring = append(ring, s.Lo[i])
			}
			band, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("reports: chart %s, band of %q: %w", name, s.Label, err)
			}
			r, g, b, _ := clr.RGBA()
			band.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x38}
			band.LineStyle.Width = 0
			p.Add(band)
		}
		line, pts, err := plotter.NewLinePoints(s.XY)
		if err != nil {
			return nil, fmt.Errorf("reports: chart %s, series %q: %w", name, s.Label, err)
		}
		line.Color = clr
		line.Width = vg.Points(1.5)
		line.Dashes = plotutil.Dashes(i / len(palette))
		pts.Color = clr
		pts.Shape = plotutil.Shape(i)
		pts.Radius = vg.Points(2.5)
		p.Add(line, pts)
		legend.Add(legendText(s.Label), line, pts)
	}
	padY(p)
	sw := sideWidth(legend)
	return &chart{Name: name, Title: title + ": " + yLabel + " per epoch", W: w + sw, H: h,
		Rows: [][]*plot.Plot{{p}}, Side: legend, SideW: sw}, nil
}
