package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sort"
	"strings"

	"inceptionlab/data"
	"inceptionlab/experiments"
	"inceptionlab/model"
)

// Thumbnail limits: at most maxThumbs misclassified test images per run, each at most thumbSize pixels
// on a side (larger images are subsampled).
const (
	maxThumbs = 48
	thumbSize = 64
)

// evalResult is a split's evaluation: mean cross-entropy, top-1 and top-5 accuracy, and (when asked)
// every example's prediction.
type evalResult struct {
	loss, top1, top5 float64
	preds            []ExamplePrediction
}

// evaluate runs inference over a whole subset in order and returns the mean cross-entropy, top-1 and
// top-5 accuracy.
func evaluate(ctx context.Context, net *model.Net, s *data.Subset, batch int) (loss, top1, top5 float64, err error) {
	r, err := evaluateSplit(ctx, net, s, batch, nil, false)
	return r.loss, r.top1, r.top5, err
}

// TTAViews returns the views test.tta asks for, given the trial's data.augment.crop_pad: none is one
// view (the image as it is), hflip adds its mirror image, crops is the image and its mirror each
// unshifted and shifted by crop_pad pixels towards the four corners (10 views, the small-image
// counterpart of the paper's multi-crop testing).
func TTAViews(tta string, cropPad int) ([]data.View, error) {
	switch tta {
	case "", "none":
		return []data.View{{}}, nil
	case "hflip":
		return []data.View{{}, {Flip: true}}, nil
	case "crops":
		if cropPad <= 0 {
			return nil, fmt.Errorf("runner: test-time augmentation crops shifts every image by data.augment.crop_pad pixels, which is %d in this trial's config; use hflip, or train with data.augment.crop_pad > 0", cropPad)
		}
		var vs []data.View
		for _, flip := range []bool{false, true} {
			vs = append(vs, data.View{Flip: flip})
			for _, d := range [][2]int{{-1, -1}, {1, -1}, {-1, 1}, {1, 1}} {
				vs = append(vs, data.View{Flip: flip, DX: d[0] * cropPad, DY: d[1] * cropPad})
			}
		}
		return vs, nil
	}
	return nil, fmt.Errorf("runner: unknown test-time augmentation %q (valid: %s)", tta, strings.Join(experiments.TTAs, ", "))
}

// evaluateSplit evaluates net on s in order; with keep, it also returns each example's predicted class,
// the probability of the true class and the five most probable classes. A tie ranks the lower class
// first, as model.TopK does.
//
// With more than one view (test-time augmentation), every image is classified in each view and the
// softmax probabilities are averaged: the loss is -log of the mean probability of the true class and
// the classes are ranked by mean probability. No views, or the single zero view, is the plain
// evaluation, computed from the logits exactly as without augmentation.
func evaluateSplit(ctx context.Context, net *model.Net, s *data.Subset, batch int, views []data.View, keep bool) (evalResult, error) {
	nan := math.NaN()
	if s.Len() == 0 {
		return evalResult{nan, nan, nan, nil}, errors.New("runner: evaluating an empty split")
	}
	plain := len(views) == 0 || (len(views) == 1 && views[0] == data.View{})
	c, h, w := s.Dims()
	k := net.Spec().NumClasses
	x := make([]float32, batch*c*h*w)
	y := make([]int, batch)
	var probs []float64
	if !plain {
		probs = make([]float64, batch*k)
	}
	var sum float64
	var hit1, hit5 int
	var res evalResult
	for lo := 0; lo < s.Len(); lo += batch {
		if err := ctx.Err(); err != nil {
			return evalResult{nan, nan, nan, nil}, err
		}
		n := min(batch, s.Len()-lo)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = lo + i
		}
		if plain {
			if err := s.Fill(idx, x[:n*c*h*w], y[:n], nil); err != nil {
				return evalResult{nan, nan, nan, nil}, err
			}
			logits, err := net.Forward(x[:n*c*h*w], n)
			if err != nil {
				return evalResult{nan, nan, nan, nil}, err
			}
			for i := 0; i < n; i++ {
				row := logits[i*k : (i+1)*k]
				ce := crossEntropy(row, y[i])
				sum += ce
				order := rankClasses(row)
				hit1, hit5 = tally(order, y[i], hit1, hit5)
				if keep {
					res.preds = append(res.preds, ExamplePrediction{Example: lo + i, Label: y[i], Pred: order[0],
						PTrue: math.Exp(-ce), Top5: append([]int(nil), order[:min(5, k)]...)})
				}
			}
			continue
		}
		clear(probs)
		for _, v := range views {
			if err := s.FillView(idx, x[:n*c*h*w], y[:n], v); err != nil {
				return evalResult{nan, nan, nan, nil}, err
			}
			logits, err := net.Forward(x[:n*c*h*w], n)
			if err != nil {
				return evalResult{nan, nan, nan, nil}, err
			}
			for i := 0; i < n; i++ {
				for j, p := range softmax(logits[i*k : (i+1)*k]) {
					probs[i*k+j] += p
				}
			}
		}
		nv := float64(len(views))
		for i := 0; i < n; i++ {
			row := probs[i*k : (i+1)*k]
			for j := range row {
				row[j] /= nv
			}
			pTrue := row[y[i]]
			sum -= math.Log(pTrue)
			order := rankClasses(row)
			hit1, hit5 = tally(order, y[i], hit1, hit5)
			if keep {
				res.preds = append(res.preds, ExamplePrediction{Example: lo + i, Label: y[i], Pred: order[0],
					PTrue: pTrue, Top5: append([]int(nil), order[:min(5, k)]...)})
			}
		}
	}
	nf := float64(s.Len())
	res.loss, res.top1, res.top5 = sum/nf, float64(hit1)/nf, float64(hit5)/nf
	return res, nil
}

