package runner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"inceptionlab/data"
	"inceptionlab/model"
	"inceptionlab/model/arch"
)

func TestTTAViews(t *testing.T) {
	corners := func(flip bool, p int) []data.View {
		return []data.View{{Flip: flip}, {Flip: flip, DX: -p, DY: -p}, {Flip: flip, DX: p, DY: -p},
			{Flip: flip, DX: -p, DY: p}, {Flip: flip, DX: p, DY: p}}
	}
	for _, tc := range []struct {
		tta  string
		pad  int
		want []data.View
		err  string
	}{
		{"", 0, []data.View{{}}, ""},
		{"none", 3, []data.View{{}}, ""},
		{"hflip", 0, []data.View{{}, {Flip: true}}, ""},
		{"crops", 2, append(corners(false, 2), corners(true, 2)...), ""},
		{"crops", 0, nil, "data.augment.crop_pad pixels, which is 0"},
		{"five", 2, nil, `unknown test-time augmentation "five" (valid: none, hflip, crops)`},
	} {
		t.Run(fmt.Sprintf("%s,pad=%d", tc.tta, tc.pad), func(t *testing.T) {
			got, err := TTAViews(tc.tta, tc.pad)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("views %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestEvaluateSplitTTA checks the view-averaged evaluation against a direct computation: every test
// image classified one at a time in every view, the softmax probabilities averaged, the loss -log of
// the mean probability of the true class, top-k by mean probability. With one view it must be the
// plain evaluation, and two copies of the same view must give the plain result too.
func TestEvaluateSplitTTA(t *testing.T) {
	splits, err := data.Load(data.Config{Source: data.SourceEmbedded, ImageSize: 32, Channels: 1, Limit: 1, TestLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	test := splits.Test
	spec := arch.DefaultSpec(len(splits.Classes))
	spec.InChannels, spec.ImageSize, spec.Width = 1, 32, 0.125
	net, err := model.New(spec, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Random weights at this width give nearly uniform probabilities; scale the classifier so that the
	// views disagree and the average matters.
	scaleClassifier(t, net, 40)
	ctx := context.Background()
	const batch = 7 // does not divide the 30 test images: exercises the last short batch

	plain, err := evaluateSplit(ctx, net, test, batch, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, views := range [][]data.View{{{}}, {{}, {}}} {
		r, err := evaluateSplit(ctx, net, test, batch, views, true)
		if err != nil {
			t.Fatal(err)
		}
		if r.top1 != plain.top1 || r.top5 != plain.top5 || math.Abs(r.loss-plain.loss) > 1e-9*math.Max(1, plain.loss) {
			t.Errorf("%d identical views: %+v, want the plain evaluation %+v", len(views), r, plain)
		}
	}

	c, h, w := test.Dims()
	k := spec.NumClasses
	differs := false
	for _, tta := range []string{"hflip", "crops"} {
		views, err := TTAViews(tta, 2)
		if err != nil {
			t.Fatal(err)
		}
		got, err := evaluateSplit(ctx, net, test, batch, views, true)
		if err != nil {
			t.Fatal(err)
		}
		var loss float64
		var hit1, hit5 int
		x := make([]float32, c*h*w)
		y := make([]int, 1)
		for i := 0; i < test.Len(); i++ {
			mean := make([]float64, k)
			for _, v := range views {
				if err := test.FillView([]int{i}, x, y, v); err != nil {
					t.Fatal(err)
				}
				logits, err := net.Forward(x, 1)
				if err != nil {
					t.Fatal(err)
				}
				for j, p := range softmax(logits) {
					mean[j] += p / float64(len(views))
				}
			}
			loss -= math.Log(mean[y[0]])
			better := 0 // classes ranked above the true one: more probable, or as probable and lower
			for j, p := range mean {
				if p > mean[y[0]] || (p == mean[y[0]] && j < y[0]) {
					better++
				}
			}
			if better == 0 {
				hit1++
			}
			if better < 5 {
				hit5++
			}
			if p := got.preds[i]; p.Label != y[0] || math.Abs(p.PTrue-mean[y[0]]) > 1e-5 {
				t.Errorf("%s: image %d: prediction %+v, want label %d, p(true) %.6f", tta, i, p, y[0], mean[y[0]])
			}
			if got.preds[i].Pred != plain.preds[i].Pred {
				differs = true
			}
		}
		n := float64(test.Len())
		// Batch 1 against batch 7: the logits agree to float32 rounding, so the losses to ~1e-5.
		if math.Abs(got.loss-loss/n) > 1e-4 || got.top1 != float64(hit1)/n || got.top5 != float64(hit5)/n {
			t.Errorf("%s: loss %.6f top-1 %.4f top-5 %.4f; direct computation %.6f %.4f %.4f",
				tta, got.loss, got.top1, got.top5, loss/n, float64(hit1)/n, float64(hit5)/n)
		}
		if got.loss == plain.loss {
			t.Errorf("%s: loss %v equals the single-view loss: the views were not used", tta, got.loss)
		}
	}
	if !differs {
		t.Log("no prediction changed under test-time augmentation (the loss did)")
	}
}

// scaleClassifier multiplies the weights of the main classifier (the parameters named fc/*) by f.
func scaleClassifier(t *testing.T, net *model.Net, f float32) {
	t.Helper()
	ps := net.Params()
	n := 0
	for _, p := range ps {
		if strings.HasPrefix(p.Name, "fc/") {
			for i := range p.Data {
				p.Data[i] *= f
			}
			n++
		}
	}
	if n == 0 {
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = p.Name
		}
		t.Fatalf("no fc/* parameters to scale in %v", names)
	}
	if err := net.SetParams(ps); err != nil {
		t.Fatal(err)
	}
}
