package data

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by *FileError; test for them with errors.Is.
var (
	// ErrMissing: a file or folder that the configuration points to does not exist.
	ErrMissing = errors.New("not found")
	// ErrTruncated: a file ends before the data its header or format promises.
	ErrTruncated = errors.New("truncated")
	// ErrSizeMismatch: an IDX file holds more data than its header declares, or images and labels disagree.
	ErrSizeMismatch = errors.New("header does not match size")
	// ErrBadHeader: an IDX header is malformed (magic number, element type, dimensions).
	ErrBadHeader = errors.New("bad IDX header")
	// ErrBadLabel: a label outside the range of known classes.
	ErrBadLabel = errors.New("bad label")
	// ErrBadImage: a JPEG or PNG file that cannot be decoded.
	ErrBadImage = errors.New("corrupt image")
	// ErrNotImage: a file in a class folder that is not a JPEG or PNG image.
	ErrNotImage = errors.New("not a JPEG or PNG image")
	// ErrEmptyClass: a class folder without usable images.
	ErrEmptyClass = errors.New("empty class folder")
	// ErrTooFewClasses: a folder dataset with fewer than two class folders.
	ErrTooFewClasses = errors.New("too few classes")
)

// ConfigError reports an invalid configuration value. Field is the YAML key path, such as "data.channels".
type ConfigError struct {
	Field  string
	Value  any
	Reason string // what would be valid, e.g. "must be 1 or 3"
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("data: %s: %s, got %v", e.Field, e.Reason, e.Value)
}

// FileError reports a problem with one file or folder. Err wraps a sentinel error or the underlying
// decoder or operating-system error.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return "data: " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *FileError) Unwrap() error { return e.Err }

// fileErrorf builds a *FileError whose message is the sentinel text followed by detail, e.g.
// "truncated: header declares ...". The sentinel stays reachable through errors.Is.
func fileErrorf(path string, sentinel error, format string, args ...any) *FileError {
	return &FileError{Path: path, Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}
