package numfmt

import (
	"math"
	"testing"
)

func TestFormats(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"commas small", Commas(950), "950"},
		{"commas", Commas(6998552), "6,998,552"},
		{"commas negative", Commas(-50688), "-50,688"},
		{"count small", Count(950), "950"},
		{"count below 10k", Count(9999), "9,999"},
		{"count k", Count(50688), "50.7 k"},
		{"count M", Count(6797700), "6.80 M"},
		{"count G", Count(1.58e9), "1.58 G"},
		{"count NaN", Count(math.NaN()), Dash},
		{"bytes", Bytes(900), "900 bytes"},
		{"bytes KiB", Bytes(256 << 10), "256 KiB"},
		{"bytes MiB", Bytes(3355443), "3.2 MiB"},
		{"bytes GiB", Bytes(1 << 30), "1.0 GiB"},
		{"bytes 3 GiB", Bytes(3 << 30), "3.0 GiB"},
		{"bytes TiB", Bytes(1 << 43), "8.0 TiB"},
		{"bytes EiB", Bytes(math.MaxInt64), "8.0 EiB"},
		{"percent", Percent(0.5534), "55.3%"},
		{"percent one", Percent(1), "100.0%"},
		{"percent NaN", Percent(math.NaN()), Dash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
