package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sampleTensors() []Tensor {
	return []Tensor{
		{Name: "conv/w", Shape: []int{2, 1, 2, 2}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), -0, 1e-40, math.MaxFloat32}},
		{Name: "conv/b", Shape: []int{2}, Data: []float32{0.25, -0.125}},
		{Name: "scalar", Shape: []int{}, Data: []float32{42}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
		{Name: "ünïcode/名前", Shape: []int{1}, Data: []float32{7}},
	}
}

func sameTensors(t *testing.T, got, want []Tensor) {
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

func TestSafetensorsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ck.safetensors")
	nan := math.Float32frombits(0x7fc00123) // a NaN with a payload survives bit-exactly
	ts := append(sampleTensors(), Tensor{Name: "nan", Shape: []int{1}, Data: []float32{nan}})
	meta := map[string]string{"config_hash": "abc123", "classes": `["cat","dog"]`}
	if err := WriteSafetensors(path, ts, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := ReadSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, got, ts)
	if len(gotMeta) != 2 || gotMeta["config_hash"] != "abc123" || gotMeta["classes"] != `["cat","dog"]` {
		t.Errorf("metadata %v, want %v", gotMeta, meta)
	}
	b, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(b)
	if n%8 != 0 || b[8+n-1] != ' ' && b[8+n-1] != '}' {
		t.Errorf("header length %d not 8-aligned or not space padded", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// overwrite in place: the rename replaces the old file
	if err := WriteSafetensors(path, ts[:1], nil); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err = ReadSafetensors(path)
	if err != nil || len(got) != 1 || gotMeta != nil {
		t.Errorf("after overwrite: %d tensors, meta %v, err %v", len(got), gotMeta, err)
	}
}

func TestWriteSafetensorsErrors(t *testing.T) {
	tests := []struct {
		name string
		ts   []Tensor
		want string
	}{
		{"empty name", []Tensor{{Name: "", Shape: []int{1}, Data: []float32{1}}}, "tensor 0 has an empty name"},
		{"duplicate", []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "a", Shape: []int{1}, Data: []float32{1}}}, `tensor "a" appears twice`},
		{"reserved", []Tensor{{Name: "__metadata__", Shape: []int{1}, Data: []float32{1}}}, "reserved"},
		{"size", []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1}}}, `tensor "a": shape [2 2] holds 4 values, data has 1`},
		{"negative", []Tensor{{Name: "a", Shape: []int{-1}, Data: nil}}, "negative dimension"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.safetensors")
			err := WriteSafetensors(path, tc.ts, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want the path and %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files left behind: %v", entries)
			}
		})
	}
	if err := WriteSafetensors(filepath.Join(t.TempDir(), "no", "such", "dir.safetensors"), sampleTensors(), nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// rawFile assembles a safetensors file from a literal header and data bytes.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestReadSafetensorsErrors(t *testing.T) {
	var good bytes.Buffer
	{
		h, err := encodeHeader(sampleTensors(), map[string]string{"a": "b"})
		if err != nil {
			t.Fatal(err)
		}
		if err := writeBody(&good, h, sampleTensors()); err != nil {
			t.Fatal(err)
		}
	}
	four := make([]byte, 4)
	eight := make([]byte, 8)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "0 bytes is too short"},
		{"short prefix", []byte{1, 2, 3}, "3 bytes is too short"},
		{"truncated header", good.Bytes()[:20], "exceeds the 12 bytes after the length prefix"},
		{"truncated data", good.Bytes()[:good.Len()-3], "outside the"},
		{"trailing data", append(slices.Clone(good.Bytes()), 0, 0, 0, 0), "tensors cover 48 of the 52 data bytes"},
		{"huge header", binary.LittleEndian.AppendUint64(nil, 1<<40), "exceeds the 100000000-byte limit"},
		{"not an object", rawFile(`["a"]   `, nil), "must be a JSON object"},
		{"bad json", rawFile(`{"a":{`, nil), "header JSON"},
		{"junk after json", rawFile(`{} x`, nil), "not space padding"},
		{"dtype", rawFile(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, four), `tensor "w" has dtype "F16"; only F32 is supported`},
		{"no dtype", rawFile(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, four), `tensor "w" has no dtype`},
		{"no shape", rawFile(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, four), `tensor "w" has no shape`},
		{"unknown field", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, four), `tensor "w": entry must be`},
		{"offsets arity", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}`, four), "data_offsets must be [begin, end]"},
		{"offsets reversed", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, four), "outside the 4-byte data section"},
		{"offsets past end", rawFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, four), "outside the 4-byte data section"},
		{"shape mismatch", rawFile(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), `tensor "w": shape [3] needs more than the 8 bytes data_offsets give`},
		{"shape too small", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, eight), `tensor "w": shape [1] needs 4 bytes, data_offsets give 8`},
		{"negative dim", rawFile(`{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, four), "negative dimension"},
		{"overflowing shape", rawFile(`{"w":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,4]}}`, four), "needs more than the 4 bytes"},
		{"duplicate", rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `tensor "w" appears twice`},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), "overlap"},
		{"gap", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `tensor "a": gap in the data section`},
		{"metadata type", rawFile(`{"__metadata__":{"a":1}}`, nil), "must map strings to strings"},
		{"empty name", rawFile(`{"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, four), "empty name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.safetensors")
			if err := os.WriteFile(path, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := ReadSafetensors(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrSafetensors) {
				t.Errorf("err = %v\nwant one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
	if _, _, err := ReadSafetensors(filepath.Join(t.TempDir(), "missing.safetensors")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestReadSafetensorsForeignLayout reads a file laid out like the reference implementation's (names out of
// data order, unpadded header): tensors come back in data order.
func TestReadSafetensorsForeignLayout(t *testing.T) {
	data := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1))
	data = binary.LittleEndian.AppendUint32(data, math.Float32bits(2))
	file := rawFile(`{"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, data)
	ts, meta, err := parseSafetensors(file)
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, ts, []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}, {Name: "z", Shape: []int{1}, Data: []float32{2}}})
	if meta != nil {
		t.Errorf("meta %v, want nil", meta)
	}
}

// FuzzReadSafetensors checks that arbitrary bytes never crash the parser and that whatever it accepts
// survives a write/read round trip unchanged. Seeds live in testdata/fuzz/FuzzReadSafetensors.
func FuzzReadSafetensors(f *testing.F) {
	var good bytes.Buffer
	h, _ := encodeHeader(sampleTensors(), map[string]string{"a": "b"})
	writeBody(&good, h, sampleTensors())
	f.Add(good.Bytes())
	f.Add(rawFile(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, meta, err := parseSafetensors(b)
		if err != nil {
			if !errors.Is(err, ErrSafetensors) {
				t.Fatalf("error does not wrap ErrSafetensors: %v", err)
			}
			return
		}
		var out bytes.Buffer
		h, err := encodeHeader(ts, meta)
		if err != nil {
			t.Fatalf("accepted tensors cannot be written: %v", err)
		}
		if err := writeBody(&out, h, ts); err != nil {
			t.Fatal(err)
		}
		ts2, meta2, err := parseSafetensors(out.Bytes())
		if err != nil {
			t.Fatalf("re-read failed: %v", err)
		}
		sameTensors(t, ts2, ts)
		if len(meta) != len(meta2) {
			t.Fatalf("metadata %v became %v", meta, meta2)
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %v became %v", meta, meta2)
			}
		}
	})
}
