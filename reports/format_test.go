package reports

import (
	"math"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name, got, want string
	}{
		{"commas small", commas(950), "950"},
		{"commas", commas(50688), "50,688"},
		{"commas million", commas(819200), "819,200"},
		{"commas negative", commas(-1234567), "-1,234,567"},
		{"si small", siCount(9999), "9,999"},
		{"si k", siCount(50688), "50.7 k"},
		{"si M", siCount(6797700), "6.80 M"},
		{"si G", siCount(1.5e9), "1.50 G"},
		{"si NaN", siCount(nan), dash},
		{"pct", pct(0.5534), "55.3%"},
		{"pct NaN", pct(nan), dash},
		{"seconds short", seconds(41.25), "41.2 s"},
		{"seconds minutes", seconds(123), "2m 03s"},
		{"seconds hours", seconds(7384), "2h 03m"},
		{"seconds unknown", seconds(nan), dash},
		{"ratio", ratioText(2.8, 1), "2.80x"},
		{"ratio big", ratioText(819200, 50688), "16.2x"},
		{"ratio zero base", ratioText(1, 0), dash},
		{"ratio unknown", ratioText(nan, 1), dash},
		{"points down", points(0.54, 0.552), "-1.2 points"},
		{"points up", points(0.56, 0.552), "+0.8 points"},
		{"points zero", points(0.5, 0.5), "±0.0 points"},
		{"points unknown", points(nan, 0.5), dash},
		{"stamp UTC", stamp(time.Date(2026, 3, 1, 13, 4, 5, 0, time.FixedZone("CET", 3600))), "2026-03-01 12:04:05 UTC"},
		{"stamp zero", stamp(time.Time{}), dash},
		{"orDash", orDash("  "), dash},
		{"bytes", byteSize(1536), "1.5 KiB"},
		{"paper K", paperCell(159*1024, 1024, "K").Text, "159K"},
		{"paper small", paperCell(2765, 1024, "K").Text, "2.7K"},
		{"paper none", paperCell(0, 1e6, "M").Text, dash},
		{"legend short", legendText("reduce=true"), "reduce=true"},
		{"legend long", legendText("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"), "abcdefghijklmnopqrstuvwxyz0123456789ABC…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestCells(t *testing.T) {
	tests := []struct {
		name string
		got  cell
		want cell
	}{
		{"count", countCell(50688, true), cell{Text: "50.7 k", Title: "50,688", Sort: "50688"}},
		{"unknown count", countCell(0, false), cell{Text: dash}},
		{"pct", pctCell(0.25), cell{Text: "25.0%", Sort: "0.25"}},
		{"pct NaN", pctCell(math.NaN()), cell{Text: dash}},
		{"seconds", secondsCell(61), cell{Text: "1m 01s", Sort: "61"}},
		{"rate", rateCell(1234.56), cell{Text: "1234.6", Sort: "1234.56"}},
		{"ratio", ratioCell(3, 1), cell{Text: "3.00x", Sort: "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %+v, want %+v", tt.got, tt.want)
			}
		})
	}
}

func TestFileLink(t *testing.T) {
	tests := []struct {
		name, path, base, shown, href string
	}{
		{"relative", "/data/runs/exp/t/best.ckpt", "/data/runs/exp", "t/best.ckpt", "t/best.ckpt"},
		{"parent", "/data/ckpt/a b.ckpt", "/data/runs", "../ckpt/a b.ckpt", "../ckpt/a%20b.ckpt"},
		{"colon in first segment", "/r/a:b/c", "/r", "a:b/c", "./a:b/c"},
		{"absolute", "/data/x#1.ckpt", "", "/data/x#1.ckpt", "file:///data/x%231.ckpt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shown, href := fileLink(tt.path, tt.base)
			if shown != tt.shown || string(href) != tt.href {
				t.Errorf("fileLink(%q, %q) = %q, %q; want %q, %q", tt.path, tt.base, shown, href, tt.shown, tt.href)
			}
		})
	}
}

// TestTrialRowTestTTA checks that the trials table says when a test figure
// is a mean over test-time augmentation views, and only then.
func TestTrialRowTestTTA(t *testing.T) {
	top := 0.9326
	tests := []struct {
		name   string
		params map[string]string
		test   *float64
		want   string
	}{
		{"recorded before test.tta", map[string]string{}, &top, "93.3%"},
		{"none", map[string]string{keyTTA: "none"}, &top, "93.3%"},
		{"hflip", map[string]string{keyTTA: "hflip"}, &top, "93.3% (hflip)"},
		{"crops", map[string]string{keyTTA: "crops"}, &top, "93.3% (crops)"},
		{"not evaluated", map[string]string{keyTTA: "hflip"}, nil, dash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{}
			r.Params, r.TestTop1, r.BestEpoch = tt.params, tt.test, -1
			row := newTrialRow(&trial{Name: "t", Runs: []*run{r}, Rep: r})
			if row.Test.Text != tt.want {
				t.Errorf("test cell %q, want %q", row.Test.Text, tt.want)
			}
		})
	}
}
