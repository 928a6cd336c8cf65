// Package safetensors reads and writes the safetensors file format (a JSON header of names, dtypes and
// shapes, then the raw little-endian F32 data) used for model checkpoints. Writes go to a temporary
// file renamed into place. Malformed files give errors wrapping ErrSafetensors.
package safetensors
