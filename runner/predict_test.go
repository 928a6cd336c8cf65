package runner

import (
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/data"
	"inceptionlab/model"
	"inceptionlab/model/arch"
)

// TestPredictorResizeMode checks that a checkpoint is predicted with the resize its trial trained with:
// the recorded data.resize, plain bilinear for checkpoints from before that key (they trained on
// nothing else), and an error naming the file for a value no build wrote.
func TestPredictorResizeMode(t *testing.T) {
	dir := t.TempDir()
	s := arch.DefaultSpec(2)
	s.InChannels, s.ImageSize, s.Width = 1, 32, 0.125
	net, err := model.New(s, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Random noise, 50x37, shrunk to 32x32: the three resize modes give three different inputs.
	photo := filepath.Join("..", "data", "testdata", "resize", "noise50x37.png")
	mean, std := []float64{0.5}, []float64{0.5}

	for _, tc := range []struct {
		name, resize string // resize "" writes no resize metadata (an old checkpoint)
		want, err    string
	}{
		{"old checkpoint", "", data.ResizeBilinear, ""},
		{"antialias", data.ResizeAntialias, data.ResizeAntialias, ""},
		{"nearest", data.ResizeNearest, data.ResizeNearest, ""},
		{"unknown", "lanczos", "", `bad "resize" metadata "lanczos"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			meta := map[string]string{MetaClasses: `["a","b"]`, MetaMean: "[0.5]", MetaStd: "[0.5]"}
			if tc.resize != "" {
				meta[MetaResize] = tc.resize
			}
			ckpt := filepath.Join(dir, tc.name+".safetensors")
			if err := net.SaveWeights(ckpt, meta); err != nil {
				t.Fatal(err)
			}
			p, err := NewPredictor(ckpt)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), ckpt) {
					t.Fatalf("NewPredictor error %v, want one naming %s and containing %q", err, ckpt, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.resize != tc.want {
				t.Errorf("resize %q, want %q", p.resize, tc.want)
			}
			// The logits are those of the image preprocessed with that mode, and no other.
			got, err := p.Predict(photo, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range data.ResizeModes {
				x, err := data.LoadImageFile(photo, 32, 1, mean, std, mode)
				if err != nil {
					t.Fatal(err)
				}
				logits, err := net.Forward(x, 1)
				if err != nil {
					t.Fatal(err)
				}
				probs := softmax(logits)
				same := true
				for _, g := range got {
					same = same && g.Probability == probs[g.Index]
				}
				if same != (mode == tc.want) {
					t.Errorf("prediction matches the %s input: %t, want %t", mode, same, mode == tc.want)
				}
			}
		})
	}
}
