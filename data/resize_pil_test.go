package data

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestResizeMatchesPIL compares resize with PIL's Image.resize on the fixtures testdata/resize/gen_pil.py
// generated once (the inputs and PIL's 32x32 outputs are committed): antialias against PIL's BILINEAR
// (which antialiases when shrinking) within one grey level, since PIL rounds its fixed-point
// coefficients and its intermediate (horizontal) pass to 8 bits while resize works in float64 and
// rounds once; nearest against PIL's NEAREST exactly. The columns case is the issue's: alternating
// black and white columns shrunk 96 -> 32 give PIL's [128, 113, 142, ...] in antialias mode, where
// plain bilinear gives [255, 0, 255, ...].
func TestResizeMatchesPIL(t *testing.T) {
	for _, name := range []string{"columns96", "noise50x37", "noise28", "photo160x120"} {
		src, err := decodeImageFile(filepath.Join("testdata", "resize", name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			mode string
			tol  int
		}{{ResizeAntialias, 1}, {ResizeNearest, 0}} {
			t.Run(fmt.Sprintf("%s/%s", name, tc.mode), func(t *testing.T) {
				want, err := decodeImageFile(filepath.Join("testdata", "resize", name+"_"+tc.mode+".png"))
				if err != nil {
					t.Fatal(err)
				}
				got := make([]uint8, src.c*32*32)
				resize(src, 32, got, tc.mode)
				if len(want.pix) != len(got) {
					t.Fatalf("PIL output has %d values, ours %d", len(want.pix), len(got))
				}
				worst, off := 0, 0
				for i := range got {
					d := int(got[i]) - int(want.pix[i])
					d = max(d, -d)
					if d > tc.tol {
						off++
					}
					worst = max(worst, d)
				}
				if off > 0 {
					t.Errorf("%d of %d values differ from PIL by more than %d (worst %d); first row ours %v, PIL %v",
						off, len(got), tc.tol, worst, got[:8], want.pix[:8])
				}
			})
		}
	}
	// Plain bilinear aliases on the columns: every output pixel lands on one source column.
	src, err := decodeImageFile(filepath.Join("testdata", "resize", "columns96.png"))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]uint8, 32*32)
	resize(src, 32, got, ResizeBilinear)
	if got[0] != 255 || got[1] != 0 || got[2] != 255 {
		t.Errorf("bilinear on alternating columns: first values %v, want the aliased [255 0 255]", got[:3])
	}
}

// Enlarging (Fashion-MNIST's 28 -> 32) is the same in the antialias and bilinear modes, so the
// default changes nothing for those data sets.
func TestResizeAntialiasEqualsBilinearWhenEnlarging(t *testing.T) {
	src, err := decodeImageFile(filepath.Join("testdata", "resize", "noise28.png"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := make([]uint8, 32*32), make([]uint8, 32*32)
	resize(src, 32, a, ResizeAntialias)
	resize(src, 32, b, ResizeBilinear)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("pixel %d: antialias %d, bilinear %d", i, a[i], b[i])
		}
	}
}