// tally adds one example whose classes rank as order to the top-1 and top-5 hit counts.
func tally(order []int, label, hit1, hit5 int) (int, int) {
	rank := 0
	for rank < len(order) && order[rank] != label {
		rank++
	}
	if rank == 0 {
		hit1++
	}
	if rank < 5 {
		hit5++
	}
	return hit1, hit5
}

// rankClasses orders the classes of one logit row from most to least probable, ties by class index.
func rankClasses[T float32 | float64](row []T) []int {
	order := make([]int, len(row))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return row[order[a]] > row[order[b]] })
	return order
}

// confusion counts predictions per (true, predicted) class over k classes.
func confusion(preds []ExamplePrediction, k int) [][]int {
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for _, p := range preds {
		if p.Label >= 0 && p.Label < k && p.Pred >= 0 && p.Pred < k {
			m[p.Label][p.Pred]++
		}
	}
	return m
}

// thumbnails renders up to maxThumbs misclassified examples of s as PNGs, undoing the normalisation
// (pixel = (x*std + mean)*255) so they look like the input images.
func thumbnails(s *data.Subset, preds []ExamplePrediction, mean, std []float64) ([]Thumbnail, error) {
	c, h, w := s.Dims()
	x := make([]float32, c*h*w)
	y := make([]int, 1)
	step := max(1, (max(h, w)+thumbSize-1)/thumbSize)
	var out []Thumbnail
	for _, p := range preds {
		if p.Label == p.Pred {
			continue
		}
		if len(out) == maxThumbs {
			break
		}
		if err := s.Fill([]int{p.Example}, x, y, nil); err != nil {
			return nil, err
		}
		b, err := encodeThumb(x, c, h, w, step, mean, std)
		if err != nil {
			return nil, err
		}
		out = append(out, Thumbnail{Example: p.Example, PNG: b})
	}
	return out, nil
}

func encodeThumb(x []float32, c, h, w, step int, mean, std []float64) ([]byte, error) {
	at := func(ch, i, j int) uint8 {
		m, sd := pick(mean, ch, 0.5), pick(std, ch, 0.5)
		v := (float64(x[(ch*h+i)*w+j])*sd + m) * 255
		return uint8(math.Max(0, math.Min(255, math.Round(v))))
	}
	th, tw := (h+step-1)/step, (w+step-1)/step
	var img image.Image
	if c == 1 {
		g := image.NewGray(image.Rect(0, 0, tw, th))
		for i := 0; i < th; i++ {
			for j := 0; j < tw; j++ {
				g.SetGray(j, i, color.Gray{Y: at(0, i*step, j*step)})
			}
		}
		img = g
	} else {
		rgba := image.NewRGBA(image.Rect(0, 0, tw, th))
		for i := 0; i < th; i++ {
			for j := 0; j < tw; j++ {
				r, g, b := at(0, i*step, j*step), at(min(1, c-1), i*step, j*step), at(min(2, c-1), i*step, j*step)
				rgba.SetRGBA(j, i, color.RGBA{R: r, G: g, B: b, A: 255})
			}
		}
		img = rgba
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func pick(v []float64, i int, def float64) float64 {
	switch {
	case len(v) == 0:
		return def
	case i < len(v):
		return v[i]
	}
	return v[len(v)-1]
}
