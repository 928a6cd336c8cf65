package data

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeFashionDir writes a small Fashion-MNIST-shaped dataset: nTrain and nTest images of 28x28 whose
// pixels all equal the item number (mod 256), labels cycling 0..9. Train files are gzipped, test plain.
func fakeFashionDir(t testing.TB, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(images, labels string, n int, gz bool) {
		pix := make([]byte, n*28*28)
		lbl := make([]byte, n)
		for i := range n {
			lbl[i] = byte(i % 10)
			for j := range 28 * 28 {
				pix[i*28*28+j] = byte(i)
			}
		}
		img := idxBytes(0x08, []uint32{uint32(n), 28, 28}, pix)
		lab := idxBytes(0x08, []uint32{uint32(n)}, lbl)
		if gz {
			writeFile(t, dir, images+".gz", gzipBytes(t, img))
			writeFile(t, dir, labels+".gz", gzipBytes(t, lab))
		} else {
			writeFile(t, dir, images, img)
			writeFile(t, dir, labels, lab)
		}
	}
	write(fashionTrainImages, fashionTrainLabels, nTrain, true)
	write(fashionTestImages, fashionTestLabels, nTest, false)
	return dir
}

func TestFashionMNISTSource(t *testing.T) {
	dir := fakeFashionDir(t, 100, 30)
	cfg := Config{Source: SourceFashionMNIST, Path: dir, ImageSize: 28, Channels: 1, ValFraction: 0.1,
		Mean: []float64{0}, Std: []float64{1}, Seed: 3}
	s, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Classes) != 10 || s.Classes[0] != "T-shirt/top" || s.Classes[9] != "Ankle boot" {
		t.Errorf("classes = %v", s.Classes)
	}
	if s.Train.Len() != 90 || s.Val.Len() != 10 || s.Test.Len() != 30 {
		t.Fatalf("train %d val %d test %d, want 90 10 30", s.Train.Len(), s.Val.Len(), s.Test.Len())
	}
	if !equalInts(s.Info.Val, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}) || !equalInts(s.Info.Test, []int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}) {
		t.Errorf("val %v test %v", s.Info.Val, s.Info.Test)
	}
	// Every pixel of item i is i, and its label is i mod 10: check through the public API.
	for _, sub := range []*Subset{s.Train, s.Val, s.Test} {
		x, y := make([]float32, 28*28), make([]int, 1)
		for i := range sub.Len() {
			if err := sub.Fill([]int{i}, x, y, nil); err != nil {
				t.Fatal(err)
			}
			item := int(x[400]*255 + 0.5)
			if y[0] != item%10 || sub.Label(i) != y[0] || !strings.HasSuffix(sub.Key(i), "#"+itoa(item)) {
				t.Fatalf("%s[%d]: key %s, pixel %d, label %d", sub.Name(), i, sub.Key(i), item, y[0])
			}
		}
	}

	cfg.Limit, cfg.TestLimit, cfg.ImageSize = 4, 2, 32
	s, err = Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.Len()+s.Val.Len() != 40 || s.Test.Len() != 20 || s.Test.Key(19) != "t10k#19" {
		t.Errorf("with limits: train+val %d, test %d (last %s); want 40, 20 (t10k#19)",
			s.Train.Len()+s.Val.Len(), s.Test.Len(), s.Test.Key(s.Test.Len()-1))
	}
	if c, h, w := s.Train.Dims(); c != 1 || h != 32 || w != 32 {
		t.Errorf("dims = %d %d %d", c, h, w)
	}
}

func TestFashionMNISTErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nowhere")
	_, err := Load(Config{Source: SourceFashionMNIST, Path: missing, ImageSize: 28, Channels: 1})
	want := "data: " + missing + "/train-images-idx3-ubyte.gz: not found: no such file (also tried " + missing +
		"/train-images-idx3-ubyte); data.source \"fashion-mnist\" reads the IDX files from data.path " +
		"(default /usr/share/datasets/fashion-mnist), which `apt-get install dataset-fashion-mnist` provides"
	if err == nil || err.Error() != want || !errors.Is(err, ErrMissing) {
		t.Errorf("missing files:\n got %v\nwant %s", err, want)
	}

	for _, tc := range []struct {
		name    string
		file    string // file replaced in a good fake dir
		content []byte
		want    string // FILE is the replaced file's path
	}{
		{"label count mismatch", fashionTestLabels, idxBytes(0x08, []uint32{29}, make([]byte, 29)),
			"data: DIR/t10k-images-idx3-ubyte: header does not match size: 30 images but DIR/t10k-labels-idx1-ubyte has 29 labels"},
		{"label out of range", fashionTestLabels, idxBytes(0x08, []uint32{30}, append(make([]byte, 29), 10)),
			"data: DIR/t10k-labels-idx1-ubyte: bad label: label 10 of item 29 is outside [0, 10)"},
		{"labels not 1-d", fashionTestLabels, idxBytes(0x08, []uint32{30, 1}, make([]byte, 30)),
			"data: DIR/t10k-labels-idx1-ubyte: bad IDX header: labels file has 2 dimensions (30 items of 1), want 1"},
		{"images not 3-d", fashionTestImages, idxBytes(0x08, []uint32{30, 784}, make([]byte, 30*784)),
			"data: DIR/t10k-images-idx3-ubyte: bad IDX header: images file has 2 dimensions (30 items of 784), want 3 (items, rows, columns)"},
		{"truncated images", fashionTestImages, idxBytes(0x08, []uint32{30, 28, 28}, make([]byte, 1000)),
			"data: DIR/t10k-images-idx3-ubyte: truncated: header declares 30 items of 28x28 (23520 bytes of data) but only 1000 bytes follow the header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fakeFashionDir(t, 20, 30)
			writeFile(t, dir, tc.file, tc.content)
			_, err := Load(Config{Source: SourceFashionMNIST, Path: dir, ImageSize: 28, Channels: 1})
			if want := strings.ReplaceAll(tc.want, "DIR", dir); err == nil || err.Error() != want {
				t.Errorf("error\n got %v\nwant %s", err, want)
			}
		})
	}
}

// skipWithoutDebianFashionMNIST skips tests and benchmarks that need the real files.
func skipWithoutDebianFashionMNIST(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(DefaultFashionMNISTPath, fashionTrainImages+".gz")); err != nil {
		tb.Skipf("Fashion-MNIST not installed in %s: apt-get install dataset-fashion-mnist", DefaultFashionMNISTPath)
	}
}

func TestFashionMNISTFull(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 70,000 images; skipped with -short")
	}
	skipWithoutDebianFashionMNIST(t)
	s, err := Load(Config{Source: SourceFashionMNIST, ImageSize: 32, Channels: 3, ValFraction: 0.1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for c := range 10 {
		if s.Info.Train[c] != 5400 || s.Info.Val[c] != 600 || s.Info.Test[c] != 1000 {
			t.Errorf("class %d: train %d val %d test %d, want 5400 600 1000", c, s.Info.Train[c], s.Info.Val[c], s.Info.Test[c])
		}
	}
}

// BenchmarkLoadFashionMNIST loads the full Debian Fashion-MNIST (60,000 + 10,000 images) at 32x32 and
// reports seconds per load, the peak Go heap during the load and the process's peak resident set.
// Run with: go test ./data -run '^$' -bench LoadFashionMNIST -benchtime 3x
func BenchmarkLoadFashionMNIST(b *testing.B) {
	skipWithoutDebianFashionMNIST(b)
	cfg := Config{Source: SourceFashionMNIST, ImageSize: 32, Channels: 3, ValFraction: 0.1, Seed: 1}
	var peakHeap uint64
	for b.Loop() {
		runtime.GC()
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() { done <- samplePeakHeap(stop) }()
		s, err := Load(cfg)
		close(stop)
		if err != nil {
			b.Fatal(err)
		}
		peakHeap = max(peakHeap, <-done)
		runtime.KeepAlive(s)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/load")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MB")
	if rss, ok := peakRSS(); ok {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MB")
	}
}

// samplePeakHeap polls the live heap every millisecond until stop is closed and returns the maximum.
func samplePeakHeap(stop <-chan struct{}) uint64 {
	var ms runtime.MemStats
	var peak uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// peakRSS returns VmHWM, the process's peak resident set size in bytes, on Linux.
func peakRSS() (uint64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fields := strings.Fields(rest) // "123456 kB"
			if len(fields) == 2 && fields[1] == "kB" {
				kb, err := strconv.ParseUint(fields[0], 10, 64)
				return kb << 10, err == nil
			}
		}
	}
	return 0, false
}
