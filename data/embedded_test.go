package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"testing"
)

func TestEmbeddedAssetSize(t *testing.T) {
	if n := len(embeddedAsset); n == 0 || n > 5_000_000 {
		t.Errorf("embedded asset is %d bytes; it must exist and stay within 5 MB", n)
	}
}

func TestEmbeddedSource(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		cfg                  Config
		train, val, test     int // per class
		wantDims             [3]int
		firstTrain, lastTest string
	}{
		{"default source", Config{ImageSize: 28, Channels: 1}, 700, 0, 100, [3]int{1, 28, 28}, "embedded-train#0", "embedded-t10k#999"},
		{"tutorial split", Config{Source: SourceEmbedded, ImageSize: 32, Channels: 3, ValFraction: 0.1, Seed: 5},
			630, 70, 100, [3]int{3, 32, 32}, "", "embedded-t10k#999"},
		{"limits", Config{ImageSize: 16, Channels: 1, Limit: 20, TestLimit: 5, ValFraction: 0.5},
			10, 10, 5, [3]int{1, 16, 16}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for c := range 10 {
				if s.Info.Train[c] != tc.train || s.Info.Val[c] != tc.val || s.Info.Test[c] != tc.test {
					t.Fatalf("class %d: train %d val %d test %d, want %d %d %d",
						c, s.Info.Train[c], s.Info.Val[c], s.Info.Test[c], tc.train, tc.val, tc.test)
				}
			}
			if c, h, w := s.Train.Dims(); [3]int{c, h, w} != tc.wantDims {
				t.Errorf("dims %d %d %d, want %v", c, h, w, tc.wantDims)
			}
			if tc.firstTrain != "" && s.Train.Key(0) != tc.firstTrain {
				t.Errorf("first train key %s, want %s", s.Train.Key(0), tc.firstTrain)
			}
			if tc.lastTest != "" && s.Test.Key(s.Test.Len()-1) != tc.lastTest {
				t.Errorf("last test key %s, want %s", s.Test.Key(s.Test.Len()-1), tc.lastTest)
			}
			if s.Info.Source != SourceEmbedded {
				t.Errorf("info source %q", s.Info.Source)
			}
		})
	}
}

// TestEmbeddedLooksLikeFashionMNIST guards against a mislabelled or scrambled asset: per class, the
// mean image brightness must differ (trousers are darker than pullovers, sandals sparse) and images
// must not be blank.
func TestEmbeddedLooksLikeFashionMNIST(t *testing.T) {
	s, err := Load(Config{ImageSize: 28, Channels: 1, Mean: []float64{0}, Std: []float64{1}, TestLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	sums := make([]float64, 10)
	x, y := make([]float32, 784), make([]int, 1)
	for i := range s.Train.Len() {
		if err := s.Train.Fill([]int{i}, x, y, nil); err != nil {
			t.Fatal(err)
		}
		var m float32
		for _, v := range x {
			m += v
		}
		if m == 0 {
			t.Fatalf("%s is blank", s.Train.Key(i))
		}
		sums[y[0]] += float64(m) / 784 / 700
	}
	// Sandals (5) are mostly background; pullovers (2) and coats (4) are large bright shapes.
	if !(sums[5] < sums[2] && sums[5] < sums[4]) {
		t.Errorf("mean brightness per class %v: sandals should be darker than pullovers and coats", fmtSlice(sums))
	}
}

func TestEmbeddedCorruptAsset(t *testing.T) {
	cfg, err := Config{ImageSize: 28, Channels: 1}.normalized()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		asset    []byte
		sentinel error
	}{
		{"cut short", embeddedAsset[:len(embeddedAsset)/2], ErrTruncated},
		{"not gzip", []byte("plain text"), nil},
		{"extra member", gzipBytes(t, append(mustGunzip(t, embeddedAsset), 0, 0, 8, 1, 0, 0, 0, 1, 5)), ErrSizeMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := loadEmbeddedFrom(tc.asset, cfg)
			var fe *FileError
			if !errors.As(err, &fe) || (tc.sentinel != nil && !errors.Is(err, tc.sentinel)) {
				t.Errorf("err = %v, want a *FileError wrapping %v", err, tc.sentinel)
			}
		})
	}
}

func mustGunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func fmtSlice(v []float64) string { return fmt.Sprintf("%.3f", v) }
