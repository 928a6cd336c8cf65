package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// barPanel is one panel of an ablation chart.
type barPanel struct {
	metric int     // index into ablationMetrics
	title  string  // panel title
	yLabel string  // with unit
	scale  float64 // display value = scale * metric
}

var ablationPanels = []barPanel{
	{mParams, "Parameters (training)", "millions", 1e-6},
	{mMACs, "Multiply-adds per image", "millions", 1e-6},
	{mTop1, "Best validation top-1", "accuracy (%)", 100},
	{mTime, "Time per epoch", "seconds", 1},
}

// ablationChart draws, in four panels, params, MACs, best val top-1 and
// time per epoch of every pair: two bars per pair (base, subject), error
// bars of the t-based 95% CI of the mean (clipped to what the metric can
// take, [stat.interval]) where a side has several seeds. An
// unknown value leaves its slot empty.
func ablationChart(a ablation) (*chart, error) {
	var names []string
	for i, p := range a.Pairs {
		if i > 0 {
			names = append(names, "")
		}
		for _, s := range []side{p.Base, p.Subject} {
			name := s.Label
			if p.Context != "" {
				name += "\n" + p.Context
			}
			names = append(names, name)
		}
	}
	var panels []*plot.Plot
	for _, bp := range ablationPanels {
		p := newPlot(bp.title, "", bp.yLabel)
		p.Add(plotter.NewGrid())
		var errXY plotter.XYs
		var errs plotter.YErrors
		for i, pr := range a.Pairs {
			for j, s := range []side{pr.Base, pr.Subject} {
				st := s.Stats[bp.metric]
				if math.IsNaN(st.Mean) {
					continue
				}
				x := float64(3*i + j)
				bar, err := plotter.NewBarChart(plotter.Values{bp.scale * st.Mean}, vg.Points(26))
				if err != nil {
					return nil, fmt.Errorf("reports: ablation chart %s: %w", a.Axis.Name, err)
				}
				bar.XMin = x
				bar.Color = paletteColor(j)
				bar.LineStyle.Width = 0
				p.Add(bar)
				if st.N > 1 {
					errXY = append(errXY, plotter.XY{X: x, Y: bp.scale * st.Mean})
					lo, hi := st.interval(ablationMetrics[bp.metric].Kind)
					errs = append(errs, struct{ Low, High float64 }{bp.scale * (st.Mean - lo), bp.scale * (hi - st.Mean)})
				}
			}
		}
		if len(errXY) > 0 {
			eb, err := plotter.NewYErrorBars(yErrs{errXY, errs})
			if err != nil {
				return nil, fmt.Errorf("reports: ablation chart %s: %w", a.Axis.Name, err)
			}
			p.Add(eb)
		}
		p.NominalX(names...)
		p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
		p.Y.Min = 0
		p.Y.Max *= 1.08
		panels = append(panels, p)
	}
	h := vg.Points(500)
	if len(a.Pairs) > 0 && a.Pairs[0].Context != "" {
		h = vg.Points(540)
	}
	w := vg.Points(math.Max(620, float64(120*len(names)+200)))
	return &chart{Name: "ablation_" + a.Axis.Name, W: w, H: h,
		Title: fmt.Sprintf("%s: params, multiply-adds, best validation top-1 and time per epoch", a.Axis.Title),
		Rows:  [][]*plot.Plot{{panels[0], panels[1]}, {panels[2], panels[3]}}}, nil
}

// yErrs pairs bar tops with their error bars for plotter.NewYErrorBars.
type yErrs struct {
	plotter.XYs
	plotter.YErrors
}
