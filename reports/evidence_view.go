package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Limits of the per-example views.
const (
	thumbsPerVariant = 15 // misclassified thumbnails shown per variant
)

// variantRow is one row of the variants table: a configuration with its
// seeds pooled.
type variantRow struct {
	Label, Seeds, Trials                  string
	N                                     int
	Val, Test, ValRange, TestRange, Epoch cell
	Params, MACs                          cell
}

func newVariantRows(vs []*variant) []variantRow {
	var out []variantRow
	for _, v := range vs {
		val := make([]float64, len(v.Runs))
		test := make([]float64, len(v.Runs))
		secs := make([]float64, len(v.Runs))
		var trials []string
		for i, r := range v.Runs {
			val[i], test[i], secs[i] = r.BestValTop1, r.testTop1(), r.secondsPerEpoch()
			trials = append(trials, r.Trial)
		}
		r0 := v.Runs[0]
		params, pok := r0.count(keyParams)
		macs, mok := r0.count(keyMACs)
		sv, st := Summarize(val), Summarize(test)
		out = append(out, variantRow{Label: v.Label, Seeds: v.seeds(), Trials: strings.Join(trials, ", "), N: len(v.Runs),
			Val: ciCell(sv), Test: ciCell(st), ValRange: rangeCell(sv), TestRange: rangeCell(st),
			Epoch: secondsCell(Summarize(secs).Mean), Params: countCell(params, pok), MACs: countCell(macs, mok)})
	}
	return out
}

// ciCell writes an accuracy summary as "55.3% ± 1.2" (the t-based 95% CI
// half-width; the value alone for one seed), sorting by the mean. An
// interval passing 0% or 100% is clipped there and written as
// "99.2% +0.8/−2.6", as in the ablation tables.
func ciCell(s Summary) cell {
	if s.N == 0 {
		return cell{Text: dash}
	}
	c := cell{Text: pct(s.Mean), Sort: num(s.Mean)}
	if s.N > 1 && !math.IsNaN(s.HalfWidth) {
		lo, hi := stat{Mean: s.Mean, Half: s.HalfWidth}.interval(kindPct)
		if lo != s.CILow || hi != s.CIHigh {
			c.Text += fmt.Sprintf(" +%.1f/−%.1f", 100*(hi-s.Mean), 100*(s.Mean-lo))
		} else {
			c.Text += fmt.Sprintf(" ± %.1f", 100*s.HalfWidth)
		}
		c.Title = fmt.Sprintf("95%% CI %s to %s, SD %.2f points, n=%d", pct(lo), pct(hi), 100*s.SD, s.N)
	}
	return c
}

// rangeCell writes the min-max of a summary: "54.1-56.0%".
func rangeCell(s Summary) cell {
	if s.N < 2 {
		return cell{Text: dash}
	}
	return cell{Text: fmt.Sprintf("%.1f–%.1f%%", 100*s.Min, 100*s.Max), Sort: num(s.Min)}
}

// confusionView is one variant's test confusion matrix, summed over its
// seeds, drawn as a heatmap table (row-normalised shading).
type confusionView struct {
	Label, Note string
	Classes     []string
	Rows        []confusionRow
}

type confusionRow struct {
	Class string
	Cells []heatCell
	Acc   string
}

type heatCell struct {
	Text, Title string
	Style       template.CSS
}

// classAccView is the per-class accuracy table: one row per class, test
// and validation accuracy (means over seeds) of every variant.
type classAccView struct {
	Variants []string
	Rows     []classAccRow
}

type classAccRow struct {
	Class string
	Cells []classAccCell
}

// classAccCell is one class's pooled accuracy: Main "85.0% (255/300)" over
// Sub "80.5–88.6" (the Wilson interval, in points).
type classAccCell struct {
	Main, Sub, Title, Sort string
}

func newConfusionViews(vs []*variant) ([]confusionView, *classAccView) {
	var out []confusionView
	acc := &classAccView{}
	var classes []string
	type perVariant struct{ test, val []classCounts } // per run
	var pv []perVariant
	for _, v := range vs {
		var sum [][]int
		var x perVariant
		n := 0
		for _, r := range v.Runs {
			if len(r.Classes) > len(classes) {
				classes = r.Classes
			}
			if r.TestConf != nil {
				sum = addConfusion(sum, r.TestConf)
				x.test = append(x.test, countClasses(r.TestConf, r.Seed))
				n++
			}
			if r.ValConf != nil {
				x.val = append(x.val, countClasses(r.ValConf, r.Seed))
			}
		}
		pv = append(pv, x)
		if sum == nil {
			continue
		}
		cv := confusionView{Label: v.Label, Note: fmt.Sprintf("test split, summed over %d run%s (seed%s %s)", n, plural(n),
			plural(len(v.Runs)), v.seeds())}
		for i := range sum {
			cv.Classes = append(cv.Classes, className(classes, i))
		}
		for i, row := range sum {
			total := 0
			for _, c := range row {
				total += c
			}
			cr := confusionRow{Class: className(classes, i), Acc: dash}
			if total > 0 {
				cr.Acc = pct(float64(row[i]) / float64(total))
			}
			for j, c := range row {
				f := 0.0
				if total > 0 {
					f = float64(c) / float64(total)
				}
				cr.Cells = append(cr.Cells, heatCell{Text: fmt.Sprint(c), Style: heatStyle(f, i == j),
					Title: fmt.Sprintf("true %s, predicted %s: %d of %d (%s)", className(classes, i), className(classes, j), c, total, pct(f))})
			}
			cv.Rows = append(cv.Rows, cr)
		}
		out = append(out, cv)
	}
	if len(out) == 0 {
		return nil, nil
	}
	k := len(out[0].Classes)
	for _, cv := range out {
		k = max(k, len(cv.Classes))
	}
	for _, v := range vs {
		acc.Variants = append(acc.Variants, v.Label)
	}
	for i := 0; i < k; i++ {
		row := classAccRow{Class: className(classes, i)}
		for _, x := range pv {
			row.Cells = append(row.Cells, pooledCell(x.test, i), pooledCell(x.val, i))
		}
		acc.Rows = append(acc.Rows, row)
	}
	return out, acc
}

