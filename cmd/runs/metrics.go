package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"inceptionlab/tracking"
)

// metricNames are the run metrics list -where can compare and list -sort can order by.
var metricNames = []string{"best_val_top1", "best_val_top5", "test_top1", "test_top5", "test_loss", "epochs", "best_epoch",
	"seconds"}

// metricOf returns a run's metric by name, NaN when the run has none.
func metricOf(r tracking.RunSummary, name string) float64 {
	opt := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	switch name {
	case "best_val_top1":
		return r.BestValTop1
	case "best_val_top5":
		return r.BestValTop5
	case "test_top1":
		return opt(r.TestTop1)
	case "test_top5":
		return opt(r.TestTop5)
	case "test_loss":
		return opt(r.TestLoss)
	case "epochs":
		return float64(r.Epochs)
	case "best_epoch":
		if r.BestEpoch < 0 {
			return math.NaN()
		}
		return float64(r.BestEpoch)
	case "seconds":
		return r.Duration().Seconds()
	}
	return math.NaN()
}

func isMetric(name string) bool {
	for _, m := range metricNames {
		if m == name {
			return true
		}
	}
	return false
}

// metricCond is one -where comparison of a metric with a number.
type metricCond struct {
	metric, op string
	value      float64
}

// operators in the order they are looked for (two-character ones first).
var operators = []string{">=", "<=", "!=", ">", "<", "="}

// parseWhere splits a -where argument into a metric comparison (best_val_top1>0.8) or a param
// equality (train.lr=0.001).
func parseWhere(s string) (cond *metricCond, key, value string, err error) {
	at, op := -1, ""
	for _, o := range operators {
		if i := strings.Index(s, o); i >= 0 && (at < 0 || i < at || (i == at && len(o) > len(op))) {
			at, op = i, o
		}
	}
	if at <= 0 {
		return nil, "", "", fmt.Errorf("-where %q: want key=value (a param) or METRIC<op>NUMBER with op one of "+
			"> >= < <= = != and METRIC one of %s", s, strings.Join(metricNames, ", "))
	}
	k, v := strings.TrimSpace(s[:at]), strings.TrimSpace(s[at+len(op):])
	if isMetric(k) {
		f, perr := strconv.ParseFloat(v, 64)
		if perr != nil || math.IsNaN(f) {
			return nil, "", "", fmt.Errorf("-where %q: %s must be compared with a number, got %q", s, k, v)
		}
		return &metricCond{metric: k, op: op, value: f}, "", "", nil
	}
	if op != "=" {
		return nil, "", "", fmt.Errorf("-where %q: %q is not a metric (one of %s); params match with key=value only",
			s, k, strings.Join(metricNames, ", "))
	}
	return nil, k, v, nil
}

// holds reports whether r satisfies the comparison; a run without the metric never does.
func (c metricCond) holds(r tracking.RunSummary) bool {
	v := metricOf(r, c.metric)
	if math.IsNaN(v) {
		return false
	}
	switch c.op {
	case ">":
		return v > c.value
	case ">=":
		return v >= c.value
	case "<":
		return v < c.value
	case "<=":
		return v <= c.value
	case "!=":
		return v != c.value
	}
	return v == c.value
}

// sortRuns orders runs by a metric or column: "test_top1" ascending, "-test_top1" descending; runs
// without the metric come last either way, ties keep their order (oldest first).
func sortRuns(runs []tracking.RunSummary, by string) error {
	desc := strings.HasPrefix(by, "-")
	key := strings.TrimPrefix(by, "-")
	var less func(a, b tracking.RunSummary) int
	switch {
	case isMetric(key):
		less = func(a, b tracking.RunSummary) int {
			x, y := metricOf(a, key), metricOf(b, key)
			switch {
			case math.IsNaN(x) && math.IsNaN(y):
				return 0
			case math.IsNaN(x):
				return 2 // last in both directions
			case math.IsNaN(y):
				return -2
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	case key == "trial" || key == "experiment" || key == "status" || key == "start":
		less = func(a, b tracking.RunSummary) int {
			var x, y string
			switch key {
			case "trial":
				x, y = a.Trial, b.Trial
			case "experiment":
				x, y = a.Experiment, b.Experiment
			case "status":
				x, y = string(a.Status), string(b.Status)
			default:
				return a.Start.Compare(b.Start)
			}
			return strings.Compare(x, y)
		}
	default:
		return fmt.Errorf("-sort %q: want a metric (%s) or trial, experiment, status, start, with - for descending",
			by, strings.Join(metricNames, ", "))
	}
	sort.SliceStable(runs, func(i, j int) bool {
		c := less(runs[i], runs[j])
		if c == 2 || c == -2 {
			return c < 0
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	return nil
}

// tagText shows a run's tags as k=v, sorted, comma-separated ("-" for none).
func tagText(tags map[string]string) string {
	if len(tags) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return strings.Join(parts, ",")
}
