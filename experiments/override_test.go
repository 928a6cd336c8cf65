package experiments

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// overrideCases sets every key of the contract to a valid non-default value. got reads the
// typed field back. The base config is base (embedded data, defaults everywhere).
var overrideCases = []struct {
	set  []string // the override under test, plus any others it needs to be valid
	got  func(e *Experiment) any
	want any
}{
	{[]string{"name=renamed"}, func(e *Experiment) any { return e.Name }, "renamed"},
	{[]string{"seed=42"}, func(e *Experiment) any { return e.Seed }, int64(42)},
	{[]string{"data.source=fashion-mnist"}, func(e *Experiment) any { return e.Data.Source }, "fashion-mnist"},
	{[]string{"data.path=/data/flowers", "data.source=folder"}, func(e *Experiment) any { return e.Data.Path }, "/data/flowers"},
	{[]string{"data.image_size=64"}, func(e *Experiment) any { return e.Data.ImageSize }, 64},
	{[]string{"data.channels=1"}, func(e *Experiment) any { return e.Data.Channels }, 1},
	{[]string{"data.split.val=0.2"}, func(e *Experiment) any { return e.Data.Split.Val }, 0.2},
	{[]string{"data.augment.hflip=true"}, func(e *Experiment) any { return e.Data.Augment.HFlip }, true},
	{[]string{"data.normalize={mean: [0.25], std: [0.75]}"}, func(e *Experiment) any { return e.Data.Normalize }, Normalize{[]float64{0.25}, []float64{0.75}}},
	{[]string{"data.normalize.mean=[0.4, 0.5, 0.6]"}, func(e *Experiment) any { return e.Data.Normalize.Mean }, []float64{0.4, 0.5, 0.6}},
	{[]string{"data.normalize.std=[0.2]"}, func(e *Experiment) any { return e.Data.Normalize.Std }, []float64{0.2}},
	{[]string{"data.skip_bad=true"}, func(e *Experiment) any { return e.Data.SkipBad }, true},
	{[]string{"data.limit=8"}, func(e *Experiment) any { return e.Data.Limit }, 8},
	{[]string{"data.test_limit=4"}, func(e *Experiment) any { return e.Data.TestLimit }, 4},
	{[]string{"data.workers=2"}, func(e *Experiment) any { return e.Data.Workers }, 2},
	{[]string{"model.num_classes=5"}, func(e *Experiment) any { return e.Model.NumClasses }, 5},
	{[]string{"model.width=0.25"}, func(e *Experiment) any { return e.Model.Width }, 0.25},
	{[]string{"model.init=he_normal"}, func(e *Experiment) any { return e.Model.Init }, "he_normal"},
	{[]string{"model.inception.reduce=false"}, func(e *Experiment) any { return e.Model.Inception.Reduce }, false},
	{[]string{"model.inception.pool_proj=false"}, func(e *Experiment) any { return e.Model.Inception.PoolProj }, false},
	{[]string{"model.inception.blocks=[[3a, 8, 8, 8, 8, 8, 8], {name: 4a, ch1x1: 9, ch3x3red: 9, ch3x3: 9, ch5x5red: 9, ch5x5: 9, pool_proj: 9}]", "model.aux.after=[4a]"},
		func(e *Experiment) any { return e.Model.Inception.Blocks },
		[]Block{{Name: "3a", Ch1x1: 8, Ch3x3Red: 8, Ch3x3: 8, Ch5x5Red: 8, Ch5x5: 8, PoolProj: 8}, {Name: "4a", Ch1x1: 9, Ch3x3Red: 9, Ch3x3: 9, Ch5x5Red: 9, Ch5x5: 9, PoolProj: 9}}},
	{[]string{"model.inception.blocks[2].ch3x3=100"}, func(e *Experiment) any { return e.Model.Inception.Blocks[2].Ch3x3 }, 100},
	{[]string{"model.inception.blocks[8]=[5b, 1, 2, 3, 4, 5, 6]"}, func(e *Experiment) any { return e.Model.Inception.Blocks[8] }, Block{Name: "5b", Ch1x1: 1, Ch3x3Red: 2, Ch3x3: 3, Ch5x5Red: 4, Ch5x5: 5, PoolProj: 6}},
	{[]string{"model.aux.enabled=false"}, func(e *Experiment) any { return e.Model.Aux.Enabled }, false},
	{[]string{"model.aux.weight=0.5"}, func(e *Experiment) any { return e.Model.Aux.Weight }, 0.5},
	{[]string{"model.aux.after=[4b]"}, func(e *Experiment) any { return e.Model.Aux.After }, []string{"4b"}},
	{[]string{"model.aux.dropout=0.7"}, func(e *Experiment) any { return e.Model.Aux.Dropout }, 0.7},
	{[]string{"model.dropout=0"}, func(e *Experiment) any { return e.Model.Dropout }, 0.0},
	{[]string{"train.optimizer=sgd"}, func(e *Experiment) any { return e.Train.Optimizer }, "sgd"},
	{[]string{"train.momentum=0.5", "train.optimizer=sgd"}, func(e *Experiment) any { return e.Train.Momentum }, 0.5},
	{[]string{"train.nesterov=true", "train.optimizer=sgd"}, func(e *Experiment) any { return e.Train.Nesterov }, true},
	{[]string{"train.weight_decay=5e-4", "train.optimizer=adamw"}, func(e *Experiment) any { return e.Train.WeightDecay }, 5e-4},
	{[]string{"train.label_smoothing=0.1"}, func(e *Experiment) any { return e.Train.LabelSmoothing }, 0.1},
	{[]string{"train.schedule.type=cosine"}, func(e *Experiment) any { return e.Train.Schedule.Type }, "cosine"},
	{[]string{"train.schedule.every=2"}, func(e *Experiment) any { return e.Train.Schedule.Every }, 2},
	{[]string{"train.schedule.factor=0.5"}, func(e *Experiment) any { return e.Train.Schedule.Factor }, 0.5},
	{[]string{"train.schedule.warmup_epochs=1.5"}, func(e *Experiment) any { return e.Train.Schedule.WarmupEpochs }, 1.5},
	{[]string{"train.schedule.min_lr=1e-5"}, func(e *Experiment) any { return e.Train.Schedule.MinLR }, 1e-5},
	{[]string{"train.schedule.pct_start=0.25"}, func(e *Experiment) any { return e.Train.Schedule.PctStart }, 0.25},
	{[]string{"train.schedule.div_factor=10"}, func(e *Experiment) any { return e.Train.Schedule.DivFactor }, 10.0},
	{[]string{"train.schedule.final_div_factor=100"}, func(e *Experiment) any { return e.Train.Schedule.FinalDivFactor }, 100.0},
	{[]string{"train.ema.decay=0.999"}, func(e *Experiment) any { return e.Train.EMA.Decay }, 0.999},
	{[]string{"data.resize=nearest"}, func(e *Experiment) any { return e.Data.Resize }, "nearest"},
	{[]string{"test.tta=hflip"}, func(e *Experiment) any { return e.Test.TTA }, "hflip"},
	{[]string{"data.augment.crop_pad=4"}, func(e *Experiment) any { return e.Data.Augment.CropPad }, 4},
	{[]string{"data.augment.erase=0.5"}, func(e *Experiment) any { return e.Data.Augment.Erase }, 0.5},
	{[]string{"train.lr=1e-3"}, func(e *Experiment) any { return e.Train.LR }, 0.001},
	{[]string{"train.batch_size=8"}, func(e *Experiment) any { return e.Train.BatchSize }, 8},
	{[]string{"train.epochs=3"}, func(e *Experiment) any { return e.Train.Epochs }, 3},
	{[]string{"train.early_stop.patience=2"}, func(e *Experiment) any { return e.Train.EarlyStop.Patience }, 2},
	{[]string{"train.threads=1"}, func(e *Experiment) any { return e.Train.Threads }, 1},
	{[]string{"sweep={grid: {train.lr: [0.1, 0.2]}}"}, func(e *Experiment) any { return axisValues(e, 0) }, []any{0.1, 0.2}},
	{[]string{"sweep.grid={model.aux.enabled: [true, false], train.lr: [0.1]}"}, func(e *Experiment) any { return axisKeys(e) }, "model.aux.enabled train.lr"},
	{[]string{"sweep.grid.train.epochs=[1, 2]"}, func(e *Experiment) any { return axisValues(e, 0) }, []any{1, 2}},
	{[]string{"sweep.variants=[{small: {model.width: 0.5}}, baseline: ]"}, func(e *Experiment) any { return variantNames(e) }, "small baseline"},
}

