package model

import (
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGorgoniaStarts builds and runs a tiny gorgonia graph. Its real assertion is that this test binary,
// which links gorgonia and through it go4.org/unsafe/assume-no-moving-gc, starts at all under the Go
// toolchain in use: that package refuses (panics at init) on Go versions it does not know, so a bad
// version fails every test of the package before any runs. It is a plain in-package test; nothing under
// cmd/ has to be built for it.
func TestGorgoniaStarts(t *testing.T) {
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 2), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 2, 3, 4}))))
	w := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(2, 2), tensor.WithBacking([]float32{1, 0, 0, 2}))))
	y := G.Must(G.Mul(x, w))
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := y.Value().Data().([]float32)
	want := []float32{1, 4, 3, 8}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("x*w = %v, want %v", got, want)
		}
	}
	t.Logf("gorgonia graph ran under %s", runtime.Version())
}
