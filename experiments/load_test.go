package experiments

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// base is a minimal valid config that the error tests extend.
const base = "name: t\n"

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, nil)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file %s", err, path)
	}
}

// TestParseErrors covers every class of problem in a file. want are substrings of the error,
// which is always prefixed "experiments: x.yaml: ".
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		kind error
		want []string
	}{
		// unknown keys, one per level
		{"unknown top", base + "modle: {}\n", ErrUnknownKey,
			[]string{`x.yaml: unknown key "modle" (valid keys at top level: data, model, name, seed, sweep, test, train); did you mean "model"?`}},
		{"unknown data", base + "data: {sorce: embedded}\n", ErrUnknownKey,
			[]string{`unknown key "data.sorce" (valid keys under data: augment, channels, image_size, limit, normalize, path, resize, skip_bad, source, split, test_limit, workers)`}},
		{"unknown data.split", base + "data: {split: {train: 0.9}}\n", ErrUnknownKey,
			[]string{`unknown key "data.split.train" (valid keys under data.split: val)`}},
		{"unknown data.augment", base + "data: {augment: {vflip: true}}\n", ErrUnknownKey,
			[]string{`unknown key "data.augment.vflip" (valid keys under data.augment: crop_pad, erase, hflip)`}},
		{"unknown data.normalize", base + "data: {normalize: {means: [0.5]}}\n", ErrUnknownKey,
			[]string{`unknown key "data.normalize.means" (valid keys under data.normalize: mean, std)`}},
		{"unknown model", base + "model: {widht: 2}\n", ErrUnknownKey,
			[]string{`unknown key "model.widht"`, `did you mean "width"?`}},
		{"unknown model.inception", base + "model:\n  inception:\n    reduc: true\n", ErrUnknownKey,
			[]string{`x.yaml: unknown key "model.inception.reduc" (valid keys under model.inception: blocks, pool_proj, reduce)`}},
		{"unknown model.aux", base + "model: {aux: {heads: 2}}\n", ErrUnknownKey,
			[]string{`unknown key "model.aux.heads" (valid keys under model.aux: after, dropout, enabled, weight)`}},
		{"unknown in block", base + "model: {inception: {blocks: [{name: 3a, ch1x1: 1, ch3x3red: 1, ch3x3: 1, ch5x5red: 1, ch5x5: 1, pool_proj: 1, ch7x7: 3}]}}\n", ErrUnknownKey,
			[]string{`unknown key "model.inception.blocks[0].ch7x7"`}},
		{"unknown train", base + "train: {learning_rate: 0.1}\n", ErrUnknownKey,
			[]string{`unknown key "train.learning_rate" (valid keys under train: batch_size, early_stop, ema, epochs, label_smoothing, lr, momentum, nesterov, optimizer, schedule, threads, weight_decay)`}},
		{"unknown train.early_stop", base + "train: {early_stop: {metric: acc}}\n", ErrUnknownKey,
			[]string{`unknown key "train.early_stop.metric" (valid keys under train.early_stop: patience)`}},
		{"unknown sweep", base + "sweep: {grids: {}}\n", ErrUnknownKey,
			[]string{`unknown key "sweep.grids" (valid keys under sweep: grid, seeds, variants); did you mean "grid"?`}},
		{"unknown grid key", base + "sweep: {grid: {train.lrr: [0.1]}}\n", ErrUnknownKey,
			[]string{`sweep.grid.train.lrr[0]: unknown key "train.lrr"`}},
		{"unknown variant key", base + "sweep: {variants: [{a: {model.aux.enable: true}}]}\n", ErrUnknownKey,
			[]string{`sweep.variants[0].a: unknown key "model.aux.enable"`, `did you mean "enabled"?`}},

		// wrong types
		{"lr string", base + "train: {lr: fast}\n", ErrType, []string{`x.yaml: train.lr: want a number, got "fast"`}},
		{"blocks scalar", base + "model: {inception: {blocks: 5}}\n", ErrType, []string{`model.inception.blocks: want a list of blocks`, `got 5`}},
		{"epochs float", base + "train: {epochs: 2.5}\n", ErrType, []string{`train.epochs: want an integer, got 2.5`}},
		{"epochs string", base + "train: {epochs: \"10\"}\n", ErrType, []string{`train.epochs: want an integer, got "10"`}},
		{"bool as string", base + "model: {inception: {reduce: \"no\"}}\n", ErrType, []string{`model.inception.reduce: want true or false, got "no"`}},
		{"bool as int", base + "data: {augment: {hflip: 1}}\n", ErrType, []string{`data.augment.hflip: want true or false, got 1`}},
		{"name number", "name: 12\n", ErrType, []string{`name: want a string, got 12`}},
		{"section scalar", base + "model: 3\n", ErrType, []string{`model: want a mapping with keys num_classes, width, init, inception, aux, dropout, got 3`}},
		{"section list", base + "train: [1, 2]\n", ErrType, []string{`train: want a mapping`, `got a list [1, 2]`}},
		{"list as mapping", base + "model: {aux: {after: {a: 1}}}\n", ErrType, []string{`model.aux.after: want a list, got a mapping {a: 1}`}},
		{"list element", base + "model: {aux: {after: [4a, [4b]]}}\n", ErrType, []string{`model.aux.after[1]: want a string, got a list [4b]`}},
		{"mean string", base + "data: {normalize: {mean: [gray]}}\n", ErrType, []string{`data.normalize.mean[0]: want a number, got "gray"`}},
		{"seed too big", base + "seed: 99999999999999999999\n", ErrType, []string{`seed: want an integer`}},
		{"null value", base + "train:\n  lr:\n", ErrType, []string{`train.lr: no value (null)`}},
		{"null section", base + "data:\n", ErrType, []string{`data: no value (null)`}},
		{"null in list", base + "model: {aux: {after: [4a, ~]}}\n", ErrType, []string{`model.aux.after[1]: no value (null)`}},
		{"sweep grid not list", base + "sweep: {grid: {train.lr: 0.1}}\n", ErrType, []string{`sweep.grid.train.lr: want a non-empty list of values, got 0.1`}},
		{"sweep grid empty list", base + "sweep: {grid: {train.lr: []}}\n", ErrType, []string{`sweep.grid.train.lr: want a non-empty list`}},
		{"sweep variants map", base + "sweep: {variants: {a: {train.lr: 0.1}}}\n", ErrType, []string{`sweep.variants: want a list of named override sets`}},
		{"sweep variant two names", base + "sweep: {variants: [{a: {}, b: {}}]}\n", ErrType, []string{`sweep.variants[0]: want a mapping with one key`}},
		{"grid value type", base + "sweep: {grid: {train.lr: [0.1, fast]}}\n", ErrType, []string{`sweep.grid.train.lr[1]: train.lr: want a number, got "fast"`}},
		{"top level list", "- a\n- b\n", ErrType, []string{`x.yaml: the top level must be a mapping`}},

		// syntax
		{"not yaml", "name: [a\n", ErrSyntax, []string{`x.yaml: not valid YAML`}},
		{"duplicate key", base + "seed: 1\nseed: 2\n", ErrSyntax, []string{`x.yaml: not valid YAML`, `already defined`}},
		{"two documents", base + "---\nseed: 2\n", ErrSyntax, []string{`x.yaml: holds more than one YAML document`}},
		{"dotted top key", base + "model.aux.weight: 0.5\n", ErrSyntax, []string{`dotted key "model.aux.weight" is only allowed under sweep.grid and sweep.variants; nest it instead (model: {aux: {weight: ...}})`}},
		{"dotted nested key", base + "model: {aux.weight: 0.5}\n", ErrSyntax, []string{`model: dotted key "aux.weight"`}},

		// impossible values
		{"missing name", "seed: 3\n", ErrValue, []string{`x.yaml: name: required`}},
		{"empty file", "", ErrValue, []string{`x.yaml: name: required`}},
		{"comments only", "# nothing\n", ErrValue, []string{`x.yaml: name: required`}},
		{"bad name", "name: a/b\n", ErrValue, []string{`name: must use only A-Z a-z 0-9 _ . - (it becomes a folder name), got "a/b"`}},
		{"dot name", "name: ..\n", ErrValue, []string{`name: must use only`}},
		{"source", base + "data: {source: csv}\n", ErrValue, []string{`data.source: must be one of embedded, fashion-mnist, folder; got "csv"`}},
		{"folder without path", base + "data: {source: folder}\n", ErrValue, []string{`data.path: required when data.source is folder`}},
		{"embedded with path", base + "data: {path: /tmp}\n", ErrValue, []string{`data.path: must be empty when data.source is embedded, got "/tmp"`}},
		{"image size", base + "data: {image_size: 16}\n", ErrValue, []string{`data.image_size: must be in [32, 4096], got 16`}},
		{"channels", base + "data: {channels: 2}\n", ErrValue, []string{`data.channels: must be 1 or 3, got 2`}},
		{"split 1", base + "data: {split: {val: 1}}\n", ErrValue, []string{`data.split.val: must be in [0, 1), got 1`}},
		{"split negative", base + "data: {split: {val: -0.1}}\n", ErrValue, []string{`data.split.val: must be in [0, 1), got -0.1`}},
		{"split nan", base + "data: {split: {val: .nan}}\n", ErrValue, []string{`data.split.val: must be in [0, 1), got .nan`}},
		{"early stop without validation", base + "data: {split: {val: 0}}\ntrain: {early_stop: {patience: 2}}\n", ErrValue,
			[]string{`train.early_stop.patience: needs a validation split to watch, but data.split.val is 0`}},
		{"std zero", base + "data: {normalize: {std: [0]}}\n", ErrValue, []string{`data.normalize.std[0]: must be > 0`}},
		{"mean range", base + "data: {normalize: {mean: [127]}}\n", ErrValue, []string{`data.normalize.mean[0]: must be in [0, 1] (pixels are in [0,1] units), got 127`}},
		{"mean per channel", base + "data: {channels: 3, normalize: {mean: [0.5, 0.5]}}\n", ErrValue, []string{`data.normalize.mean: want 1 value or one per channel (3), got 2 values [0.5, 0.5]`}},
		{"limit", base + "data: {limit: -1}\n", ErrValue, []string{`data.limit: must be >= 0 (0 = all), got -1`}},
		{"num classes", base + "model: {num_classes: -3}\n", ErrValue, []string{`model.num_classes: must be >= 0 (0 = take it from the data), got -3`}},
		{"width", base + "model: {width: 0}\n", ErrValue, []string{`model.width: must be > 0 (a channel multiplier), got 0`}},
		{"width inf", base + "model: {width: .inf}\n", ErrValue, []string{`model.width: must be > 0 (a channel multiplier), got .inf`}},
		{"init", base + "model: {init: xavier}\n", ErrValue, []string{`model.init: must be one of glorot_uniform, he_normal; got "xavier"`}},
		{"dropout", base + "model: {dropout: 1}\n", ErrValue, []string{`model.dropout: must be in [0, 1), got 1`}},
		{"aux dropout", base + "model: {aux: {dropout: -0.1}}\n", ErrValue, []string{`model.aux.dropout: must be in [0, 1), got -0.1`}},
		{"aux weight", base + "model: {aux: {weight: -0.3}}\n", ErrValue, []string{`model.aux.weight: must be >= 0, got -0.3`}},
		{"aux after unknown", base + "model: {aux: {after: [4a, 6x]}}\n", ErrValue, []string{`model.aux.after[1]: "6x" names no block (blocks: 3a, 3b, 4a, 4b, 4c, 4d, 4e, 5a, 5b)`}},
		{"aux after twice", base + "model: {aux: {after: [4a, 4a]}}\n", ErrValue, []string{`model.aux.after[1]: "4a" is listed twice`}},
		{"aux after empty", base + "model: {aux: {after: []}}\n", ErrValue, []string{`model.aux.after: must name at least one block when model.aux.enabled is true`}},
		{"optimizer", base + "train: {optimizer: sgd2}\n", ErrValue, []string{`train.optimizer: must be one of adam, adamw, sgd; got "sgd2"`}},
		{"nesterov without momentum", base + "train: {optimizer: sgd, momentum: 0, nesterov: true}\n", ErrValue, []string{`x.yaml: train.nesterov: needs train.momentum > 0`}},
		{"onecycle with warmup", base + "train: {schedule: {type: onecycle, warmup_epochs: 1}}\n", ErrValue, []string{`x.yaml: train.schedule.warmup_epochs: must be 0 with type onecycle`}},
		{"min_lr above lr", base + "train: {lr: 0.1, schedule: {type: cosine, min_lr: 0.2}}\n", ErrValue, []string{`x.yaml: train.schedule.min_lr: must be in [0, train.lr = 0.1), got 0.2`}},
		{"lr zero", base + "train: {lr: 0}\n", ErrValue, []string{`x.yaml: train.lr: must be > 0, got 0`}},
		{"lr negative", base + "train: {lr: -3e-4}\n", ErrValue, []string{`train.lr: must be > 0, got -0.0003`}},
		{"batch", base + "train: {batch_size: 0}\n", ErrValue, []string{`train.batch_size: must be > 0, got 0`}},
		{"epochs", base + "train: {epochs: -1}\n", ErrValue, []string{`train.epochs: must be > 0, got -1`}},
		{"patience", base + "train: {early_stop: {patience: -2}}\n", ErrValue, []string{`train.early_stop.patience: must be >= 0 (0 = off), got -2`}},
		{"threads", base + "train: {threads: -1}\n", ErrValue, []string{`train.threads: must be >= 0 (0 = all cores), got -1`}},
		{"grid value range", base + "sweep: {grid: {train.lr: [0.1, -1]}}\n", ErrValue,
			[]string{`x.yaml: trial 1 "lr=-1": train.lr: must be > 0, got -1`}},
		{"grid duplicate value", base + "sweep: {grid: {train.lr: [0.1, 0.1]}}\n", ErrValue, []string{`sweep.grid.train.lr: value 0.1 appears twice`}},
		{"variant name", base + "sweep: {variants: [{a b: {}}]}\n", ErrValue, []string{`sweep.variants[0]: variant name "a b" must be non-empty`}},
		{"variant twice", base + "sweep: {variants: [{a: {}}, {a: {}}]}\n", ErrValue, []string{`sweep.variants[1]: variant name "a" is used twice`}},
		{"variant vs grid", base + "sweep: {variants: [{a: {train.lr: 0.1}}], grid: {train.lr: [0.2]}}\n", ErrValue,
			[]string{`sweep.variants[0].a: sets train.lr, which sweep.grid also sweeps over train.lr`}},
		{"sweep sets sweep", base + "sweep: {grid: {sweep.grid: [{}]}}\n", ErrValue, []string{`a sweep cannot set sweep.grid`}},
		{"same trials", base + "sweep: {variants: [{a: {train.lr: 0.1}}, {b: {train.lr: 0.1}}]}\n", ErrValue,
			[]string{`sweep: trials "a" and "b" resolve to the same config`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml), nil)
			if err == nil {
				t.Fatalf("Parse succeeded, want an error containing %q", tt.want)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "experiments: x.yaml: ") {
				t.Errorf("error %q does not start with the package and file", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n  %s\ndoes not contain\n  %s", msg, w)
				}
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.kind)
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.File != "x.yaml" {
				t.Errorf("errors.As(*Error) failed or File is not x.yaml: %#v", fe)
			}
		})
	}
}

