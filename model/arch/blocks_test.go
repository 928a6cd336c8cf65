package arch

import (
	"reflect"
	"testing"
)

func TestCheckBlocks(t *testing.T) {
	b := func(name string, w int) BlockSpec { return BlockSpec{name, w, w, w, w, w, w} }
	tests := []struct {
		name   string
		blocks []BlockSpec
		want   []BlockProblem
	}{
		{"paper", DefaultBlocks(), nil},
		{"empty", nil, []BlockProblem{{-1, "", "must list at least one block"}}},
		{"no stage", []BlockSpec{b("a3", 1)}, []BlockProblem{{0, "name", `must be a stage number followed by a letter, like 3a or 4e, got "a3"`}}},
		{"digits only", []BlockSpec{b("3", 1)}, []BlockProblem{{0, "name", `must be a stage number followed by a letter, like 3a or 4e, got "3"`}}},
		{"duplicate", []BlockSpec{b("3a", 1), b("3a", 1)}, []BlockProblem{{1, "name", `"3a" is already the name of block 0`}}},
		{"stage order", []BlockSpec{b("4a", 1), b("3a", 1)}, []BlockProblem{{1, "name", `stage 3 block "3a" comes after stage 4 block "4a"; stages must not decrease`}}},
		{"width", []BlockSpec{{"3a", 1, 1, 0, 1, 1, -2}}, []BlockProblem{{0, "ch3x3", "must be > 0, got 0"}, {0, "pool_proj", "must be > 0, got -2"}}},
		{"two-digit stage", []BlockSpec{b("9z", 1), b("10a", 1)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckBlocks(tc.blocks); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CheckBlocks = %v, want %v", got, tc.want)
			}
		})
	}
}
