// Package arch describes GoogLeNet (Inception v1, Szegedy et al. 2014) in plain Go: the network
// description (Spec, BlockSpec, AuxSpec, DefaultSpec), its layer plan (NewPlan: Layer, Shape, Kind, Head)
// with exact parameter and multiply-add counts, the parameter list and initialisation (ParamInfos,
// InitParams), the 1x1-reduction study and the paper's Table 1 rows. It imports only the standard
// library (and model/safetensors for the Tensor type), so experiments, reports and cmd/params can use
// it without linking gorgonia; model builds its graph from a Plan. Errors are prefixed "model: ".
package arch

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// BlockSpec is one row of the Inception channel table (the paper's Table 1): the output widths of the four
// branches and the widths of the 1x1 reductions in front of the 3x3 and 5x5 convolutions. The yaml tags are
// the config keys of model.inception.blocks (package experiments decodes into this type).
type BlockSpec struct {
	Name     string `yaml:"name"` // e.g. "3a"; the leading number is the stage, a max-pool 3/2 separates stages
	Ch1x1    int    `yaml:"ch1x1"`
	Ch3x3Red int    `yaml:"ch3x3red"`
	Ch3x3    int    `yaml:"ch3x3"`
	Ch5x5Red int    `yaml:"ch5x5red"`
	Ch5x5    int    `yaml:"ch5x5"`
	PoolProj int    `yaml:"pool_proj"`
}

// AuxSpec describes the auxiliary classifiers.
type AuxSpec struct {
	Enabled bool
	Weight  float64  // loss weight (paper and tutorial: 0.3)
	After   []string // block names the heads follow (default 4a, 4d)
	Dropout float64  // dropout rate inside the head (tutorial: 0.5)
}

// Spec is everything that determines the network's structure.
type Spec struct {
	InChannels int     // 1 or 3
	ImageSize  int     // square input, >= 32
	NumClasses int     // >= 2
	Width      float64 // channel multiplier (1.0 = the paper)
	Reduce     bool    // true: 1x1 reductions before the 3x3 and 5x5 convs; false: naive module
	PoolProj   bool    // true: pool branch keeps its 1x1 projection; false: bare max-pool (paper Fig. 2a)
	Blocks     []BlockSpec
	Aux        AuxSpec
	Dropout    float64 // before the final dense layer (paper: 0.4)
	Init       string  // "glorot_uniform" (Keras default, the default here) or "he_normal"
}

// DefaultBlocks returns the paper's channel table.
func DefaultBlocks() []BlockSpec {
	return []BlockSpec{
		{"3a", 64, 96, 128, 16, 32, 32},
		{"3b", 128, 128, 192, 32, 96, 64},
		{"4a", 192, 96, 208, 16, 48, 64},
		{"4b", 160, 112, 224, 24, 64, 64},
		{"4c", 128, 128, 256, 24, 64, 64},
		{"4d", 112, 144, 288, 32, 64, 64},
		{"4e", 256, 160, 320, 32, 128, 128},
		{"5a", 256, 160, 320, 32, 128, 128},
		{"5b", 384, 192, 384, 48, 128, 128},
	}
}

// DefaultSpec is the paper's GoogLeNet at 224x224 RGB with aux heads after 4a and 4d.
func DefaultSpec(numClasses int) Spec {
	return Spec{
		InChannels: 3, ImageSize: 224, NumClasses: numClasses, Width: 1,
		Reduce: true, PoolProj: true, Blocks: DefaultBlocks(),
		Aux:     AuxSpec{Enabled: true, Weight: 0.3, After: []string{"4a", "4d"}, Dropout: 0.5},
		Dropout: 0.4, Init: "glorot_uniform",
	}
}

// Stage returns the stage number a block name starts with ("4e" -> 4), or an error when it has none.
func Stage(name string) (int, error) {
	if n := (BlockSpec{Name: name}).Stage(); n > 0 {
		return n, nil
	}
	return 0, fmt.Errorf("model: block name %q must start with its stage number, like 3a or 4e", name)
}

// Scale applies the width multiplier to a channel count (rounded, at least 1).
func (s Spec) Scale(c int) int {
	if s.Width == 0 || s.Width == 1 {
		return c
	}
	v := int(float64(c)*s.Width + 0.5)
	if v < 1 {
		v = 1
	}
	return v
}

// Size limits. They keep every count of the plan (parameters, multiply-adds, activations) far inside
// int64, so no combination of valid fields can overflow: a layer has at most MaxChannels outputs, four
// concatenated branches at most 4*MaxChannels, and spatial maps at most MaxImageSize squared.
const (
	MaxChannels  = 1 << 15 // channels of one convolution or dense layer after the width multiplier
	MaxImageSize = 1024    // input side in pixels
	MaxClasses   = 1 << 20
)

// baseChannels are the channel counts the width multiplier scales besides the blocks' (stem, aux head).
var baseChannels = []int{64, 192, 128, 1024}

