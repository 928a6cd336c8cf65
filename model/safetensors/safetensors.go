package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"inceptionlab/internal/atomicfile"
	"inceptionlab/internal/fault"
)

// Tensor is a named float32 array in row-major (C) order, the unit of a safetensors checkpoint.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// maxHeaderBytes bounds the JSON header, as the reference safetensors implementation does.
const maxHeaderBytes = 100_000_000

const metadataKey = "__metadata__"

// WriteSafetensors writes ts (F32 only) and the string metadata meta to path in the safetensors format:
// an 8-byte little-endian header length, a JSON header {name: {"dtype":"F32","shape":[...],
// "data_offsets":[begin,end]}, "__metadata__": {...}} padded with spaces to a multiple of 8 bytes, then the
// tensors' little-endian bytes back to back in the order given. The file is written to a temporary file in
// the same directory, synced and renamed over path, so readers never see a partial checkpoint.
func WriteSafetensors(path string, ts []Tensor, meta map[string]string) error {
	header, err := encodeHeader(ts, meta)
	if err != nil {
		return fmt.Errorf("model: writing %s: %w", path, err)
	}
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if err := writeBody(w, header, ts); err != nil {
			return err
		}
		fault.Point(fault.CheckpointWrite)
		return nil
	})
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}

// encodeHeader returns the length prefix and the space-padded JSON header.
func encodeHeader(ts []Tensor, meta map[string]string) ([]byte, error) {
	var h bytes.Buffer
	h.WriteByte('{')
	if len(meta) > 0 {
		m, err := json.Marshal(meta) // keys sorted: the header is deterministic
		if err != nil {
			return nil, err
		}
		h.WriteString(`"` + metadataKey + `":`)
		h.Write(m)
	}
	seen := map[string]bool{}
	var off int64
	for i, t := range ts {
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("tensor %d has an empty name", i)
		case t.Name == metadataKey:
			return nil, fmt.Errorf("tensor %d: the name %q is reserved", i, t.Name)
		case seen[t.Name]:
			return nil, fmt.Errorf("tensor %q appears twice", t.Name)
		}
		seen[t.Name] = true
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: negative dimension in shape %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, n, len(t.Data))
		}
		name, _ := json.Marshal(t.Name)
		shape, _ := json.Marshal(append([]int{}, t.Shape...)) // nil shape -> [] (a scalar)
		if h.Len() > 1 {
			h.WriteByte(',')
		}
		fmt.Fprintf(&h, `%s:{"dtype":"F32","shape":%s,"data_offsets":[%d,%d]}`, name, shape, off, off+4*int64(n))
		off += 4 * int64(n)
	}
	h.WriteByte('}')
	for h.Len()%8 != 0 {
		h.WriteByte(' ')
	}
	out := make([]byte, 8, 8+h.Len())
	binary.LittleEndian.PutUint64(out, uint64(h.Len()))
	return append(out, h.Bytes()...), nil
}

func writeBody(w io.Writer, header []byte, ts []Tensor) error {
	if _, err := w.Write(header); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for _, t := range ts {
		for _, v := range t.Data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
	}
	_, err := w.Write(buf)
	return err
}

// ReadSafetensors reads a safetensors file written by WriteSafetensors or any other F32 writer. It returns
// the tensors in file-data order and the header metadata (nil when absent). It checks everything: a sane
// header length, a JSON object header without duplicate names, F32 dtype only, data offsets that cover
// the data section contiguously without gaps or overlaps, and shapes whose size matches their byte range.
// Errors name the file and the tensor.
func ReadSafetensors(path string) ([]Tensor, map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("model: reading checkpoint: %w", err)
	}
	ts, meta, err := parseSafetensors(b)
	if err != nil {
		return nil, nil, fmt.Errorf("model: %s: %w", path, err)
	}
	return ts, meta, nil
}

// ErrSafetensors is wrapped by every format error ReadSafetensors returns.
var ErrSafetensors = errors.New("invalid safetensors file")

