package arch

import (
	"fmt"
	"regexp"
)

// This file holds the channel-table rules: the one place that says what a valid list of blocks is.
// Spec.Validate (and so NewPlan) and the experiments package's config validation both apply them.

// blockNameRE is a block name: its stage number (1-99), a letter, then letters, digits or _ ("3a", "4e").
var blockNameRE = regexp.MustCompile(`^[1-9][0-9]?[a-z][a-z0-9_]*$`)

// Inits are the valid Spec.Init values (InitParams implements them; "" means the first).
var Inits = []string{"glorot_uniform", "he_normal"}

// Stage returns the stage number the block name starts with (4 for "4e"), or 0 when the name has no
// leading number.
func (b BlockSpec) Stage() int {
	n := 0
	for _, r := range b.Name {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
		if n > 1000 {
			return 0
		}
	}
	return n
}

// Widths returns the block's channel counts in BlockFields order.
func (b BlockSpec) Widths() []int {
	return []int{b.Ch1x1, b.Ch3x3Red, b.Ch3x3, b.Ch5x5Red, b.Ch5x5, b.PoolProj}
}

// BlockProblem is one violation of the channel-table rules: the block's index (-1 for the list as a
// whole), the field ("name" or a BlockFields entry; "" for the list) and what is wrong.
type BlockProblem struct {
	Index int
	Field string
	Msg   string
}

// CheckBlocks applies the channel-table rules and returns every violation, in block order: at least one
// block; names are a stage number followed by a letter (3a, 4e) and unique; stages never decrease along
// the list; every width is > 0.
func CheckBlocks(blocks []BlockSpec) []BlockProblem {
	var ps []BlockProblem
	if len(blocks) == 0 {
		ps = append(ps, BlockProblem{Index: -1, Msg: "must list at least one block"})
	}
	seen := map[string]int{}
	for i, b := range blocks {
		switch {
		case !blockNameRE.MatchString(b.Name):
			ps = append(ps, BlockProblem{i, "name", fmt.Sprintf("must be a stage number followed by a letter, like 3a or 4e, got %q", b.Name)})
		case seen[b.Name] > 0:
			ps = append(ps, BlockProblem{i, "name", fmt.Sprintf("%q is already the name of block %d", b.Name, seen[b.Name]-1)})
		case i > 0 && b.Stage() < blocks[i-1].Stage():
			ps = append(ps, BlockProblem{i, "name", fmt.Sprintf("stage %d block %q comes after stage %d block %q; stages must not decrease",
				b.Stage(), b.Name, blocks[i-1].Stage(), blocks[i-1].Name)})
		}
		seen[b.Name] = i + 1
		for j, w := range b.Widths() {
			if w <= 0 {
				ps = append(ps, BlockProblem{i, BlockFields[j], fmt.Sprintf("must be > 0, got %d", w)})
			}
		}
	}
	return ps
}
