// Package atomicfile writes files so that a reader, or the file system after a crash, sees either the
// old content or the complete new content, never a part: the content goes to a temporary file in the
// same folder, which is synced, given its permissions and renamed over the path, and then the folder
// is synced so the rename itself is durable. It is the one way the repository writes output files
// (checkpoints, class indices, reports, cluster scripts, the embedded data asset).
//
// It is a small helper rather than github.com/google/renameio/v2, which does the same on Unix but
// offers nothing on Windows, where the model still builds.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// Write creates or replaces path with what fill writes. On any error (from fill too) the temporary file
// is removed, path is untouched, and the error names path.
func Write(path string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil { // CreateTemp makes the file private (0600)
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

// WriteFile is Write with the content in memory.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// syncDir makes a rename in dir durable. Windows cannot sync a folder; its renames are metadata
// operations the file system journals.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
