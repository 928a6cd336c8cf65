// Package wire holds the glue the commands share: it gathers build facts (git commit, Go version), writes
// an experiment's report and turns the network description's 1x1 study (model/arch) into the report's
// study section. It links no training code (no runner, no model), so cmd/report and cmd/params stay free
// of gorgonia; the tracking-to-runner adapter is cmd/internal/record. It exists so cmd/runner and cmd/report wire the same way without repeating code; it
// contains no logic of its own beyond translation.
package wire
