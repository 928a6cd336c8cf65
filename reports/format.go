package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"inceptionlab/internal/numfmt"
)

// dash stands for an unknown value.
const dash = numfmt.Dash

// cell is one formatted table value: Text is shown, Title is the exact
// value on hover, Sort is the raw value the table sorts by ("" sorts last).
type cell struct {
	Text, Title, Sort string
}

// The number formats are internal/numfmt's (the same in every command): commas = numfmt.Commas,
// siCount = numfmt.Count, pct = numfmt.Percent.
var (
	commas  = numfmt.Commas
	siCount = numfmt.Count
	pct     = numfmt.Percent
)

// countCell formats a known count; ok=false gives a dash.
func countCell(n int64, ok bool) cell {
	if !ok {
		return cell{Text: dash}
	}
	return cell{Text: siCount(float64(n)), Title: commas(n), Sort: strconv.FormatInt(n, 10)}
}

// pctCell formats a fraction for a table.
func pctCell(f float64) cell {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return cell{Text: dash}
	}
	return cell{Text: pct(f), Sort: num(f)}
}

// seconds formats a duration given in seconds: 41.25 -> "41.2 s",
// 123 -> "2m 03s", 7384 -> "2h 03m".
func seconds(s float64) string {
	switch {
	case math.IsNaN(s) || math.IsInf(s, 0) || s < 0:
		return dash
	case s < 60:
		return fmt.Sprintf("%.1f s", s)
	case s < 3600:
		t := int64(math.Round(s))
		return fmt.Sprintf("%dm %02ds", t/60, t%60)
	default:
		t := int64(math.Round(s / 60))
		return fmt.Sprintf("%dh %02dm", t/60, t%60)
	}
}

func secondsCell(s float64) cell {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		return cell{Text: dash}
	}
	return cell{Text: seconds(s), Sort: num(s)}
}

// rateCell formats images per second.
func rateCell(r float64) cell {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return cell{Text: dash}
	}
	return cell{Text: fmt.Sprintf("%.1f", r), Sort: num(r)}
}

// num is the sort key of a float.
func num(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }

// ratioText writes a/b as "2.8x"; unknown or zero b gives a dash.
func ratioText(a, b float64) string {
	r := a / b
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return dash
	}
	if r >= 9.95 {
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.2fx", r)
}

func ratioCell(a, b float64) cell {
	t := ratioText(a, b)
	if t == dash {
		return cell{Text: dash}
	}
	return cell{Text: t, Sort: num(a / b)}
}

// points writes the difference of two fractions in percentage points with
// a sign: (0.54, 0.552) -> "-1.2 points".
func points(a, b float64) string {
	d := 100 * (a - b)
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return dash
	}
	if math.Abs(d) < 0.05 {
		return "±0.0 points"
	}
	return fmt.Sprintf("%+.1f points", d)
}

// stamp formats a time in UTC so that reports do not depend on the
// machine's zone.
func stamp(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// orDash returns s, or a dash for an empty s.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return dash
	}
	return s
}
