package data

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Issue 15 case 9: class folder names that are not UTF-8 (Latin-1 "rosé", raw bytes) round-trip through
// class_indices.json; the file stays valid JSON, escaping each invalid byte 0xXX as \udcXX as Python's
// surrogateescape does.
func TestClassIndicesRoundTripNonUTF8(t *testing.T) {
	classes := []string{"daisy", "ros\xe9", "\xff\xfe", "tulip \"quoted\" \\ back", "日本", "emoji 😀", "tab\tnew\nline"}
	path := filepath.Join(t.TempDir(), "class_indices.json")
	if err := WriteClassIndices(path, classes); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !json.Valid(b) {
		t.Fatalf("not valid JSON:\n%s", b)
	}
	if !strings.Contains(string(b), `"ros\udce9"`) {
		t.Errorf("Latin-1 é not written as \\udce9:\n%s", b)
	}
	got, err := ReadClassIndices(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, classes) {
		t.Fatalf("read back %q, want %q", got, classes)
	}
}

// Files written by other tools decode the standard JSON escapes.
func TestReadClassIndicesEscapes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "class_indices.json")
	os.WriteFile(path, []byte(`{"1": "\u00e9t\u00e9 \ud83d\ude00 \/ \b", "0": "a\"b"}`), 0o644)
	got, err := ReadClassIndices(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`a"b`, "été 😀 / \b"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// The checkpoint's class list round-trips the same names.
func TestClassListRoundTrip(t *testing.T) {
	classes := []string{"daisy", "ros\xe9", "\xff"}
	enc := EncodeClassList(classes)
	if !json.Valid([]byte(enc)) {
		t.Fatalf("not JSON: %s", enc)
	}
	got, err := DecodeClassList(enc)
	if err != nil || !slices.Equal(got, classes) {
		t.Fatalf("got %q, %v", got, err)
	}
}
