package data

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sparse writes head at the start of a sparse file of size bytes.
func sparse(t *testing.T, path string, head []byte, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(head)
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// Issue 15 case 8: an image file is stat'ed and its header sniffed before it is read; devices, folders,
// oversize files and non-images are rejected within a second without being read whole.
func TestLoadImageFileBounded(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "video.png")
	sparse(t, notImage, []byte("this is not an image"), 3<<30)
	hugePNG := filepath.Join(dir, "huge.png")
	sparse(t, hugePNG, []byte("\x89PNG\r\n\x1a\n"), 3<<30)
	tests := []struct {
		name, path, want string
		kind             error
	}{
		{"dev zero", "/dev/zero", "not a regular file", ErrNotImage},
		{"folder", dir, "not a regular file", ErrNotImage},
		{"3 GiB non-image", notImage, "content is neither JPEG nor PNG", ErrNotImage},
		{"3 GiB PNG", hugePNG, "is 3.0 GiB; image files are limited to 64 MiB", ErrBadImage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := LoadImageFile(tt.path, 32, 1, nil, nil, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) || !errors.Is(err, tt.kind) {
				t.Fatalf("LoadImageFile: %v; want %v naming %s containing %q", err, tt.kind, tt.path, tt.want)
			}
			// A hang guard, not a speed target: reading a 3 GiB file whole took ~30 s before the
			// header sniff, and a loaded CI machine must not make this test flaky.
			if took := time.Since(start); took > 20*time.Second {
				t.Fatalf("took %v; the file should be rejected before it is read", took)
			}
		})
	}
}
