package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inceptionlab/data"
)

// writeSource writes gzipped Fashion-MNIST-shaped IDX files with n images per set, label i%10, pixel
// value i, into a temporary folder.
func writeSource(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	for _, set := range []struct {
		prefix string
		n      int
	}{{"train", nTrain}, {"t10k", nTest}} {
		img := &data.IDX{Dims: []int{set.n, 2, 2}, Data: make([]byte, set.n*4)}
		lbl := &data.IDX{Dims: []int{set.n}, Data: make([]byte, set.n)}
		for i := range set.n {
			lbl.Data[i] = byte(i % 10)
			copy(img.Data[i*4:], []byte{byte(i), byte(i), byte(i), byte(i)})
		}
		for name, x := range map[string]*data.IDX{set.prefix + "-images-idx3-ubyte.gz": img, set.prefix + "-labels-idx1-ubyte.gz": lbl} {
			var raw, gz bytes.Buffer
			if err := data.WriteIDX(&raw, x); err != nil {
				t.Fatal(err)
			}
			zw := gzip.NewWriter(&gz)
			zw.Write(raw.Bytes())
			zw.Close()
			if err := os.WriteFile(filepath.Join(dir, name), gz.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRun(t *testing.T) {
	src := writeSource(t, 40, 20)
	out := filepath.Join(t.TempDir(), "subset.idx.gz")
	var log bytes.Buffer
	if err := run([]string{"-src", src, "-out", out, "-train", "3", "-test", "1"}, &log); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	raw := gunzip(t, b)
	// train images (16-byte header + 30*4), train labels (8 + 30), test images (16 + 10*4), labels (8 + 10)
	if want := 16 + 120 + 8 + 30 + 16 + 40 + 8 + 10; len(raw) != want {
		t.Fatalf("asset holds %d bytes, want %d", len(raw), want)
	}
	// First 3 per class in file order: items 0..29 for train; labels cycle 0..9.
	trainLabels := raw[16+120+8 : 16+120+8+30]
	for i, l := range trainLabels {
		if int(l) != i%10 {
			t.Fatalf("train label %d = %d", i, l)
		}
	}
	if n := binary.BigEndian.Uint32(raw[16+120+8+30+4:]); n != 10 {
		t.Errorf("test images = %d, want 10", n)
	}
	if !strings.Contains(log.String(), "3 train + 1 test images per class") {
		t.Errorf("log = %q", log.String())
	}
}

func TestRunErrors(t *testing.T) {
	src := writeSource(t, 20, 10)
	out := filepath.Join(t.TempDir(), "x.gz")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"stray argument", []string{"extra"}, `unexpected arguments ["extra"]`},
		{"zero train", []string{"-train", "0"}, "-train and -test must be > 0, got 0 and 100"},
		{"too few images", []string{"-src", src, "-out", out, "-train", "3"}, "train-images-idx3-ubyte: class 0 has only 2 images, need 3"},
		{"over size limit", []string{"-src", src, "-out", out, "-train", "1", "-test", "1", "-max-bytes", "10"}, "over the -max-bytes limit of 10"},
		{"missing source", []string{"-src", filepath.Join(src, "none"), "-out", out}, "apt-get install dataset-fashion-mnist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed runs left %s behind", out)
	}
}

// TestCommittedAssetIsReproducible rebuilds the subset from the Debian files and compares it, after
// decompression, with the committed asset, so the asset provably is what this program documents.
func TestCommittedAssetIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses the full Fashion-MNIST; skipped with -short")
	}
	if _, err := os.Stat(filepath.Join(data.DefaultFashionMNISTPath, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skipf("Fashion-MNIST not installed in %s: apt-get install dataset-fashion-mnist", data.DefaultFashionMNISTPath)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "data", "embedded", "fashion_subset.idx.gz"))
	if err != nil {
		t.Fatal(err)
	}
	var rebuilt bytes.Buffer
	if err := writeRaw(data.DefaultFashionMNISTPath, 700, 100, &rebuilt); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gunzip(t, committed), rebuilt.Bytes()) {
		t.Error("committed asset differs from `go run ./cmd/internal/tools/mkembed` output; regenerate it")
	}
}
