package data

import (
	"errors"
	"path/filepath"
	"testing"
)

// TestLoadImageFileMatchesFill checks that prediction preprocessing equals evaluation preprocessing.
func TestLoadImageFileMatchesFill(t *testing.T) {
	root := goodTree(t)
	mean, std := []float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}
	for _, channels := range []int{1, 3} {
		cfg := Config{Source: SourceFolder, Path: root, ImageSize: 12, Channels: channels, Mean: mean[:channels], Std: std[:channels]}
		s, err := Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		per := channels * 12 * 12
		x, y := make([]float32, per), make([]int, 1)
		for i := range s.Train.Len() {
			if err := s.Train.Fill([]int{i}, x, y, nil); err != nil {
				t.Fatal(err)
			}
			got, err := LoadImageFile(filepath.Join(root, filepath.FromSlash(s.Train.Key(i))), 12, channels, cfg.Mean, cfg.Std, cfg.Resize)
			if err != nil {
				t.Fatal(err)
			}
			if !equalFloats(got, x) {
				t.Errorf("channels %d, %s: LoadImageFile differs from Fill", channels, s.Train.Key(i))
			}
		}
	}
}

func TestLoadImageFileErrors(t *testing.T) {
	dir := t.TempDir()
	txt := writeFile(t, dir, "x.png", []byte("nope"))
	if _, err := LoadImageFile(txt, 8, 3, nil, nil, ""); !errors.Is(err, ErrNotImage) {
		t.Errorf("text file: err = %v", err)
	}
	if _, err := LoadImageFile(filepath.Join(dir, "none.jpg"), 8, 3, nil, nil, ""); !errors.Is(err, ErrMissing) {
		t.Errorf("missing file: err = %v", err)
	}
	var ce *ConfigError
	if _, err := LoadImageFile(txt, 8, 2, nil, nil, ""); !errors.As(err, &ce) {
		t.Errorf("channels 2: err = %v, want *ConfigError", err)
	}
}
