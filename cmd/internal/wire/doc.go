// Package wire holds the glue the commands share: it adapts the tracking store to the runner's Recorder,
// gathers build facts (git commit, Go version, BLAS) and turns the model's 1x1 study into the report's
// study section. It exists so cmd/runner and cmd/report wire the same way without repeating code; it
// contains no logic of its own beyond translation.
package wire
