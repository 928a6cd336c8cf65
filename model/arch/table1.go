package arch

import (
	"fmt"
	"slices"
	"strings"
)

// PaperComparable reports whether the paper's Table 1 describes s (the standard network at 224x224x3,
// width 1, reduce module with pool projections, the paper's channel table), and if not, why.
func PaperComparable(s Spec) (bool, string) {
	var why []string
	if s.ImageSize != 224 {
		why = append(why, fmt.Sprintf("this model's input is %dx%d", s.ImageSize, s.ImageSize))
	}
	if s.InChannels != 3 {
		why = append(why, fmt.Sprintf("it has %d input channel(s)", s.InChannels))
	}
	if s.Width != 1 && s.Width != 0 {
		why = append(why, fmt.Sprintf("its width is %g", s.Width))
	}
	if !s.Reduce || !s.PoolProj {
		why = append(why, "it uses the naive Inception module")
	}
	if !slices.Equal(s.Blocks, DefaultBlocks()) {
		why = append(why, "its block table differs from the paper's")
	}
	return len(why) == 0, strings.Join(why, ", ")
}

// PaperRows is the Table 1 join: the paper's rows by our group name when Table 1 describes s (fc only at
// 1000 classes, the paper's class count), else nil and why not. Every comparison with the paper (cmd/params'
// table, the report's study section) goes through it.
func PaperRows(s Spec) (map[string]PaperRow, string) {
	if ok, why := PaperComparable(s); !ok {
		return nil, why
	}
	rows := make(map[string]PaperRow, len(PaperTable1))
	for _, r := range PaperTable1 {
		rows[r.Group] = r
	}
	if s.NumClasses != 1000 {
		delete(rows, "fc")
	}
	return rows, ""
}
