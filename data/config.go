package data

import (
	"math"
	"runtime"
	"slices"
)

// Source names accepted in Config.Source.
const (
	SourceEmbedded     = "embedded"
	SourceFashionMNIST = "fashion-mnist"
	SourceFolder       = "folder"
)

// DefaultFashionMNISTPath is where the Debian package dataset-fashion-mnist installs the IDX files.
const DefaultFashionMNISTPath = "/usr/share/datasets/fashion-mnist"

// MaxImageSize bounds Config.ImageSize; larger values are almost certainly a typo and would exhaust memory.
const MaxImageSize = 4096

// Config describes what to load and how to preprocess it. Field comments name the YAML key used in
// error messages.
type Config struct {
	Source      string    // data.source: "embedded" (default when empty) | "fashion-mnist" | "folder"
	Path        string    // data.path: folder root, or IDX folder (default DefaultFashionMNISTPath); must be empty for "embedded"
	ImageSize   int       // data.image_size: output height = width, > 0
	Channels    int       // data.channels: 1 or 3
	ValFraction float64   // data.split.val: fraction of training data held out, in [0, 1)
	HFlip       bool      // data.augment.hflip: random horizontal flips of training batches
	CropPad     int       // data.augment.crop_pad: random crops after zero padding by this many pixels, 0 = off
	Erase       float64   // data.augment.erase: probability of random erasing per training image, in [0, 1], 0 = off
	Resize      string    // data.resize: ResizeAntialias (default when empty), ResizeBilinear or ResizeNearest
	Mean, Std   []float64 // data.normalize.mean/std: len 0 (default 0.5), 1 or Channels; [0,1] units
	SkipBad     bool      // data.skip_bad: skip unreadable files in class folders instead of failing
	Limit       int       // data.limit: max training images per class (0 = all), first in source order
	TestLimit   int       // data.test_limit: likewise for the test set
	Seed        int64     // seed: drives the validation split
	Workers     int       // data.workers: decode parallelism (0 = GOMAXPROCS)
}

// normalized returns a copy with defaults filled in, or a *ConfigError.
func (c Config) normalized() (Config, error) {
	if c.Source == "" {
		c.Source = SourceEmbedded
	}
	switch c.Source {
	case SourceEmbedded, SourceFashionMNIST, SourceFolder:
	default:
		return c, &ConfigError{Field: "data.source", Value: quote(c.Source),
			Reason: `must be one of "embedded", "fashion-mnist", "folder"`}
	}
	if c.Source == SourceEmbedded && c.Path != "" {
		// Most likely data.source was forgotten; training on the wrong data silently would be worse.
		return c, &ConfigError{Field: "data.path", Value: quote(c.Path),
			Reason: `is not used by data.source "embedded"; set data.source to "folder" or "fashion-mnist", or remove data.path`}
	}
	if c.Source == SourceFashionMNIST && c.Path == "" {
		c.Path = DefaultFashionMNISTPath
	}
	if c.Source == SourceFolder && c.Path == "" {
		return c, &ConfigError{Field: "data.path", Value: `""`,
			Reason: "must name the folder holding one sub-folder per class when data.source is \"folder\""}
	}
	if c.ImageSize <= 0 || c.ImageSize > MaxImageSize {
		return c, &ConfigError{Field: "data.image_size", Value: c.ImageSize, Reason: "must be in [1, 4096]"}
	}
	if c.Channels != 1 && c.Channels != 3 {
		return c, &ConfigError{Field: "data.channels", Value: c.Channels, Reason: "must be 1 or 3"}
	}
	if math.IsNaN(c.ValFraction) || c.ValFraction < 0 || c.ValFraction >= 1 {
		return c, &ConfigError{Field: "data.split.val", Value: c.ValFraction, Reason: "must be in [0, 1)"}
	}
	var err error
	if c.Mean, err = normVector("data.normalize.mean", c.Mean, c.Channels, false); err != nil {
		return c, err
	}
	if c.Std, err = normVector("data.normalize.std", c.Std, c.Channels, true); err != nil {
		return c, err
	}
	if c.Resize == "" {
		c.Resize = ResizeAntialias
	}
	if !slices.Contains(ResizeModes, c.Resize) {
		return c, &ConfigError{Field: "data.resize", Value: quote(c.Resize), Reason: `must be one of "antialias", "bilinear", "nearest"`}
	}
	if c.CropPad < 0 || c.CropPad > c.ImageSize/2 {
		return c, &ConfigError{Field: "data.augment.crop_pad", Value: c.CropPad, Reason: "must be in [0, data.image_size/2] (0 = off)"}
	}
	if math.IsNaN(c.Erase) || c.Erase < 0 || c.Erase > 1 {
		return c, &ConfigError{Field: "data.augment.erase", Value: c.Erase, Reason: "must be in [0, 1] (0 = off)"}
	}
	if c.Limit < 0 {
		return c, &ConfigError{Field: "data.limit", Value: c.Limit, Reason: "must be >= 0 (0 = all)"}
	}
	if c.TestLimit < 0 {
		return c, &ConfigError{Field: "data.test_limit", Value: c.TestLimit, Reason: "must be >= 0 (0 = all)"}
	}
	if c.Workers < 0 {
		return c, &ConfigError{Field: "data.workers", Value: c.Workers, Reason: "must be >= 0 (0 = GOMAXPROCS)"}
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}

// normVector validates a mean or std vector and expands it to one value per output channel.
// An empty vector means 0.5 for every channel.
func normVector(field string, v []float64, channels int, positive bool) ([]float64, error) {
	out := make([]float64, channels)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = 0.5
		}
		return out, nil
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case channels:
		copy(out, v)
	default:
		return nil, &ConfigError{Field: field, Value: v,
			Reason: "must have 1 value or one per channel (data.channels = " + itoa(channels) + ")"}
	}
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) || (positive && x <= 0) {
			reason := "must be finite"
			if positive {
				reason = "must be finite and > 0"
			}
			return nil, &ConfigError{Field: field + "[" + itoa(i) + "]", Value: x, Reason: reason}
		}
	}
	return out, nil
}
