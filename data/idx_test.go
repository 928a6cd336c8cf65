package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes builds an IDX file with the given element type, dimensions and data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	valid := idxBytes(0x08, []uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	for _, tc := range []struct {
		name string
		in   []byte
		dims []int
	}{
		{"images", valid, []int{2, 2, 2}},
		{"labels", idxBytes(0x08, []uint32{3}, []byte{9, 0, 4}), []int{3}},
		{"gzipped", gzipBytes(t, valid), []int{2, 2, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, err := ReadIDX(bytes.NewReader(tc.in), "f.idx")
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(x.Dims, tc.dims) {
				t.Errorf("dims = %v, want %v", x.Dims, tc.dims)
			}
			var out bytes.Buffer
			if err := WriteIDX(&out, x); err != nil {
				t.Fatal(err)
			}
			back, err := ReadIDX(&out, "round-trip")
			if err != nil || !equalInts(back.Dims, x.Dims) || !bytes.Equal(back.Data, x.Data) {
				t.Errorf("round trip = %v, %v; want %v", back, err, x)
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := idxBytes(0x08, []uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	badCRC := gzipBytes(t, valid)
	badCRC[len(badCRC)-8] ^= 0xff
	for _, tc := range []struct {
		name     string
		in       []byte
		sentinel error
		want     string
	}{
		{"empty", nil, ErrTruncated,
			"data: f.idx: truncated: 0 bytes, shorter than the 4-byte IDX magic number"},
		{"not idx", []byte("GIF89a...."), ErrBadHeader,
			"data: f.idx: bad IDX header: magic number 0x47494638 does not start with two zero bytes (not an IDX file?)"},
		{"float elements", idxBytes(0x0D, []uint32{1}, []byte{0, 0, 0, 0}), ErrBadHeader,
			"data: f.idx: bad IDX header: element type 0x0D (float); only 0x08 (unsigned byte) is supported"},
		{"unknown element type", idxBytes(0x42, []uint32{1}, []byte{0}), ErrBadHeader,
			"data: f.idx: bad IDX header: element type 0x42 (unknown); only 0x08 (unsigned byte) is supported"},
		{"no dimensions", []byte{0, 0, 8, 0}, ErrBadHeader,
			"data: f.idx: bad IDX header: 0 dimensions; need at least 1"},
		{"truncated header", []byte{0, 0, 8, 3, 0, 0, 0, 2}, ErrTruncated,
			"data: f.idx: truncated: header declares 3 dimensions (12 bytes) but only 4 bytes follow the magic number"},
		{"zero dimension", idxBytes(0x08, []uint32{2, 0, 2}, nil), ErrBadHeader,
			"data: f.idx: bad IDX header: dimension 1 is 0; every dimension must be > 0"},
		{"truncated data", valid[:len(valid)-3], ErrTruncated,
			"data: f.idx: truncated: header declares 2 items of 2x2 (8 bytes of data) but only 5 bytes follow the header"},
		{"trailing data", append(append([]byte(nil), valid...), 1, 2, 3), ErrSizeMismatch,
			"data: f.idx: header does not match size: header declares 2 items of 2x2 (8 bytes of data) but 3 more bytes follow"},
		{"absurd size", idxBytes(0x08, []uint32{65536, 65536, 2}, nil), ErrBadHeader,
			"data: f.idx: bad IDX header: header dimensions 65536 items of 65536 exceed the 2 GiB data limit"},
		// Where a cut gzip stream stops yielding bytes depends on the compressor, so only the prefix is fixed.
		{"truncated gzip", gzipBytes(t, valid)[:20], ErrTruncated, "data: f.idx: truncated: *"},
		{"gzip checksum", badCRC, gzip.ErrChecksum,
			"data: f.idx: corrupt gzip stream: gzip: invalid checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tc.in), "f.idx")
			if err == nil {
				t.Fatal("no error")
			}
			if prefix, ok := strings.CutSuffix(tc.want, "*"); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error\n got %s\nwant prefix %s", err, prefix)
				}
			} else if err.Error() != tc.want {
				t.Errorf("error\n got %s\nwant %s", err, tc.want)
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.sentinel)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != "f.idx" {
				t.Errorf("error %#v is not a *FileError for f.idx", err)
			}
		})
	}
}

func TestReadIDXFileMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.idx")
	_, err := ReadIDXFile(p)
	if !errors.Is(err, ErrMissing) || err.Error() != "data: "+p+": not found: no such file" {
		t.Errorf("err = %v", err)
	}
}

func TestWriteIDXErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		x    *IDX
	}{
		{"no dims", &IDX{}},
		{"zero dim", &IDX{Dims: []int{0}}},
		{"size mismatch", &IDX{Dims: []int{2, 2}, Data: []byte{1, 2, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := WriteIDX(&bytes.Buffer{}, tc.x); err == nil {
				t.Error("no error")
			}
		})
	}
}

// FuzzParseIDX checks that ReadIDX never panics, reports only *FileError values, and that whatever it
// accepts is self-consistent and survives a WriteIDX round trip. Seed corpus: testdata/fuzz/FuzzParseIDX.
// Run with: go test ./data -run '^$' -fuzz FuzzParseIDX -fuzztime 10s
func FuzzParseIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Add(idxBytes(0x08, []uint32{3}, []byte{1, 2, 3}))
	f.Add(gzipBytes(f, idxBytes(0x08, []uint32{1, 2}, []byte{7, 7})))
	f.Fuzz(func(t *testing.T, in []byte) {
		x, err := ReadIDX(bytes.NewReader(in), "fuzz.idx")
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FileError", err, err)
			}
			return
		}
		n := 1
		for _, d := range x.Dims {
			if d <= 0 {
				t.Fatalf("accepted dimension %d", d)
			}
			n *= d
		}
		if n != len(x.Data) {
			t.Fatalf("dims %v but %d data bytes", x.Dims, len(x.Data))
		}
		var out bytes.Buffer
		if err := WriteIDX(&out, x); err != nil {
			t.Fatal(err)
		}
		if len(in) >= 2 && !(in[0] == 0x1f && in[1] == 0x8b) && !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("round trip changed the bytes")
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// writeFile writes b to dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
