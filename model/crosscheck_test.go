package model

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"inceptionlab/model/arch"
	"inceptionlab/model/safetensors"
)

// The PyTorch cross-check: our parameters, exported with WriteSafetensors, are loaded into the
// independent PyTorch reference in testdata/googlenet_ref.py (it builds the network from the
// parameters' shapes and loads them with load_state_dict(strict=True)) by testdata/torch_crosscheck.py,
// which also trains it for a few steps. Both scripts ship with the repository; the check needs only
// /usr/bin/python3 with torch (Debian: apt-get install python3-torch) and is skipped, saying so,
// without it.

const torchPython = "/usr/bin/python3"

var torchProbe struct {
	once   sync.Once
	ok     bool
	reason string
}

// needTorch skips the test unless /usr/bin/python3 can import torch.
func needTorch(t *testing.T) {
	t.Helper()
	torchProbe.once.Do(func() {
		if out, err := exec.Command(torchPython, "-c", "import torch").CombinedOutput(); err != nil {
			torchProbe.reason = fmt.Sprintf("PyTorch cross-check skipped: %s cannot import torch (apt-get install python3-torch): %v %s",
				torchPython, err, strings.TrimSpace(string(out)))
			return
		}
		torchProbe.ok = true
	})
	if !torchProbe.ok {
		t.Skip(torchProbe.reason)
	}
}

// torchJob is one export -> PyTorch -> compare round; runTorchJobs fills Out (outputs by name: "logits"
// and, with aux heads, "aux1" and "aux2"; for training jobs the parameters after the recorded steps,
// the losses and the learning rates, see torch_crosscheck.py) or Err (why torch refused the parameters).
type torchJob struct {
	Spec   arch.Spec
	Params []safetensors.Tensor
	Input  []float32 // batch images, NCHW
	Labels []int     // training jobs
	Train  *torchTrain
	Out    map[string]safetensors.Tensor
	Err    string
}

// torchTrain describes a training job for torch_crosscheck.py (mode "train").
type torchTrain struct {
	Steps          int            `json:"steps"`
	Record         []int          `json:"record"`
	AuxWeight      float64        `json:"aux_weight"`
	LabelSmoothing float64        `json:"label_smoothing"`
	Optimizer      map[string]any `json:"optimizer"`
	Schedule       map[string]any `json:"schedule,omitempty"`
}