// TestMalformedBlocks covers the channel table rows the issue names.
func TestMalformedBlocks(t *testing.T) {
	row := func(s string) string {
		return base + "model:\n  aux: {enabled: false}\n  inception:\n    blocks:\n      - " + s + "\n"
	}
	tests := []struct {
		name, row, want string
	}{
		{"five widths as list", "[3a, 64, 96, 128, 16, 32]",
			`model.inception.blocks[0]: want [name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj] (a name and six widths), got 6 entries [3a, 64, 96, 128, 16, 32]`},
		{"five widths as mapping", "{name: 3a, ch1x1: 64, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32}",
			`model.inception.blocks[0]: missing pool_proj (every block needs name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)`},
		{"negative width", "{name: 3a, ch1x1: 64, ch3x3red: 96, ch3x3: -4, ch5x5red: 16, ch5x5: 32, pool_proj: 32}",
			`x.yaml: model.inception.blocks[0].ch3x3: must be > 0, got -4`},
		{"zero width in list", "[3a, 64, 96, 128, 0, 32, 32]",
			`model.inception.blocks[0].ch5x5red: must be > 0, got 0`},
		{"string width", "{name: 3a, ch1x1: wide, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32, pool_proj: 32}",
			`model.inception.blocks[0].ch1x1: want an integer, got "wide"`},
		{"fractional width", "[3a, 64.5, 96, 128, 16, 32, 32]",
			`model.inception.blocks[0].ch1x1: want an integer, got 64.5`},
		{"missing name", "{ch1x1: 64, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32, pool_proj: 32}",
			`model.inception.blocks[0]: missing name`},
		{"bad name", "[a3, 64, 96, 128, 16, 32, 32]",
			`model.inception.blocks[0].name: must be a stage number followed by a letter, like 3a or 4e, got "a3"`},
		{"scalar row", "64",
			`model.inception.blocks[0]: want a block {name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj} or a list`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(row(tt.row)), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %s", err, tt.want)
			}
		})
	}

	t.Run("duplicate and decreasing", func(t *testing.T) {
		y := base + "model:\n  aux: {enabled: false}\n  inception:\n    blocks:\n" +
			"      - [4a, 1, 1, 1, 1, 1, 1]\n      - [4a, 1, 1, 1, 1, 1, 1]\n      - [3b, 1, 1, 1, 1, 1, 1]\n"
		_, err := Parse("x.yaml", []byte(y), nil)
		for _, w := range []string{
			`model.inception.blocks[1].name: "4a" is already the name of block 0`,
			`model.inception.blocks[2].name: stage 3 block "3b" comes after stage 4 block "4a"; stages must not decrease`,
		} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("error %v\nwant it to contain %s", err, w)
			}
		}
	})
	t.Run("empty table", func(t *testing.T) {
		_, err := Parse("x.yaml", []byte(base+"model: {aux: {enabled: false}, inception: {blocks: []}}\n"), nil)
		if err == nil || !strings.Contains(err.Error(), "model.inception.blocks: must list at least one block") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestCompactAndMappingBlocksAgree(t *testing.T) {
	compact := base + "model:\n  inception:\n    blocks:\n      - [3a, 64, 96, 128, 16, 32, 32]\n      - [4a, 192, 96, 208, 16, 48, 64]\n      - [4d, 112, 144, 288, 32, 64, 64]\n"
	mapping := base + "model:\n  inception:\n    blocks:\n" +
		"      - {name: 3a, ch1x1: 64, ch3x3red: 96, ch3x3: 128, ch5x5red: 16, ch5x5: 32, pool_proj: 32}\n" +
		"      - {name: 4a, ch1x1: 192, ch3x3red: 96, ch3x3: 208, ch5x5red: 16, ch5x5: 48, pool_proj: 64}\n" +
		"      - {Name: 4d, CH1x1: 112, ch3x3red: 144, ch3x3: 288, ch5x5red: 32, ch5x5: 64, pool_proj: 64}\n"
	a, err := Parse("a.yaml", []byte(compact), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("b.yaml", []byte(mapping), nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Errorf("compact and mapping forms resolve differently:\n%s\n%s", a.Resolved(), b.Resolved())
	}
	want := Block{Name: "4d", Ch1x1: 112, Ch3x3Red: 144, Ch3x3: 288, Ch5x5Red: 32, Ch5x5: 64, PoolProj: 64}
	if got := b.Model.Inception.Blocks[2]; got != want {
		t.Errorf("block 2 = %+v, want %+v", got, want)
	}
}

func TestDefaults(t *testing.T) {
	e, err := Parse("x.yaml", []byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name, want.File = "t", "x.yaml"
	want.Overrides = nil
	if e.Hash() != want.Hash() {
		t.Errorf("defaults differ from Default():\n%s", e.Resolved())
	}
	checks := []struct {
		key       string
		got, want any
	}{
		{"seed", e.Seed, int64(1)},
		{"data.source", e.Data.Source, "embedded"},
		{"data.image_size", e.Data.ImageSize, 32},
		{"data.channels", e.Data.Channels, 3},
		{"data.split.val", e.Data.Split.Val, 0.1},
		{"model.width", e.Model.Width, 1.0},
		{"model.init", e.Model.Init, "glorot_uniform"},
		{"model.dropout", e.Model.Dropout, 0.4},
		{"model.inception.reduce", e.Model.Inception.Reduce, true},
		{"model.inception.pool_proj", e.Model.Inception.PoolProj, true},
		{"model.inception.blocks", len(e.Model.Inception.Blocks), 9},
		{"model.aux.enabled", e.Model.Aux.Enabled, true},
		{"model.aux.weight", e.Model.Aux.Weight, 0.3},
		{"model.aux.after", strings.Join(e.Model.Aux.After, ","), "4a,4d"},
		{"model.aux.dropout", e.Model.Aux.Dropout, 0.5},
		{"train.optimizer", e.Train.Optimizer, "adam"},
		{"train.lr", e.Train.LR, 3e-4},
		{"train.batch_size", e.Train.BatchSize, 32},
		{"train.epochs", e.Train.Epochs, 10},
		{"train.early_stop.patience", e.Train.EarlyStop.Patience, 0},
		{"train.threads", e.Train.Threads, 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.key, c.got, c.want)
		}
	}
	if e.Model.Inception.Blocks[6] != (Block{Name: "4e", Ch1x1: 256, Ch3x3Red: 160, Ch3x3: 320, Ch5x5Red: 32, Ch5x5: 128, PoolProj: 128}) {
		t.Errorf("block 4e = %+v", e.Model.Inception.Blocks[6])
	}
}

func TestSourceDefaults(t *testing.T) {
	tests := []struct {
		name, yaml string
		overrides  []string
		size       int
		path       string
	}{
		{"embedded", base, nil, 32, ""},
		{"folder", base + "data: {source: folder, path: ./photos}\n", nil, 224, "./photos"},
		{"folder by override", base, []string{"data.source=folder", "data.path=./p"}, 224, "./p"},
		{"folder explicit size", base + "data: {source: folder, path: ./p, image_size: 64}\n", nil, 64, "./p"},
		{"fashion-mnist", base + "data: {source: fashion-mnist}\n", nil, 32, DefaultFashionMNISTPath},
		{"fashion-mnist own path", base + "data: {source: fashion-mnist, path: /data/fm}\n", nil, 32, "/data/fm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse("x.yaml", []byte(tt.yaml), tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if e.Data.ImageSize != tt.size || e.Data.Path != tt.path {
				t.Errorf("image_size, path = %d, %q; want %d, %q", e.Data.ImageSize, e.Data.Path, tt.size, tt.path)
			}
		})
	}
}

func TestKeysAreCaseInsensitive(t *testing.T) {
	e, err := Parse("x.yaml", []byte("Name: t\nTrain:\n  LR: 0.01\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "t" || e.Train.LR != 0.01 {
		t.Errorf("name, lr = %q, %v", e.Name, e.Train.LR)
	}
}

func TestSeveralErrorsReportedTogether(t *testing.T) {
	_, err := Parse("x.yaml", []byte(base+"train: {lr: -1, epochs: 0}\nmodel: {width: -2}\n"), nil)
	var list Errors
	if !errors.As(err, &list) {
		t.Fatalf("error %v is not Errors", err)
	}
	if len(list) != 3 {
		t.Errorf("got %d errors, want 3:\n%v", len(list), err)
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 3 {
		t.Errorf("want one line per problem, got %q", err.Error())
	}
}
