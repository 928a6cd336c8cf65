package experiments

import "inceptionlab/model/arch"

// Experiment is a fully typed experiment config. Field tags give the YAML key of each field.
type Experiment struct {
	File      string   `yaml:"-"` // path it was loaded from ("" when built in Go)
	Name      string   `yaml:"name"`
	Seed      int64    `yaml:"seed"`
	Data      Data     `yaml:"data"`
	Model     Model    `yaml:"model"`
	Train     Train    `yaml:"train"`
	Test      Test     `yaml:"test"`
	Sweep     Sweep    `yaml:"sweep"`
	Overrides []string `yaml:"-"` // the overrides as given to Load

	// auto lists the keys whose value was chosen from data.source because the config did not
	// set them (data.image_size, data.path); sweep trials that change the source re-derive them.
	auto map[string]bool
}

// Data selects and preprocesses the images.
type Data struct {
	Source    string    `yaml:"source"`
	Path      string    `yaml:"path"`
	ImageSize int       `yaml:"image_size"`
	Channels  int       `yaml:"channels"`
	Split     Split     `yaml:"split"`
	Augment   Augment   `yaml:"augment"`
	Resize    string    `yaml:"resize"` // antialias | bilinear | nearest
	Normalize Normalize `yaml:"normalize"`
	SkipBad   bool      `yaml:"skip_bad"`
	Limit     int       `yaml:"limit"`      // max training images per class, 0 = all
	TestLimit int       `yaml:"test_limit"` // max test images per class, 0 = all
	Workers   int       `yaml:"workers"`    // decode parallelism, 0 = all cores
}

// Split holds out part of the training data for validation.
type Split struct {
	Val float64 `yaml:"val"`
}

// Augment lists the training-time augmentations.
type Augment struct {
	HFlip   bool    `yaml:"hflip"`
	CropPad int     `yaml:"crop_pad"` // random crop after zero padding by this many pixels per side, 0 = off
	Erase   float64 `yaml:"erase"`    // probability of random erasing per training image, 0 = off
}

// Normalize maps pixels to (x/255 - Mean)/Std; one value or one per channel.
type Normalize struct {
	Mean []float64 `yaml:"mean"`
	Std  []float64 `yaml:"std"`
}

// Model describes the GoogLeNet variant.
type Model struct {
	NumClasses int       `yaml:"num_classes"` // 0 = take it from the data
	Width      float64   `yaml:"width"`       // channel multiplier
	Init       string    `yaml:"init"`
	Inception  Inception `yaml:"inception"`
	Aux        Aux       `yaml:"aux"`
	Dropout    float64   `yaml:"dropout"`
}

// Inception configures the inception modules.
type Inception struct {
	Reduce   bool    `yaml:"reduce"`    // 1x1 reductions before the 3x3 and 5x5 convolutions
	PoolProj bool    `yaml:"pool_proj"` // 1x1 projection after the pool branch's max-pool
	Blocks   []Block `yaml:"blocks"`
}

// Block is one row of the channel table (model.inception.blocks): the network description's own type,
// so the table, its columns and its rules (arch.CheckBlocks) exist once.
type Block = arch.BlockSpec

// Aux configures the auxiliary classifiers.
type Aux struct {
	Enabled bool     `yaml:"enabled"`
	Weight  float64  `yaml:"weight"` // weight of each auxiliary loss in the total loss
	After   []string `yaml:"after"`  // names of the blocks the heads are attached to
	Dropout float64  `yaml:"dropout"`
}

// Train configures optimisation.
type Train struct {
	Optimizer      string    `yaml:"optimizer"`
	LR             float64   `yaml:"lr"`
	Momentum       float64   `yaml:"momentum"`     // sgd only
	Nesterov       bool      `yaml:"nesterov"`     // sgd only
	WeightDecay    float64   `yaml:"weight_decay"` // sgd: L2 in the gradient; adamw: decoupled
	LabelSmoothing float64   `yaml:"label_smoothing"`
	Schedule       Schedule  `yaml:"schedule"`
	EMA            EMA       `yaml:"ema"`
	BatchSize      int       `yaml:"batch_size"`
	Epochs         int       `yaml:"epochs"`
	EarlyStop      EarlyStop `yaml:"early_stop"`
	Threads        int       `yaml:"threads"` // 0 = all cores
}

