package runner

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"inceptionlab/data"
	"inceptionlab/experiments"
)

func TestTrialDirIsSafeAndUnique(t *testing.T) {
	cases := []struct{ name, hash, want string }{
		{"reduce=false,aux=true", "0123456789abcdef", "out/exp/reduce=false_aux=true-01234567"},
		{"../../etc", "fedcba9876543210", "out/exp/.._.._etc-fedcba98"},
		{"lr=0.0003", "aaaaaaaaaaaaaaaa", "out/exp/lr=0.0003-aaaaaaaa"},
		{"<script>", "bbbbbbbbbbbbbbbb", "out/exp/_script_-bbbbbbbb"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := TrialDir("out", "exp", experiments.Trial{Name: tc.name, Hash: tc.hash})
			if got != tc.want {
				t.Errorf("TrialDir = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	trials := []experiments.Trial{{Index: 0, Name: "a"}, {Index: 1, Name: "b"}}
	cases := []struct {
		name    string
		opts    Options
		want    string
		wantErr string
	}{
		{"all", Options{Index: -1}, "a,b", ""},
		{"by name", Options{Trial: "b", Index: -1}, "b", ""},
		{"by index", Options{Index: 0}, "a", ""},
		{"unknown name", Options{Trial: "c", Index: -1}, "", `no trial named "c"; trials: "a", "b"`},
		{"index out of range", Options{Index: 2}, "", "trial index 2 out of range: the sweep has 2 trials (0..1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(trials, tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			var names []string
			for _, g := range got {
				names = append(names, g.Name)
			}
			if strings.Join(names, ",") != tc.want {
				t.Errorf("selected %v, want %s", names, tc.want)
			}
		})
	}
}

func TestBestSoFarAndEarlyStopCounter(t *testing.T) {
	h := []Epoch{{Epoch: 1, ValTop1: 0.5, ValLoss: 1.0}, {Epoch: 2, ValTop1: 0.7, ValLoss: 0.8},
		{Epoch: 3, ValTop1: 0.6, ValLoss: 0.9}, {Epoch: 4, ValTop1: 0.65, ValLoss: 0.85}}
	top1, loss, since := bestSoFar(h)
	if top1 != 0.7 || loss != 0.8 || since != 2 {
		t.Errorf("bestSoFar = %v, %v, %d; want 0.7, 0.8, 2", top1, loss, since)
	}
	if top1, loss, since := bestSoFar(nil); !math.IsInf(top1, -1) || !math.IsInf(loss, 1) || since != 0 {
		t.Errorf("bestSoFar(nil) = %v, %v, %d", top1, loss, since)
	}
}

func TestCrossEntropyAndSoftmax(t *testing.T) {
	row := []float32{1000, 0, -1000}
	if ce := crossEntropy(row, 0); ce > 1e-9 {
		t.Errorf("confident right answer: CE %v, want ~0", ce)
	}
	if ce := crossEntropy([]float32{0, 0, 0, 0}, 2); math.Abs(ce-math.Log(4)) > 1e-12 {
		t.Errorf("uniform logits: CE %v, want ln 4", ce)
	}
	p := softmax([]float32{1, 2, 3})
	if s := p[0] + p[1] + p[2]; math.Abs(s-1) > 1e-12 || !(p[2] > p[1] && p[1] > p[0]) {
		t.Errorf("softmax %v", p)
	}
}

func TestWriteSummary(t *testing.T) {
	var b bytes.Buffer
	err := WriteSummary(&b, []Result{
		{Trial: "reduce=true", Status: StatusFinished, BestValTop1: 0.8123, BestEpoch: 3, Epochs: 4, TestTop1: 0.8,
			Params: 6_998_552, MACs: 1_583_000_000, Seconds: 75.4, RunID: "0123456789abcdef"},
		{Trial: "reduce=false", Status: StatusFailed, TestTop1: math.NaN(), Err: errTest("boom")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"81.2% (ep 3)", "80.0%", "7.00 M", "1.58 G", "1m15s", "01234567", "reduce=false: boom"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

// TestFashionMNISTClassCount: experiments counts the Fashion-MNIST classes without importing data.
func TestFashionMNISTClassCount(t *testing.T) {
	if got, want := experiments.FashionMNISTClasses, len(data.FashionMNISTClasses); got != want {
		t.Errorf("experiments.FashionMNISTClasses = %d, data has %d class names", got, want)
	}
}
