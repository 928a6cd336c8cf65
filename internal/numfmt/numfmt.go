// Package numfmt is how every command and the report print numbers, so that a count or an accuracy
// reads the same in the runner's summary, runs list, params and the HTML report: counts with thousands
// separators (Commas: 6,998,552) or abbreviated with SI prefixes (Count: 950, 50.7 k, 7.00 M, 1.58 G),
// accuracies and other fractions as percentages with one decimal (Percent: 0.5534 -> 55.3%). Unknown
// values (NaN, a missing count) print as Dash.
package numfmt

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dash stands for an unknown value.
const Dash = "—"

// Commas writes n with thousands separators: 50688 -> "50,688".
func Commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Bytes writes a byte count in binary units: 900 -> "900 bytes", 262144 -> "256 KiB", 3355443 ->
// "3.2 MiB", 1<<30 -> "1.0 GiB", 1<<43 -> "8.0 TiB".
func Bytes(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	div, exp := int64(1<<20), 0
	for m := n >> 20; m >= 1<<10 && exp < 4; m >>= 10 {
		div <<= 10
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "MGTPE"[exp])
}

// Count abbreviates a count: 950 -> "950", 9999 -> "9,999", 50688 -> "50.7 k", 6797700 -> "6.80 M",
// 1.5e9 -> "1.50 G". NaN gives Dash.
func Count(x float64) string {
	a := math.Abs(x)
	switch {
	case math.IsNaN(x):
		return Dash
	case a < 1e4:
		return Commas(int64(math.Round(x)))
	case a < 1e6:
		return fmt.Sprintf("%.1f k", x/1e3)
	case a < 1e9:
		return fmt.Sprintf("%.2f M", x/1e6)
	default:
		return fmt.Sprintf("%.2f G", x/1e9)
	}
}

// Percent writes a fraction as a percentage with one decimal: 0.5534 -> "55.3%". NaN and infinities
// give Dash.
func Percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Dash
	}
	return fmt.Sprintf("%.1f%%", 100*f)
}