// classCounts is one run's correct predictions and examples per class (a
// confusion matrix's diagonal and row sums).
type classCounts struct {
	seed           int64
	correct, total []int
}

func countClasses(m [][]int, seed int64) classCounts {
	c := classCounts{seed: seed, correct: make([]int, len(m)), total: make([]int, len(m))}
	for i, row := range m {
		for j, n := range row {
			c.total[i] += n
			if i == j {
				c.correct[i] += n
			}
		}
	}
	return c
}

// pooledCell writes class i's accuracy pooled over runs: all runs' correct
// predictions over all their examples of the class, "85.0% (255/300)", with
// the Wilson 95% interval of that proportion, "80.5–88.6", sorting by the
// accuracy. The title lists each run's own count.
func pooledCell(runs []classCounts, i int) classAccCell {
	k, n := 0, 0
	var per []string
	for _, r := range runs {
		if i >= len(r.total) || r.total[i] == 0 {
			continue
		}
		k, n = k+r.correct[i], n+r.total[i]
		per = append(per, fmt.Sprintf("seed %d: %d/%d", r.seed, r.correct[i], r.total[i]))
	}
	if n == 0 {
		return classAccCell{Main: dash}
	}
	acc := float64(k) / float64(n)
	lo, hi := Wilson(k, n)
	return classAccCell{Main: fmt.Sprintf("%s (%d/%d)", pct(acc), k, n), Sub: fmt.Sprintf("%.1f–%.1f", 100*lo, 100*hi), Sort: num(acc),
		Title: fmt.Sprintf("Wilson 95%% interval %s to %s of the pooled proportion; %s", pct(lo), pct(hi), strings.Join(per, ", "))}
}

// heatStyle shades a cell by its share of the row: blue on the diagonal,
// red off it; text turns white on dark cells.
func heatStyle(f float64, diag bool) template.CSS {
	r, g, b := 225, 87, 89
	if diag {
		r, g, b = 78, 121, 167
	}
	a := math.Round(100*math.Min(1, math.Max(0, f))) / 100
	style := fmt.Sprintf("background: rgba(%d, %d, %d, %.2f)", r, g, b, a)
	if a > 0.55 {
		style += "; color: #fff"
	}
	return template.CSS(style)
}

// mistakesView is a grid of one variant's misclassified test images.
type mistakesView struct {
	Label, Note string
	Thumbs      []thumbView
}

type thumbView struct {
	Src         template.URL
	True, Pred  string
	Title, Kind string
}

func newMistakesViews(vs []*variant) []mistakesView {
	var out []mistakesView
	for _, v := range vs {
		for _, r := range v.Runs {
			if len(r.Thumbs) == 0 {
				continue
			}
			byEx := map[int]int{}
			for i, p := range r.TestPreds {
				byEx[p.Example] = i
			}
			wrong := 0
			for _, p := range r.TestPreds {
				if !p.Correct() {
					wrong++
				}
			}
			mv := mistakesView{Label: v.Label}
			for _, t := range r.Thumbs {
				if len(mv.Thumbs) == thumbsPerVariant {
					break
				}
				i, ok := byEx[t.Example]
				if !ok {
					continue
				}
				p := r.TestPreds[i]
				tv := thumbView{Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(t.PNG)),
					True: className(r.Classes, p.Label), Pred: className(r.Classes, p.Pred)}
				tv.Title = fmt.Sprintf("test image %d: true %s, predicted %s", t.Example, tv.True, tv.Pred)
				if !math.IsNaN(p.PTrue) {
					tv.Title += fmt.Sprintf(" (p(true) = %.2f)", p.PTrue)
				}
				mv.Thumbs = append(mv.Thumbs, tv)
			}
			mv.Note = fmt.Sprintf("run %s (seed %d): the first %d of its %d misclassified test images", short8(r.ID), r.Seed,
				len(mv.Thumbs), wrong)
			out = append(out, mv)
			break // one run (the lowest seed) per variant
		}
	}
	return out
}

func short8(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