func axisValues(e *Experiment, i int) any {
	if i >= len(e.Sweep.Grid) {
		return nil
	}
	return e.Sweep.Grid[i].Values
}

func axisKeys(e *Experiment) string {
	var keys []string
	for _, a := range e.Sweep.Grid {
		keys = append(keys, a.Key)
	}
	return strings.Join(keys, " ")
}

func variantNames(e *Experiment) string {
	var names []string
	for _, v := range e.Sweep.Variants {
		names = append(names, v.Name)
	}
	return strings.Join(names, " ")
}

func TestOverrideEveryKey(t *testing.T) {
	for _, c := range overrideCases {
		t.Run(c.set[0], func(t *testing.T) {
			before, err := Parse("x.yaml", []byte(base), nil)
			if err != nil {
				t.Fatal(err)
			}
			e, err := Parse("x.yaml", []byte(base), c.set)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.got(e); !reflect.DeepEqual(got, c.want) {
				t.Errorf("after -set %s: got %#v, want %#v", c.set[0], got, c.want)
			}
			if reflect.DeepEqual(c.got(before), c.want) {
				t.Errorf("the default already equals %#v; the case proves nothing", c.want)
			}
			if !reflect.DeepEqual(e.Overrides, c.set) {
				t.Errorf("Overrides = %q, want %q", e.Overrides, c.set)
			}
		})
	}
}