// runTorchJobs exports every job's parameters and input and runs them all in one Python process (torch's
// start-up dominates the cost of a small check).
func runTorchJobs(t *testing.T, jobs []*torchJob) {
	t.Helper()
	needTorch(t)
	dir := t.TempDir()
	type jobFile struct {
		In         string   `json:"in"`
		Out        string   `json:"out"`
		NumClasses int      `json:"num_classes"`
		InCh       int      `json:"in_ch"`
		Blocks     []string `json:"blocks"`
		AuxAfter   []string `json:"aux_after"`
		Dropout    float64  `json:"dropout"`
		AuxDropout float64  `json:"aux_dropout"`
		Mode       string   `json:"mode,omitempty"`
		*torchTrain
	}
	var files []jobFile
	for i, j := range jobs {
		s := j.Spec
		in := s.InChannels * s.ImageSize * s.ImageSize
		if len(j.Input) == 0 || len(j.Input)%in != 0 {
			t.Fatalf("job %d: %d input values is not a whole number of %dx%dx%d images", i, len(j.Input), s.InChannels, s.ImageSize, s.ImageSize)
		}
		f := jobFile{In: filepath.Join(dir, fmt.Sprintf("in%d.safetensors", i)), Out: filepath.Join(dir, fmt.Sprintf("out%d.safetensors", i)),
			NumClasses: s.NumClasses, InCh: s.InChannels, Dropout: s.Dropout, AuxDropout: s.Aux.Dropout, AuxAfter: []string{}}
		for _, b := range s.Blocks {
			f.Blocks = append(f.Blocks, b.Name)
		}
		if s.Aux.Enabled {
			f.AuxAfter = s.Aux.After
		}
		ts := append([]safetensors.Tensor{{Name: "input", Shape: []int{len(j.Input) / in, s.InChannels, s.ImageSize, s.ImageSize}, Data: j.Input}}, j.Params...)
		if j.Train != nil {
			f.Mode, f.torchTrain = "train", j.Train
			y := make([]float32, len(j.Labels))
			for k, l := range j.Labels {
				y[k] = float32(l)
			}
			ts = append(ts, safetensors.Tensor{Name: "labels", Shape: []int{len(y)}, Data: y})
		}
		if err := safetensors.WriteSafetensors(f.In, ts, nil); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	manifest := filepath.Join(dir, "jobs.json")
	b, _ := json.Marshal(files)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, runErr := exec.Command(torchPython, filepath.Join("testdata", "torch_crosscheck.py"), "--jobs", manifest).CombinedOutput()
	for i, j := range jobs {
		if e, err := os.ReadFile(files[i].Out + ".err"); err == nil {
			j.Err = string(e)
			continue
		}
		got, _, err := safetensors.ReadSafetensors(files[i].Out)
		if err != nil {
			t.Fatalf("job %d: no torch output (script: %v)\n%s", i, runErr, out)
		}
		j.Out = map[string]safetensors.Tensor{}
		for _, g := range got {
			j.Out[g.Name] = g
		}
	}
}

// maxAbsDiff compares float64 reference values with float32 ones and also returns the largest magnitude.
func maxAbsDiff(ref []float64, got []float32) (diff, scale float64) {
	for i := range ref {
		diff = math.Max(diff, math.Abs(ref[i]-float64(got[i])))
		scale = math.Max(scale, math.Abs(ref[i]))
	}
	return diff, scale
}

// crossCheckAll selects the long cross-check (every variant at 32, 64 and 224) even under -short.
const crossCheckAll = "INCEPTIONLAB_CROSSCHECK"

// TestTorchCrossCheck compares the eval-mode outputs (main logits and both aux heads) of the PyTorch
// reference with refForward, and the main logits with the gorgonia network's inference pass (Net.Forward).
// It covers the three variants (reduce, naive+proj, naive-pure) at 32 (the aux pool replicates a 2x2 map
// to 4x4; stage pools run on 2x2 and 1x1 maps), 64 (a 4x4 map passes the adaptive pool unchanged) and 224
// (aux avg pool 5/3, 7x7 global pool: naive-pure there has 97 M parameters and 12.6 G multiply-adds per
// image, about 45 s of CPU). With -short only the standard network runs at 64 and nothing at 224, unless
// INCEPTIONLAB_CROSSCHECK=all. he_normal keeps the logits of order 1, so the 1e-4 bound is meaningful;
// Glorot logits shrink with depth (one Glorot case is kept).
func TestTorchCrossCheck(t *testing.T) {
	needTorch(t)
	all := os.Getenv(crossCheckAll) == "all" || !testing.Short()
	type tcase struct {
		name  string
		plan  *arch.Plan
		batch int
		job   *torchJob
	}
	var cases []tcase
	var jobs []*torchJob
	for _, size := range []int{32, 64, 224} {
		if size == 224 && testing.Short() {
			t.Log("224x224 cross-check skipped in -short mode")
			continue
		}
		for _, v := range variants {
			if size > 32 && v.name != "reduce" && !all {
				t.Logf("%s at %d skipped in -short mode; set %s=all to run it", v.name, size, crossCheckAll)
				continue
			}
			spec := variantSpec(10, size, v.reduce, v.poolProj)
			spec.Init = "he_normal"
			if size == 64 && v.name == "reduce" {
				spec.Init = "glorot_uniform"
			}
			p := mustPlan(t, spec)
			rng := rand.New(rand.NewPCG(uint64(size), 99))
			params, err := arch.InitParams(p, rng)
			if err != nil {
				t.Fatal(err)
			}
			batch := 2
			if size == 224 {
				batch = 1
			}
			input := make([]float32, batch*3*size*size)
			for i := range input {
				input[i] = float32(rng.NormFloat64())
			}
			j := &torchJob{Spec: spec, Params: params, Input: input}
			jobs = append(jobs, j)
			cases = append(cases, tcase{fmt.Sprintf("%s/%d/%s", v.name, size, spec.Init), p, batch, j})
		}
	}
	runTorchJobs(t, jobs)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.job.Err != "" {
				t.Fatalf("PyTorch refused the parameters: %s", c.job.Err)
			}
			ref := refForward(t, c.plan, c.job.Params, c.job.Input, c.batch)
			for h, head := range c.plan.Heads {
				name := head.Name
				if name == "main" {
					name = "logits"
				}
				got, ok := c.job.Out[name]
				if !ok || len(got.Data) != len(ref[h]) {
					t.Fatalf("torch output %q: %d values, want %d", name, len(got.Data), len(ref[h]))
				}
				diff, scale := maxAbsDiff(ref[h], got.Data)
				t.Logf("%s: max |logit| %.4g, max |torch - reference| %.3g", name, scale, diff)
				if diff >= 1e-4 || diff > 1e-5*scale+1e-6 {
					t.Errorf("%s: torch and reference differ by %.3g (max |logit| %.3g)", name, diff, scale)
				}
				if c.plan.Spec.Init == "he_normal" && scale < 0.1 {
					t.Errorf("%s: max |logit| %.3g is too small for the comparison to mean much", name, scale)
				}
			}
			// The gorgonia network itself (the inference graph training and predict use) against PyTorch.
			net, err := newNet(c.plan, c.job.Params, 1)
			if err != nil {
				t.Fatal(err)
			}
			logits, err := net.Forward(c.job.Input, c.batch)
			if err != nil {
				t.Fatal(err)
			}
			torchLogits := c.job.Out["logits"].Data
			var diff, scale float64
			for i := range torchLogits {
				diff = math.Max(diff, math.Abs(float64(torchLogits[i])-float64(logits[i])))
				scale = math.Max(scale, math.Abs(float64(torchLogits[i])))
			}
			t.Logf("gorgonia Net.Forward: max |torch - ours| %.3g (max |logit| %.4g)", diff, scale)
			if diff >= 1e-4 || diff > 1e-5*scale+1e-6 {
				t.Errorf("gorgonia Net.Forward and torch differ by %.3g (max |logit| %.3g)", diff, scale)
			}
		})
	}
}

