package data

import (
	"math/rand/v2"
	"testing"
)

func TestValCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		frac float64
		want int
	}{
		{100, 0.1, 10}, {10, 0.1, 1}, {15, 0.1, 2}, {14, 0.1, 1}, {5, 0.1, 1}, // round half away from zero
		{3, 0.1, 1}, {2, 0.9, 1}, {10, 0.99, 9}, // at least 1, at most n-1
		{1, 0.5, 0}, {0, 0.5, 0}, {50, 0, 0},
	} {
		if got := valCount(tc.n, tc.frac); got != tc.want {
			t.Errorf("valCount(%d, %v) = %d, want %d", tc.n, tc.frac, got, tc.want)
		}
	}
}

// labelsFor returns perClass[c] labels of class c, interleaved the way real datasets are.
func labelsFor(perClass []int) []int32 {
	var labels []int32
	left := append([]int(nil), perClass...)
	for more := true; more; {
		more = false
		for c := range left {
			if left[c] > 0 {
				labels = append(labels, int32(c))
				left[c]--
				more = true
			}
		}
	}
	return labels
}

func TestStratifiedSplit(t *testing.T) {
	perClass := []int{100, 37, 2, 1, 60}
	labels := labelsFor(perClass)
	train, val := stratifiedSplit(labels, len(perClass), 0.1, 42)

	t.Run("partition", func(t *testing.T) {
		seen := make([]int, len(labels))
		for _, i := range train {
			seen[i]++
		}
		for _, i := range val {
			seen[i]++
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("image %d appears %d times in train+val", i, n)
			}
		}
		for _, list := range [][]int{train, val} {
			for k := 1; k < len(list); k++ {
				if list[k] <= list[k-1] {
					t.Fatalf("member list not ascending at %d", k)
				}
			}
		}
	})
	t.Run("stratified", func(t *testing.T) {
		got := make([]int, len(perClass))
		for _, i := range val {
			got[labels[i]]++
		}
		want := []int{10, 4, 1, 0, 6}
		if !equalInts(got, want) {
			t.Errorf("val per class = %v, want %v", got, want)
		}
	})
	t.Run("same seed same split", func(t *testing.T) {
		train2, val2 := stratifiedSplit(labels, len(perClass), 0.1, 42)
		if !equalInts(train, train2) || !equalInts(val, val2) {
			t.Error("split differs between two calls with seed 42")
		}
	})
	t.Run("different seed different split", func(t *testing.T) {
		_, val2 := stratifiedSplit(labels, len(perClass), 0.1, 43)
		if equalInts(val, val2) {
			t.Error("seeds 42 and 43 gave the same validation set")
		}
	})
	t.Run("classes independent", func(t *testing.T) {
		// Dropping class 4 entirely must not change which members of classes 0..3 are held out.
		short := labelsFor(perClass[:4])
		_, valShort := stratifiedSplit(short, 4, 0.1, 42)
		pick := func(labels []int32, val []int) map[[2]int]bool {
			rank := make([]int, len(labels)) // index of each image within its class
			next := map[int32]int{}
			for i, l := range labels {
				rank[i] = next[l]
				next[l]++
			}
			out := map[[2]int]bool{}
			for _, i := range val {
				if labels[i] < 4 {
					out[[2]int{int(labels[i]), rank[i]}] = true
				}
			}
			return out
		}
		a, b := pick(labels, val), pick(short, valShort)
		if len(a) != len(b) {
			t.Fatalf("held-out sets differ in size: %d vs %d", len(a), len(b))
		}
		for k := range a {
			if !b[k] {
				t.Fatalf("class %d member %d held out only with class 4 present", k[0], k[1])
			}
		}
	})
}

// TestSplitGolden pins the split for one seed. The shuffle is built on the raw PCG-DXSM output (a
// fixed algorithm) and our own bounded reduction, so this list must never change across Go versions
// or machines; if it does, stored experiments would silently get different validation sets. The
// expected list was cross-checked with an independent Python port of PCG-DXSM, Lemire's reduction and
// the Fisher-Yates loop.
func TestSplitGolden(t *testing.T) {
	_, val := stratifiedSplit(make([]int32, 20), 1, 0.25, 2024)
	want := []int{0, 1, 5, 7, 13}
	if !equalInts(val, want) {
		t.Errorf("seed 2024 validation members = %v, want %v", val, want)
	}
}

func TestBoundedUint64Uniform(t *testing.T) {
	src := rand.NewPCG(1, 1)
	var counts [3]int
	const n = 30000
	for range n {
		counts[boundedUint64(src, 3)]++
	}
	for v, c := range counts {
		if c < n/3-500 || c > n/3+500 { // about 6 standard deviations
			t.Errorf("value %d drawn %d times of %d, want about %d", v, c, n, n/3)
		}
	}
}

func TestSplitInfoHash(t *testing.T) {
	imgs := make([][]uint8, 40)
	for i := range imgs {
		imgs[i] = []uint8{uint8(i)}
	}
	st := &store{size: 1, imgs: imgs, labels: labelsFor([]int{20, 20}), key: func(i int) string { return "img" + itoa(i) }}
	mk := func(seed int64) *Splits {
		cfg, err := Config{ImageSize: 1, Channels: 1, ValFraction: 0.2, Seed: seed}.normalized()
		if err != nil {
			t.Fatal(err)
		}
		return assemble(cfg, []string{"a", "b"}, st, nil, nil)
	}
	a, b, c := mk(1), mk(1), mk(2)
	if a.Info.Hash != b.Info.Hash || len(a.Info.Hash) != 64 {
		t.Errorf("same split, hashes %q and %q", a.Info.Hash, b.Info.Hash)
	}
	if a.Info.Hash == c.Info.Hash {
		t.Error("different splits, same hash")
	}
	if !equalInts(a.Info.Train, []int{16, 16}) || !equalInts(a.Info.Val, []int{4, 4}) || a.Info.Test != nil {
		t.Errorf("counts train %v val %v test %v", a.Info.Train, a.Info.Val, a.Info.Test)
	}
	if a.Test != nil || a.Val.Len() != 8 || a.Train.Len() != 32 {
		t.Errorf("subsets: test %v, val %d, train %d", a.Test, a.Val.Len(), a.Train.Len())
	}
}
