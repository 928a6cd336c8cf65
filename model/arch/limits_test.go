package arch

import (
	"math"
	"strings"
	"testing"
)

// Issue 15 case 5: sizes whose counts would overflow int64 (or conversions from float) are rejected by
// validation, and every accepted spec has positive counts.
func TestSpecSizeLimits(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string // "" = valid
	}{
		{"paper", func(*Spec) {}, ""},
		{"largest width", func(s *Spec) { s.Width = MaxChannels / 1024.0 }, ""},
		{"largest image", func(s *Spec) { s.ImageSize = MaxImageSize }, ""},
		{"width 1e9", func(s *Spec) { s.Width = 1e9 }, "width 1e+09 makes"},
		{"width 1e15", func(s *Spec) { s.Width = 1e15 }, "width 1e+15 makes"},
		{"width +Inf", func(s *Spec) { s.Width = math.Inf(1) }, "width +Inf makes"},
		{"huge block", func(s *Spec) { s.Blocks[0].Ch3x3 = 1 << 40 }, "ch3x3"},
		{"huge image", func(s *Spec) { s.ImageSize = 1 << 40 }, "image_size must be <="},
		{"huge classes", func(s *Spec) { s.NumClasses = 1 << 40 }, "num_classes must be <="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSpec(1000)
			tt.edit(&s)
			p, err := NewPlan(s)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("NewPlan: %v; want an error containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, aux := range []bool{false, true} {
				if p.TotalParams(aux) <= 0 || p.TotalMACs(aux) <= 0 {
					t.Fatalf("counts %d params, %d MACs", p.TotalParams(aux), p.TotalMACs(aux))
				}
			}
			for _, l := range p.Layers {
				if l.Params < 0 || l.MACs < 0 {
					t.Fatalf("layer %s: %d params, %d MACs", l.Name, l.Params, l.MACs)
				}
			}
		})
	}
}