// Schedule is the learning-rate schedule: the rate of every optimizer step as a function of the
// step number (see the package documentation for the formulas).
type Schedule struct {
	Type           string  `yaml:"type"`             // constant | step | cosine | onecycle
	Every          int     `yaml:"every"`            // step: epochs between decays
	Factor         float64 `yaml:"factor"`           // step: multiplier per decay
	WarmupEpochs   float64 `yaml:"warmup_epochs"`    // linear warm-up (constant, step, cosine)
	MinLR          float64 `yaml:"min_lr"`           // cosine: final rate
	PctStart       float64 `yaml:"pct_start"`        // onecycle: fraction of steps rising
	DivFactor      float64 `yaml:"div_factor"`       // onecycle: initial rate = lr/div_factor
	FinalDivFactor float64 `yaml:"final_div_factor"` // onecycle: final rate = initial/final_div_factor
}

// EMA keeps an exponential moving average (Polyak averaging) of the weights.
type EMA struct {
	Decay float64 `yaml:"decay"` // 0 = off
}

// Test configures the evaluation of the best checkpoint on the test set.
type Test struct {
	TTA string `yaml:"tta"` // test-time augmentation: none | hflip | crops
}

// EarlyStop stops training when the validation loss has not improved for Patience epochs.
type EarlyStop struct {
	Patience int `yaml:"patience"` // 0 = off
}

// Valid values of the enumerated keys.
var (
	Sources    = []string{"embedded", "fashion-mnist", "folder"}
	Inits      = arch.Inits
	Optimizers = []string{"adam", "adamw", "sgd"}
	Resizes    = []string{"antialias", "bilinear", "nearest"}
	Schedules  = []string{"constant", "step", "cosine", "onecycle"}
	TTAs       = []string{"none", "hflip", "crops"}
)

// DefaultFashionMNISTPath is data.path's default when data.source is fashion-mnist (where the
// Debian package dataset-fashion-mnist installs the IDX files).
const DefaultFashionMNISTPath = "/usr/share/datasets/fashion-mnist"

// PaperBlocks returns a fresh copy of the channel table of the GoogLeNet paper (Table 1), with
// max-pools 3/2 between stages 3, 4 and 5 (arch.DefaultBlocks).
func PaperBlocks() []Block { return arch.DefaultBlocks() }

// Default returns an experiment with every key at its default. Name is empty and must be set;
// data.image_size and data.path follow data.source as documented.
func Default() *Experiment {
	ms := arch.DefaultSpec(0) // the network's defaults: the paper's
	return &Experiment{
		Seed: 1,
		Data: Data{
			Source:    "embedded",
			ImageSize: 32,
			Channels:  3,
			Split:     Split{Val: 0.1},
			Resize:    "antialias",
			Normalize: Normalize{Mean: []float64{0.5}, Std: []float64{0.5}},
		},
		Model: Model{
			Width:     ms.Width,
			Init:      ms.Init,
			Inception: Inception{Reduce: ms.Reduce, PoolProj: ms.PoolProj, Blocks: ms.Blocks},
			Aux:       Aux{Enabled: ms.Aux.Enabled, Weight: ms.Aux.Weight, After: ms.Aux.After, Dropout: ms.Aux.Dropout},
			Dropout:   ms.Dropout,
		},
		Train: Train{Optimizer: "adam", LR: 3e-4, Momentum: 0.9, BatchSize: 32, Epochs: 10,
			Schedule: Schedule{Type: "constant", Every: 8, Factor: 0.96, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4}},
		Test: Test{TTA: "none"},
		auto: map[string]bool{"data.image_size": true, "data.path": true},
	}
}

// applySourceDefaults sets the keys in e.auto from data.source.
func (e *Experiment) applySourceDefaults() {
	if e.auto["data.image_size"] {
		e.Data.ImageSize = 32
		if e.Data.Source == "folder" {
			e.Data.ImageSize = 224
		}
	}
	if e.auto["data.path"] {
		e.Data.Path = ""
		if e.Data.Source == "fashion-mnist" {
			e.Data.Path = DefaultFashionMNISTPath
		}
	}
}

// clone returns a deep copy.
func (e *Experiment) clone() *Experiment {
	c := *e
	c.Overrides = append([]string(nil), e.Overrides...)
	c.Data.Normalize.Mean = append([]float64(nil), e.Data.Normalize.Mean...)
	c.Data.Normalize.Std = append([]float64(nil), e.Data.Normalize.Std...)
	c.Model.Inception.Blocks = append([]Block(nil), e.Model.Inception.Blocks...)
	c.Model.Aux.After = append([]string(nil), e.Model.Aux.After...)
	c.Sweep = e.Sweep.clone()
	c.auto = make(map[string]bool, len(e.auto))
	for k, v := range e.auto {
		c.auto[k] = v
	}
	return &c
}