// TestOverrideCasesCoverContract makes sure overrideCases touches every key of the schema.
func TestOverrideCasesCoverContract(t *testing.T) {
	covered := map[string]bool{}
	index := regexp.MustCompile(`\[\d+\].*$`)
	for _, c := range overrideCases {
		key, _, _ := strings.Cut(c.set[0], "=")
		covered[index.ReplaceAllString(key, "")] = true
	}
	keys := []string{"sweep"}
	for k := range Default().Flatten() {
		keys = append(keys, index.ReplaceAllString(k, ""))
	}
	for _, k := range keys {
		if !covered[k] {
			t.Errorf("no override case for key %s", k)
		}
	}
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		set  string
		kind error
		want string
	}{
		{"model.aux.weight=abc", ErrType, `experiments: -set model.aux.weight=abc: model.aux.weight: want a number, got "abc"`},
		{"train.lr=[0.1, 0.2]", ErrType, `experiments: -set train.lr=[0.1, 0.2]: train.lr: want a number, got a list [0.1, 0.2]`},
		{"train.epochs=ten", ErrType, `-set train.epochs=ten: train.epochs: want an integer, got "ten"`},
		{"model.inception.reduce=maybe", ErrType, `model.inception.reduce: want true or false, got "maybe"`},
		{"model.inception.blocks=5", ErrType, `model.inception.blocks: want a list of blocks`},
		{"model.inception.reduc=false", ErrUnknownKey, `experiments: -set model.inception.reduc=false: unknown key "model.inception.reduc" (valid keys under model.inception: blocks, pool_proj, reduce); did you mean "reduce"?`},
		{"trian.lr=1", ErrUnknownKey, `unknown key "trian" (valid keys at top level: data, model, name, seed, sweep, test, train); did you mean "train"?`},
		{"train.lr.x=1", ErrUnknownKey, `unknown key "train.lr.x" (train.lr holds a single value, not keys)`},
		{"model.aux.after[0].x=1", ErrUnknownKey, `unknown key "model.aux.after[0].x"`},
		{"model.width[0]=1", ErrUnknownKey, `model.width: not a list, cannot take index [0]`},
		{"sweep.grids={}", ErrUnknownKey, `unknown key "sweep.grids" (valid keys under sweep: grid, seeds, variants)`},
		{"model.inception.blocks[9].ch1x1=3", ErrValue, `model.inception.blocks: index [9] out of range: the list has 9 entries`},
		{"train.optimizer=rmsprop", ErrValue, `-set train.optimizer=rmsprop: train.optimizer: must be one of adam, adamw, sgd; got "rmsprop"`},
		{"train.schedule.type=exp", ErrValue, `-set train.schedule.type=exp: train.schedule.type: must be one of constant, step, cosine, onecycle; got "exp"`},
		{"train.weight_decay=0.1", ErrValue, `train.weight_decay: adam has no weight decay; use optimizer adamw (decoupled) or sgd (L2), got 0.1`},
		{"train.momentum=1", ErrValue, `train.momentum: must be in [0, 1), got 1`},
		{"train.schedule.factor=0", ErrValue, `train.schedule.factor: must be in (0, 1]`},
		{"train.schedule.every=0", ErrValue, `train.schedule.every: must be > 0, got 0`},
		{"train.schedule.warmup_epochs=11", ErrValue, `train.schedule.warmup_epochs: must be in [0, train.epochs = 10], got 11`},
		{"train.ema.decay=1", ErrValue, `train.ema.decay: must be in [0, 1), got 1`},
		{"train.label_smoothing=-0.1", ErrValue, `train.label_smoothing: must be in [0, 1), got -0.1`},
		{"data.resize=area", ErrValue, `-set data.resize=area: data.resize: must be one of antialias, bilinear, nearest; got "area"`},
		{"data.augment.crop_pad=17", ErrValue, `data.augment.crop_pad: must be in [0, 16] (at most half of data.image_size; 0 = off), got 17`},
		{"test.tta=multi", ErrValue, `-set test.tta=multi: test.tta: must be one of none, hflip, crops; got "multi"`},
		{"test.tta=crops", ErrValue, `test.tta: crops shifts every test image by data.augment.crop_pad pixels, which is 0; set data.augment.crop_pad > 0 or use hflip`},
		{"data.augment.erase=1.5", ErrValue, `data.augment.erase: must be a probability in [0, 1] (0 = off), got 1.5`},
		{"data.augment.erase=-0.1", ErrValue, `data.augment.erase: must be a probability in [0, 1] (0 = off), got -0.1`},
		{"data.augment.erase=.nan", ErrValue, `data.augment.erase: must be a probability in [0, 1] (0 = off), got .nan`},
		{"train.lr=-1", ErrValue, `experiments: -set train.lr=-1: train.lr: must be > 0, got -1`},
		{"model.inception.blocks[2].ch3x3=-4", ErrValue, `-set model.inception.blocks[2].ch3x3=-4: model.inception.blocks[2].ch3x3: must be > 0, got -4`},
		{"model.aux.after=[4b, 9z]", ErrValue, `-set model.aux.after=[4b, 9z]: model.aux.after[1]: "9z" names no block`},
		{"data.normalize={std: [0]}", ErrValue, `-set data.normalize={std: [0]}: data.normalize.std[0]: must be > 0`},
		{"sweep.grid.train.lr=[1, -1]", ErrValue, `trial 1 "lr=-1": train.lr: must be > 0, got -1`},
		{"train.lr", ErrSyntax, `experiments: -set train.lr: want key=value`},
		{"=3", ErrSyntax, `empty key`},
		{"train..lr=3", ErrSyntax, `empty segment`},
		{"train.lr=[1", ErrType, `-set train.lr=[1: train.lr: want a number, got "[1"`},
		{"Train.LR!=3", ErrSyntax, `"lr!" is not a key name`},
		{"model.inception.blocks[x]=3", ErrSyntax, `"x" is not a list index`},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(base), []string{tt.set})
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, tt.want)
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("errors.Is(err, %v) = false for %v", tt.kind, err)
			}
		})
	}
}

