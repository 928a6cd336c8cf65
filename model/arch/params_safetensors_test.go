package arch

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"inceptionlab/model/safetensors"
)

func TestSafetensorsRoundTripModel(t *testing.T) {
	p := mustPlan(t, variantSpec(10, 32, true, true))
	ts, err := InitParams(p, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteSafetensors(path, ts, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	got, _, err := safetensors.ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, ts)
	if err := p.CheckTensors(got); err != nil {
		t.Error(err)
	}
}

func sameTensors(t *testing.T, got, want []safetensors.Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || !slices.Equal(got[i].Shape, want[i].Shape) || len(got[i].Data) != len(want[i].Data) {
			t.Fatalf("tensor %d = %q %v (%d values), want %q %v (%d)", i, got[i].Name, got[i].Shape, len(got[i].Data),
				want[i].Name, want[i].Shape, len(want[i].Data))
		}
		for j := range want[i].Data {
			if math.Float32bits(got[i].Data[j]) != math.Float32bits(want[i].Data[j]) {
				t.Fatalf("%s[%d] = %g, want %g (bit-exact)", want[i].Name, j, got[i].Data[j], want[i].Data[j])
			}
		}
	}
}
