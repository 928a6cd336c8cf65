package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassIndicesRoundTrip(t *testing.T) {
	for _, classes := range [][]string{
		{"daisy", "dandelion", "roses", "sunflowers", "tulips"},
		FashionMNISTClasses,
		{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}, // keys 10, 11 sort after 9
		{`quote"s`, "ünïcode", "tab\there"},
	} {
		p := filepath.Join(t.TempDir(), "class_indices.json")
		if err := WriteClassIndices(p, classes); err != nil {
			t.Fatal(err)
		}
		got, err := ReadClassIndices(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, "|") != strings.Join(classes, "|") {
			t.Errorf("round trip %q -> %q", classes, got)
		}
		entries, _ := os.ReadDir(filepath.Dir(p))
		if len(entries) != 1 {
			t.Errorf("temporary files left behind: %v", entries)
		}
	}
}

func TestClassIndicesFormat(t *testing.T) {
	p := filepath.Join(t.TempDir(), "class_indices.json")
	if err := WriteClassIndices(p, []string{"daisy", "dandelion"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := "{\n    \"0\": \"daisy\",\n    \"1\": \"dandelion\"\n}\n"; string(b) != want {
		t.Errorf("file =\n%s\nwant\n%s", b, want)
	}
}

func TestReadClassIndicesErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content, want string
	}{
		{"not json", "daisy", `not a JSON object of class names like {"0": "daisy"}: invalid character 'd' looking for beginning of value`},
		{"array", `["daisy"]`, `not a JSON object of class names like {"0": "daisy"}: json: cannot unmarshal array into Go value of type map[string]string`},
		{"empty", `{}`, "no classes"},
		{"gap", `{"0": "a", "2": "b"}`, `key "2": must be a class index from "0" to "1"`},
		{"leading zero", `{"00": "a", "1": "b"}`, `key "00": must be a class index from "0" to "1"`},
		{"word key", `{"zero": "a"}`, `key "zero": must be a class index from "0" to "0"`},
		{"empty name", `{"0": ""}`, `key "0": empty class name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name+".json", []byte(tc.content))
			_, err := ReadClassIndices(p)
			if err == nil || err.Error() != "data: "+p+": "+tc.want {
				t.Errorf("err = %v, want %s", err, tc.want)
			}
		})
	}
	if _, err := ReadClassIndices(filepath.Join(dir, "none.json")); !errors.Is(err, ErrMissing) {
		t.Errorf("missing file: err = %v", err)
	}
	if err := WriteClassIndices(filepath.Join(dir, "no", "such", "dir.json"), []string{"a"}); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