// Validate reports the first structural problem of the spec.
func (s Spec) Validate() error {
	switch {
	case s.ImageSize > MaxImageSize:
		return fmt.Errorf("model: image_size must be <= %d, got %d", MaxImageSize, s.ImageSize)
	case s.NumClasses > MaxClasses:
		return fmt.Errorf("model: num_classes must be <= %d, got %d", MaxClasses, s.NumClasses)
	}
	if err := s.checkWidth(); err != nil {
		return err
	}
	switch {
	case s.InChannels != 1 && s.InChannels != 3:
		return fmt.Errorf("model: in_channels must be 1 or 3, got %d", s.InChannels)
	case s.ImageSize < 32:
		return fmt.Errorf("model: image_size must be >= 32, got %d", s.ImageSize)
	case s.NumClasses < 2:
		return fmt.Errorf("model: num_classes must be >= 2, got %d", s.NumClasses)
	case s.Width <= 0:
		return fmt.Errorf("model: width must be > 0, got %g", s.Width)
	case s.Dropout < 0 || s.Dropout >= 1:
		return fmt.Errorf("model: dropout must be in [0,1), got %g", s.Dropout)
	case s.Aux.Enabled && (s.Aux.Dropout < 0 || s.Aux.Dropout >= 1):
		return fmt.Errorf("model: aux dropout must be in [0,1), got %g", s.Aux.Dropout)
	case s.Aux.Weight < 0:
		return fmt.Errorf("model: aux weight must be >= 0, got %g", s.Aux.Weight)
	}
	if !slices.Contains(Inits, s.Init) && s.Init != "" {
		return fmt.Errorf("model: init must be %s, got %q", strings.Join(Inits, " or "), s.Init)
	}
	if ps := CheckBlocks(s.Blocks); len(ps) > 0 {
		p := ps[0]
		if p.Index < 0 {
			return fmt.Errorf("model: blocks: %s", p.Msg)
		}
		return fmt.Errorf("model: blocks[%d] (%s): %s: %s", p.Index, s.Blocks[p.Index].Name, p.Field, p.Msg)
	}
	seen := map[string]bool{}
	for _, b := range s.Blocks {
		seen[b.Name] = true
	}
	if s.Aux.Enabled {
		for _, a := range s.Aux.After {
			if !seen[a] {
				return fmt.Errorf("model: aux head after %q names no block (blocks: %s)", a, strings.Join(blockNames(s.Blocks), ", "))
			}
		}
	}
	return nil
}

// BlockFields are the channel-table column names, in BlockSpec order.
var BlockFields = []string{"ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "pool_proj"}

func blockNames(bs []BlockSpec) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	return out
}

// SamePad returns TensorFlow 'SAME' padding for one spatial axis of size n, kernel k, stride s:
// out = ceil(n/s), total = max((out-1)*s + k - n, 0), before = total/2, after = total - before.
func SamePad(n, k, s int) (out, before, after int) {
	out = (n + s - 1) / s
	total := (out-1)*s + k - n
	if total < 0 {
		total = 0
	}
	return out, total / 2, total - total/2
}

// checkWidth rejects a width multiplier (or channel table) that makes a layer wider than MaxChannels,
// before Scale converts the product to an int (a float beyond int64 converts to garbage).
func (s Spec) checkWidth() error {
	if s.Width == 0 || s.Width == 1 {
		s.Width = 1
	}
	if math.IsNaN(s.Width) {
		return fmt.Errorf("model: width must be a number, got %g", s.Width)
	}
	check := func(what string, c int) error {
		if v := float64(c) * s.Width; v > MaxChannels {
			return fmt.Errorf("model: width %g makes %s %.4g channels wide; at most %d channels per layer are allowed (largest width for this table: %.4g)",
				s.Width, what, v, MaxChannels, MaxChannels/float64(s.maxBase()))
		}
		return nil
	}
	for _, c := range baseChannels {
		if err := check("the stem/aux layer of "+strconv.Itoa(c), c); err != nil {
			return err
		}
	}
	for i, b := range s.Blocks {
		for j, c := range []int{b.Ch1x1, b.Ch3x3Red, b.Ch3x3, b.Ch5x5Red, b.Ch5x5, b.PoolProj} {
			if c > MaxChannels {
				return fmt.Errorf("model: blocks[%d] (%s): %s must be <= %d, got %d", i, b.Name, BlockFields[j], MaxChannels, c)
			}
			if err := check(fmt.Sprintf("blocks[%d] (%s) %s", i, b.Name, BlockFields[j]), c); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxBase is the widest channel count the width multiplier scales.
func (s Spec) maxBase() int {
	m := 1
	for _, c := range baseChannels {
		m = max(m, c)
	}
	for _, b := range s.Blocks {
		m = max(m, b.Ch1x1, b.Ch3x3Red, b.Ch3x3, b.Ch5x5Red, b.Ch5x5, b.PoolProj)
	}
	return m
}