func TestOverrideSemantics(t *testing.T) {
	t.Run("later override wins", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base), []string{"train.lr=0.1", "train.lr=0.2"})
		if err != nil || e.Train.LR != 0.2 {
			t.Fatalf("lr = %v, err = %v", e.Train.LR, err)
		}
	})
	t.Run("mapping merges", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base+"data: {normalize: {mean: [0.3], std: [0.6]}}\n"), []string{"data.normalize={mean: [0.4]}"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e.Data.Normalize, Normalize{[]float64{0.4}, []float64{0.6}}) {
			t.Errorf("normalize = %+v, want mean replaced and std kept", e.Data.Normalize)
		}
	})
	t.Run("string keys keep the text", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base), []string{"name=2024", "model.init=he_normal"})
		if err != nil || e.Name != "2024" {
			t.Fatalf("name = %q, err = %v", e.Name, err)
		}
	})
	t.Run("empty value is the empty string", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base+"data: {source: fashion-mnist, path: /x}\n"), []string{"data.source=embedded", "data.path="})
		if err != nil || e.Data.Path != "" {
			t.Fatalf("path = %q, err = %v", e.Data.Path, err)
		}
	})
	t.Run("scalar for a list", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base), []string{"model.aux.after=4b"})
		if err != nil || !reflect.DeepEqual(e.Model.Aux.After, []string{"4b"}) {
			t.Fatalf("after = %q, err = %v", e.Model.Aux.After, err)
		}
	})
	t.Run("keys are lower-cased", func(t *testing.T) {
		e, err := Parse("x.yaml", []byte(base), []string{" Train.LR = 0.5 "})
		if err != nil || e.Train.LR != 0.5 {
			t.Fatalf("lr = %v, err = %v", e.Train.LR, err)
		}
	})
	t.Run("file untouched by a rejected override", func(t *testing.T) {
		if _, err := Parse("x.yaml", []byte(base), []string{"train.lr=abc"}); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestParseOverride(t *testing.T) {
	tests := []struct {
		in    string
		key   string
		value any
	}{
		{"train.lr=3e-4", "train.lr", 3e-4},
		{"model.aux.after=[4a, 4d]", "model.aux.after", []any{"4a", "4d"}},
		{"model.inception.reduce=false", "model.inception.reduce", false},
		{"data.path=a=b", "data.path", "a=b"},
		{"name=", "name", ""},
		{"data.normalize={mean: [0.5]}", "data.normalize", map[string]any{"mean": []any{0.5}}},
		{"model.inception.blocks[2].ch3x3=7", "model.inception.blocks[2].ch3x3", 7},
		{`name="quoted"`, "name", "quoted"},
		{"data.path=/tmp/[x", "data.path", "/tmp/[x"},
		{"data.path=a\n---\nb", "data.path", "a\n---\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			o, err := ParseOverride(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if o.Key != tt.key || !reflect.DeepEqual(o.Value, tt.value) {
				t.Errorf("got %q=%#v, want %q=%#v", o.Key, o.Value, tt.key, tt.value)
			}
			if o.String() != tt.in {
				t.Errorf("String() = %q, want %q", o.String(), tt.in)
			}
		})
	}
}

