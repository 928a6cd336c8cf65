package data

import (
	"errors"
	"math"
	"testing"
)

func TestConfigErrors(t *testing.T) {
	ok := Config{ImageSize: 32, Channels: 3}
	for _, tc := range []struct {
		name   string
		modify func(*Config)
		want   string
	}{
		{"source", func(c *Config) { c.Source = "mnist" }, `data: data.source: must be one of "embedded", "fashion-mnist", "folder", got "mnist"`},
		{"folder without path", func(c *Config) { c.Source = SourceFolder },
			`data: data.path: must name the folder holding one sub-folder per class when data.source is "folder", got ""`},
		{"path with embedded", func(c *Config) { c.Path = "flower_photos" },
			`data: data.path: is not used by data.source "embedded"; set data.source to "folder" or "fashion-mnist", or remove data.path, got "flower_photos"`},
		{"image size zero", func(c *Config) { c.ImageSize = 0 }, "data: data.image_size: must be in [1, 4096], got 0"},
		{"image size huge", func(c *Config) { c.ImageSize = 5000 }, "data: data.image_size: must be in [1, 4096], got 5000"},
		{"channels", func(c *Config) { c.Channels = 4 }, "data: data.channels: must be 1 or 3, got 4"},
		{"val fraction one", func(c *Config) { c.ValFraction = 1 }, "data: data.split.val: must be in [0, 1), got 1"},
		{"val fraction negative", func(c *Config) { c.ValFraction = -0.1 }, "data: data.split.val: must be in [0, 1), got -0.1"},
		{"val fraction NaN", func(c *Config) { c.ValFraction = math.NaN() }, "data: data.split.val: must be in [0, 1), got NaN"},
		{"erase above one", func(c *Config) { c.Erase = 1.5 }, "data: data.augment.erase: must be in [0, 1] (0 = off), got 1.5"},
		{"erase negative", func(c *Config) { c.Erase = -0.5 }, "data: data.augment.erase: must be in [0, 1] (0 = off), got -0.5"},
		{"erase NaN", func(c *Config) { c.Erase = math.NaN() }, "data: data.augment.erase: must be in [0, 1] (0 = off), got NaN"},
		{"mean length", func(c *Config) { c.Mean = []float64{0.1, 0.2} },
			"data: data.normalize.mean: must have 1 value or one per channel (data.channels = 3), got [0.1 0.2]"},
		{"std zero", func(c *Config) { c.Std = []float64{0.2, 0, 0.2} }, "data: data.normalize.std[1]: must be finite and > 0, got 0"},
		{"mean infinite", func(c *Config) { c.Mean = []float64{math.Inf(1)} }, "data: data.normalize.mean[0]: must be finite, got +Inf"},
		{"limit", func(c *Config) { c.Limit = -1 }, "data: data.limit: must be >= 0 (0 = all), got -1"},
		{"test limit", func(c *Config) { c.TestLimit = -2 }, "data: data.test_limit: must be >= 0 (0 = all), got -2"},
		{"workers", func(c *Config) { c.Workers = -1 }, "data: data.workers: must be >= 0 (0 = GOMAXPROCS), got -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.modify(&cfg)
			_, err := Load(cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || err.Error() != tc.want {
				t.Errorf("err = %v, want *ConfigError %s", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{ImageSize: 8, Channels: 3, Mean: []float64{0.25}}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != SourceEmbedded || c.Workers < 1 {
		t.Errorf("source %q workers %d", c.Source, c.Workers)
	}
	if len(c.Mean) != 3 || c.Mean[2] != 0.25 || len(c.Std) != 3 || c.Std[0] != 0.5 {
		t.Errorf("mean %v std %v, want [0.25 x3] [0.5 x3]", c.Mean, c.Std)
	}
	c, err = Config{Source: SourceFashionMNIST, ImageSize: 8, Channels: 1}.normalized()
	if err != nil || c.Path != DefaultFashionMNISTPath {
		t.Errorf("fashion-mnist path %q (err %v)", c.Path, err)
	}
}