// TestTorchRejectsWrongParams makes sure the cross-check can fail: a missing tensor, a transposed dense
// weight and an unknown name are all refused.
func TestTorchRejectsWrongParams(t *testing.T) {
	needTorch(t)
	spec := variantSpec(10, 32, true, true)
	p := mustPlan(t, spec)
	params, _ := arch.InitParams(p, rand.New(rand.NewPCG(1, 1)))
	input := make([]float32, 3*32*32)
	tests := []struct {
		name string
		edit func([]safetensors.Tensor) []safetensors.Tensor
		want string
	}{
		{"missing", func(ts []safetensors.Tensor) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "fc/b" {
					return append(ts[:i:i], ts[i+1:]...)
				}
			}
			return ts
		}, "Missing key(s) in state_dict: \"fc.bias\""},
		{"shape", func(ts []safetensors.Tensor) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "fc/w" {
					ts[i].Shape = []int{ts[i].Shape[1], ts[i].Shape[0]}
				}
			}
			return ts
		}, "size mismatch for fc.weight"},
		{"unknown", func(ts []safetensors.Tensor) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "inception_3a/b9/w", Shape: []int{1}, Data: []float32{0}})
		}, "no torch counterpart for inception_3a/b9/w"},
	}
	var jobs []*torchJob
	for _, tc := range tests {
		ts := make([]safetensors.Tensor, len(params))
		copy(ts, params)
		jobs = append(jobs, &torchJob{Spec: spec, Params: tc.edit(ts), Input: input})
	}
	jobs = append(jobs, &torchJob{Spec: spec, Params: params, Input: input}) // and the unedited ones pass
	runTorchJobs(t, jobs)
	for i, tc := range tests {
		if !strings.Contains(jobs[i].Err, tc.want) {
			t.Errorf("%s: torch error %q, want it to contain %q", tc.name, jobs[i].Err, tc.want)
		}
	}
	if last := jobs[len(jobs)-1]; last.Err != "" || last.Out["logits"].Data == nil {
		t.Errorf("unedited parameters: err %q, outputs %v", last.Err, last.Out)
	}
}