func FuzzParseOverride(f *testing.F) {
	for _, s := range []string{
		"train.lr=3e-4", "model.aux.after=[4a, 4d]", "model.inception.blocks[2].ch3x3=100",
		"data.normalize={mean: [0.5], std: [0.5]}", "name=", "=", "a", "x[1][2].y=[[1]]",
		"sweep.grid={train.lr: [1, 2]}", "sweep.variants=[{a: {train.lr: 1}}]", "a=&x [*x]", "k=\"\\u00e9\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOverride(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrSyntax) {
				t.Fatalf("ParseOverride(%q) error %v is not an *Error with ErrSyntax", s, err)
			}
			return
		}
		if _, err := splitPath(o.Key); err != nil {
			t.Fatalf("accepted key %q does not split: %v", o.Key, err)
		}
		// Applying must never panic, whatever the key and value.
		e := Default()
		e.Name = "fuzz"
		_ = e.apply(o, map[string]bool{})
		// The canonical form of the value must parse back to the same value.
		if o.Value != nil {
			text := formatValue(o.Value, ", ")
			back, err := ParseOverride(o.Key + "=" + text)
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", text, s, err)
			}
			if formatValue(back.Value, ", ") != text {
				t.Fatalf("canonical form %q of %q reparses as %q", text, s, formatValue(back.Value, ", "))
			}
		}
	})
}
