package arch

import (
	"strings"
	"testing"
)

func TestPaperRows(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Spec)
		rows    int
		fc      bool
		whyPart string
	}{
		{"paper", func(*Spec) {}, len(PaperTable1), true, ""},
		{"10 classes: no fc row", func(s *Spec) { s.NumClasses = 10 }, len(PaperTable1) - 1, false, ""},
		{"32x32", func(s *Spec) { s.ImageSize = 32 }, 0, false, "input is 32x32"},
		{"naive", func(s *Spec) { s.Reduce = false }, 0, false, "naive Inception module"},
		{"custom blocks", func(s *Spec) { s.Blocks = s.Blocks[:3] }, 0, false, "block table differs"},
		{"width", func(s *Spec) { s.Width = 0.5 }, 0, false, "width is 0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSpec(1000)
			tc.edit(&s)
			rows, why := PaperRows(s)
			_, fc := rows["fc"]
			if len(rows) != tc.rows || fc != tc.fc {
				t.Errorf("%d rows (fc %t), want %d (fc %t)", len(rows), fc, tc.rows, tc.fc)
			}
			if tc.whyPart == "" && why != "" || tc.whyPart != "" && !strings.Contains(why, tc.whyPart) {
				t.Errorf("why = %q, want it to mention %q", why, tc.whyPart)
			}
		})
	}
}
