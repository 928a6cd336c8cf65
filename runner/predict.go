package runner

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"inceptionlab/data"
	"inceptionlab/model"
)

// Prediction is one class and its softmax probability.
type Prediction struct {
	Index       int
	Class       string
	Probability float64
}

// Predictor classifies single images with a checkpoint, preprocessing them exactly as training did
// (resize to the model's input size, channel conversion, the trial's normalisation).
type Predictor struct {
	net       *model.Net
	classes   []string
	mean, std []float64
	resize    string // data.resize of the trial
	path      string
}

// NewPredictor loads a checkpoint written by the runner (best.safetensors or last.safetensors).
func NewPredictor(checkpoint string) (*Predictor, error) {
	return NewVerifiedPredictor(checkpoint, Verify{})
}

// NewVerifiedPredictor is NewPredictor for a checkpoint that must first pass v (for a run's artifact:
// the sha256 the run recorded and its config hash).
func NewVerifiedPredictor(checkpoint string, v Verify) (*Predictor, error) {
	net, meta, err := LoadVerified(checkpoint, v)
	if err != nil {
		return nil, err
	}
	p := &Predictor{net: net, path: checkpoint}
	if raw, ok := meta[MetaClasses]; ok {
		if p.classes, err = data.DecodeClassList(raw); err != nil {
			return nil, fmt.Errorf("runner: %s: bad %q metadata: %w", checkpoint, MetaClasses, err)
		}
	}
	for key, dst := range map[string]any{MetaClasses: nil, MetaMean: &p.mean, MetaStd: &p.std} {
		raw, ok := meta[key]
		if !ok {
			return nil, fmt.Errorf("runner: %s has no %q metadata: not a checkpoint written by the runner", checkpoint, key)
		}
		if dst == nil {
			continue
		}
		if err := json.Unmarshal([]byte(raw), dst); err != nil {
			return nil, fmt.Errorf("runner: %s: bad %q metadata: %w", checkpoint, key, err)
		}
	}
	// Checkpoints from before data.resize existed were trained on plain bilinear resizing.
	p.resize = data.ResizeBilinear
	if r, ok := meta[MetaResize]; ok {
		if !slices.Contains(data.ResizeModes, r) {
			return nil, fmt.Errorf("runner: %s: bad %q metadata %q: want one of %s", checkpoint, MetaResize, r, strings.Join(data.ResizeModes, ", "))
		}
		p.resize = r
	}
	if len(p.classes) != net.Spec().NumClasses {
		return nil, fmt.Errorf("runner: %s lists %d classes but the model has %d outputs", checkpoint, len(p.classes), net.Spec().NumClasses)
	}
	return p, nil
}

// Classes returns the class names in index order.
func (p *Predictor) Classes() []string { return p.classes }

// Predict classifies the image file and returns the top classes, most probable first (all classes when
// top <= 0 or top exceeds their number).
func (p *Predictor) Predict(image string, top int) ([]Prediction, error) {
	spec := p.net.Spec()
	x, err := data.LoadImageFile(image, spec.ImageSize, spec.InChannels, p.mean, p.std, p.resize)
	if err != nil {
		return nil, err
	}
	logits, err := p.net.Forward(x, 1)
	if err != nil {
		return nil, err
	}
	probs := softmax(logits)
	out := make([]Prediction, len(probs))
	for i, pr := range probs {
		out[i] = Prediction{Index: i, Class: p.classes[i], Probability: pr}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Probability > out[b].Probability })
	if top > 0 && top < len(out) {
		out = out[:top]
	}
	return out, nil
}

func softmax(logits []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	out := make([]float64, len(logits))
	var s float64
	for i, v := range logits {
		out[i] = math.Exp(float64(v) - m)
		s += out[i]
	}
	for i := range out {
		out[i] /= s
	}
	return out
}
