package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"inceptionlab/internal/atomicfile"
)

// WriteClassIndices writes classes as the tutorial's class_indices.json, {"0": "daisy", "1": ...}, keys
// in numeric order, indented by four spaces. Names that are not valid UTF-8 are escaped so they
// round-trip (see EncodeClassName). The file is written to a temporary file in the same folder
// and renamed into place, so readers never see a partial file.
func WriteClassIndices(path string, classes []string) error {
	if len(classes) == 0 {
		return fmt.Errorf("data: WriteClassIndices %s: no classes", path)
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, c := range classes {
		fmt.Fprintf(&b, "    %q: %s", strconv.Itoa(i), EncodeClassName(c))
		if i < len(classes)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")

	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("data: WriteClassIndices: %w", err)
	}
	return nil
}

// ReadClassIndices reads a class_indices.json file. Keys must be exactly "0" .. "n-1" (any order) and
// names non-empty; otherwise the error names the file and the offending key.
func ReadClassIndices(path string) ([]string, error) {
	b, err := readSmallFile(path, maxClassIndicesBytes)
	if err != nil {
		return nil, err
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, &FileError{Path: path, Err: fmt.Errorf(`not a JSON object of class names like {"0": "daisy"}: %w`, err)}
	}
	var raw map[string]json.RawMessage // the same names undecoded, for the raw bytes they may escape
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	for k, v := range raw {
		name, err := DecodeClassName(string(v))
		if err != nil {
			return nil, &FileError{Path: path, Err: fmt.Errorf("key %q: want a class name string: %w", k, err)}
		}
		m[k] = name
	}
	if len(m) == 0 {
		return nil, &FileError{Path: path, Err: errors.New("no classes")}
	}
	classes := make([]string, len(m))
	for k, v := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(m) || strconv.Itoa(i) != k {
			return nil, &FileError{Path: path, Err: fmt.Errorf("key %q: must be a class index from \"0\" to \"%d\"", k, len(m)-1)}
		}
		if v == "" {
			return nil, &FileError{Path: path, Err: fmt.Errorf("key %q: empty class name", k)}
		}
		classes[i] = v
	}
	return classes, nil
}

// maxClassIndicesBytes bounds class_indices.json (a million classes of long names stay below it).
const maxClassIndicesBytes = 64 << 20

// readSmallFile reads a regular file of at most limit bytes.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fileErrorf(path, ErrMissing, "no such file")
		}
		return nil, &FileError{Path: path, Err: err}
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	if !info.Mode().IsRegular() || info.Size() > limit {
		return nil, &FileError{Path: path, Err: fmt.Errorf("want a regular file of at most %d MiB (mode %v, %d bytes)", limit>>20, info.Mode().Type(), info.Size())}
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return b, nil
}
