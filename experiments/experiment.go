package experiments

// Experiment is a fully typed experiment config. Field tags give the YAML key of each field.
type Experiment struct {
	File      string   `yaml:"-"` // path it was loaded from ("" when built in Go)
	Name      string   `yaml:"name"`
	Seed      int64    `yaml:"seed"`
	Data      Data     `yaml:"data"`
	Model     Model    `yaml:"model"`
	Train     Train    `yaml:"train"`
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
	HFlip   bool `yaml:"hflip"`
	CropPad int  `yaml:"crop_pad"` // random crop after zero padding by this many pixels per side, 0 = off
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

// Block is one row of the channel table: the output widths of the four branches and the widths
// of the 1x1 reductions in front of the 3x3 and 5x5 convolutions.
type Block struct {
	Name     string `yaml:"name"`
	Ch1x1    int    `yaml:"ch1x1"`
	Ch3x3Red int    `yaml:"ch3x3red"`
	Ch3x3    int    `yaml:"ch3x3"`
	Ch5x5Red int    `yaml:"ch5x5red"`
	Ch5x5    int    `yaml:"ch5x5"`
	PoolProj int    `yaml:"pool_proj"`
}

// Stage returns the stage number the block name starts with (4 for "4e"), or 0 when the name
// has no leading number.
func (b Block) Stage() int {
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

// EarlyStop stops training when the validation loss has not improved for Patience epochs.
type EarlyStop struct {
	Patience int `yaml:"patience"` // 0 = off
}

// Valid values of the enumerated keys.
var (
	Sources    = []string{"embedded", "fashion-mnist", "folder"}
	Inits      = []string{"glorot_uniform", "he_normal"}
	Optimizers = []string{"adam", "adamw", "sgd"}
	Schedules  = []string{"constant", "step", "cosine", "onecycle"}
)

// DefaultFashionMNISTPath is data.path's default when data.source is fashion-mnist (where the
// Debian package dataset-fashion-mnist installs the IDX files).
const DefaultFashionMNISTPath = "/usr/share/datasets/fashion-mnist"

// PaperBlocks returns a fresh copy of the channel table of the GoogLeNet paper (Table 1), with
// max-pools 3/2 between stages 3, 4 and 5.
func PaperBlocks() []Block {
	return []Block{
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

// Default returns an experiment with every key at its default. Name is empty and must be set;
// data.image_size and data.path follow data.source as documented.
func Default() *Experiment {
	return &Experiment{
		Seed: 1,
		Data: Data{
			Source:    "embedded",
			ImageSize: 32,
			Channels:  3,
			Split:     Split{Val: 0.1},
			Normalize: Normalize{Mean: []float64{0.5}, Std: []float64{0.5}},
		},
		Model: Model{
			Width:     1.0,
			Init:      "glorot_uniform",
			Inception: Inception{Reduce: true, PoolProj: true, Blocks: PaperBlocks()},
			Aux:       Aux{Enabled: true, Weight: 0.3, After: []string{"4a", "4d"}, Dropout: 0.5},
			Dropout:   0.4,
		},
		Train: Train{Optimizer: "adam", LR: 3e-4, Momentum: 0.9, BatchSize: 32, Epochs: 10,
			Schedule: Schedule{Type: "constant", Every: 8, Factor: 0.96, PctStart: 0.3, DivFactor: 25, FinalDivFactor: 1e4}},
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
