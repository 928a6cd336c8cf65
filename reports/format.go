package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// dash stands for an unknown value.
const dash = "—"

// cell is one formatted table value: Text is shown, Title is the exact
// value on hover, Sort is the raw value the table sorts by ("" sorts last).
type cell struct {
	Text, Title, Sort string
}

// commas writes n with thousands separators: 50688 -> "50,688".
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// siCount abbreviates a count: 950 -> "950", 50688 -> "50.7 k",
// 6797700 -> "6.80 M", 1.5e9 -> "1.50 G".
func siCount(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x):
		return dash
	case a < 1e4:
		return commas(int64(math.Round(x)))
	case a < 1e6:
		return fmt.Sprintf("%.1f k", x/1e3)
	case a < 1e9:
		return fmt.Sprintf("%.2f M", x/1e6)
	default:
		return fmt.Sprintf("%.2f G", x/1e9)
	}
}

// countCell formats a known count; ok=false gives a dash.
func countCell(n int64, ok bool) cell {
	if !ok {
		return cell{Text: dash}
	}
	return cell{Text: siCount(float64(n)), Title: commas(n), Sort: strconv.FormatInt(n, 10)}
}

// pct formats a fraction as a percentage: 0.5534 -> "55.3%".
func pct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dash
	}
	return fmt.Sprintf("%.1f%%", 100*f)
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