type tensorEntry struct {
	Dtype       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

func parseSafetensors(b []byte) ([]Tensor, map[string]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrSafetensors}, args...)...)
	}
	if len(b) < 8 {
		return nil, nil, bad("%d bytes is too short for the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeaderBytes {
		return nil, nil, bad("header length %d exceeds the %d-byte limit", n, maxHeaderBytes)
	}
	if n > uint64(len(b)-8) {
		return nil, nil, bad("header length %d exceeds the %d bytes after the length prefix (truncated file?)", n, len(b)-8)
	}
	header, data := b[8:8+n], b[8+n:]
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, bad("header must be a JSON object starting with '{'")
	}

	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad("header JSON: %v", err)
	}
	var meta map[string]string
	entries := map[string]tensorEntry{}
	var names []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, bad("header JSON: %v", err)
		}
		name := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, bad("header JSON at %q: %v", name, err)
		}
		if name == metadataKey {
			if meta != nil {
				return nil, nil, bad("%q appears twice", metadataKey)
			}
			if err := json.Unmarshal(raw, &meta); err != nil {
				return nil, nil, bad("%q must map strings to strings: %v", metadataKey, err)
			}
			if meta == nil {
				meta = map[string]string{}
			}
			continue
		}
		if _, dup := entries[name]; dup {
			return nil, nil, bad("tensor %q appears twice", name)
		}
		if name == "" {
			return nil, nil, bad("a tensor has an empty name")
		}
		var e tensorEntry
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, nil, bad("tensor %q: entry must be {\"dtype\",\"shape\",\"data_offsets\"}: %v", name, err)
		}
		entries[name] = e
		names = append(names, name)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, bad("header JSON: %v", err)
	}
	if rest := header[dec.InputOffset():]; len(strings.TrimRight(string(rest), " ")) != 0 {
		return nil, nil, bad("header has %d bytes after the JSON object that are not space padding", len(rest))
	}

	ts := make([]Tensor, 0, len(names))
	begins := make([]int64, 0, len(names))
	for _, name := range names {
		e := entries[name]
		if e.Dtype != "F32" {
			if e.Dtype == "" {
				return nil, nil, bad("tensor %q has no dtype", name)
			}
			return nil, nil, bad("tensor %q has dtype %q; only F32 is supported", name, e.Dtype)
		}
		if e.Shape == nil {
			return nil, nil, bad("tensor %q has no shape", name)
		}
		if len(e.DataOffsets) != 2 {
			return nil, nil, bad("tensor %q: data_offsets must be [begin, end], got %v", name, e.DataOffsets)
		}
		lo, hi := e.DataOffsets[0], e.DataOffsets[1]
		if lo < 0 || hi < lo || hi > int64(len(data)) {
			return nil, nil, bad("tensor %q: data_offsets [%d, %d] outside the %d-byte data section", name, lo, hi, len(data))
		}
		count := int64(1)
		shape := make([]int, len(e.Shape))
		for i, dim := range e.Shape {
			if dim < 0 {
				return nil, nil, bad("tensor %q: negative dimension in shape %v", name, e.Shape)
			}
			if dim > 0 && count > (hi-lo)/4/dim { // count*dim would exceed the byte range (or overflow)
				return nil, nil, bad("tensor %q: shape %v needs more than the %d bytes data_offsets give", name, e.Shape, hi-lo)
			}
			count *= dim
			shape[i] = int(dim)
		}
		if 4*count != hi-lo {
			return nil, nil, bad("tensor %q: shape %v needs %d bytes, data_offsets give %d", name, e.Shape, 4*count, hi-lo)
		}
		vals := make([]float32, count)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[lo+4*int64(i):]))
		}
		ts = append(ts, Tensor{Name: name, Shape: shape, Data: vals})
		begins = append(begins, lo)
	}

	// Contiguity: in begin order, every tensor starts where the previous one ended and the last one ends at
	// the end of the file (zero-size tensors may share an offset).
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, c int) int {
		if begins[a] != begins[c] {
			return cmp.Compare(begins[a], begins[c])
		}
		return cmp.Compare(len(ts[a].Data), len(ts[c].Data))
	})
	var end int64
	sorted := make([]Tensor, len(ts))
	for k, i := range order {
		if begins[i] != end {
			if begins[i] < end {
				return nil, nil, bad("tensor %q: data_offsets overlap the previous tensor (starts at %d, previous ends at %d)", ts[i].Name, begins[i], end)
			}
			return nil, nil, bad("tensor %q: gap in the data section (starts at %d, previous ends at %d)", ts[i].Name, begins[i], end)
		}
		end += 4 * int64(len(ts[i].Data))
		sorted[k] = ts[i]
	}
	if end != int64(len(data)) {
		return nil, nil, bad("tensors cover %d of the %d data bytes (truncated or trailing data)", end, len(data))
	}
	return sorted, meta, nil
}
