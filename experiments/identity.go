package experiments

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"go.yaml.in/yaml/v3"
)

// laterKey is a config key introduced after v1 (commit cb83301), with the rule that says when its
// value trains exactly like v1 did. Such a key is left out of the text [Experiment.Hash] hashes
// while the rule holds, so a trial's identity (its hash, its run folder, the config hash its
// checkpoints record) is the one v1 gave it.
type laterKey struct {
	path    string
	neutral func(e *Experiment) bool
}

// laterKeys lists every key added since v1. The neutral values are frozen: they describe v1's
// behaviour, not today's defaults, and must not follow a later change of Default. A key added in the
// future goes here with its behaviour-preserving value (TestIdentityKeys fails until it does).
var laterKeys = []laterKey{
	{"data.augment.crop_pad", func(e *Experiment) bool { return e.Data.Augment.CropPad == 0 }},
	{"data.augment.erase", func(e *Experiment) bool { return e.Data.Augment.Erase == 0 }},
	{"data.resize", resizeNeutral},
	{"train.momentum", func(e *Experiment) bool { return e.Train.Momentum == 0.9 }},
	{"train.nesterov", func(e *Experiment) bool { return !e.Train.Nesterov }},
	{"train.weight_decay", func(e *Experiment) bool { return e.Train.WeightDecay == 0 }},
	{"train.label_smoothing", func(e *Experiment) bool { return e.Train.LabelSmoothing == 0 }},
	{"train.schedule.type", func(e *Experiment) bool { return e.Train.Schedule.Type == "constant" }},
	{"train.schedule.every", func(e *Experiment) bool { return e.Train.Schedule.Every == 8 }},
	{"train.schedule.factor", func(e *Experiment) bool { return e.Train.Schedule.Factor == 0.96 }},
	{"train.schedule.warmup_epochs", func(e *Experiment) bool { return e.Train.Schedule.WarmupEpochs == 0 }},
	{"train.schedule.min_lr", func(e *Experiment) bool { return e.Train.Schedule.MinLR == 0 }},
	{"train.schedule.pct_start", func(e *Experiment) bool { return e.Train.Schedule.PctStart == 0.3 }},
	{"train.schedule.div_factor", func(e *Experiment) bool { return e.Train.Schedule.DivFactor == 25 }},
	{"train.schedule.final_div_factor", func(e *Experiment) bool { return e.Train.Schedule.FinalDivFactor == 1e4 }},
	{"train.ema.decay", func(e *Experiment) bool { return e.Train.EMA.Decay == 0 }},
	{"test.tta", func(e *Experiment) bool { return e.Test.TTA == "none" }},
}

// fashionMNISTSide is the side of the Fashion-MNIST images (the embedded and fashion-mnist sources).
const fashionMNISTSide = 28

// resizeNeutral reports whether data.resize gives v1's pixels. v1 always resized with plain bilinear
// interpolation. antialias differs from it only when an image is shrunk, which the Fashion-MNIST
// sources (28x28) never are at an image size of 28 or more; a folder's photos may be any size, so
// antialias on a folder source is a different trial (set data.resize: bilinear to keep v1's).
func resizeNeutral(e *Experiment) bool {
	switch e.Data.Resize {
	case "bilinear":
		return true
	case "antialias":
		return (e.Data.Source == "embedded" || e.Data.Source == "fashion-mnist") && e.Data.ImageSize >= fashionMNISTSide
	}
	return false
}

// identity returns the text Hash hashes: Resolved without the later keys that are at their neutral
// value (and without mappings that become empty), so it equals v1's Resolved for every config v1
// could express.
func (e *Experiment) identity() string {
	tree := e.tree()
	for _, k := range laterKeys {
		if k.neutral(e) {
			deletePath(tree, strings.Split(k.path, "."))
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(treeNode(tree, false)); err != nil {
		// The tree holds only maps, lists, strings, bools and numbers, which always encode.
		panic("experiments: encoding config identity: " + err.Error())
	}
	if err := enc.Close(); err != nil {
		panic("experiments: encoding config identity: " + err.Error())
	}
	return buf.String()
}

// deletePath removes the key at path from tree and then every mapping on the way that is left empty.
func deletePath(tree map[string]any, path []string) {
	if len(path) == 1 {
		delete(tree, path[0])
		return
	}
	sub, ok := tree[path[0]].(map[string]any)
	if !ok {
		return
	}
	deletePath(sub, path[1:])
	if len(sub) == 0 {
		delete(tree, path[0])
	}
}

// Hash returns the hex SHA-256 (64 digits) of the trial's identity: Resolved without the keys
// introduced after v1 that are at their behaviour-preserving value (see "Trial identity" in the
// package documentation). Two configs that train alike hash alike across upgrades; a non-neutral
// value of any key changes the hash.
func (e *Experiment) Hash() string {
	sum := sha256.Sum256([]byte(e.identity()))
	return hex.EncodeToString(sum[:])
}
