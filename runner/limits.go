package runner

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"inceptionlab/internal/numfmt"
	"inceptionlab/model/arch"
)

// Fixed size limits of a trial, checked with the machine's memory before anything is allocated.
const (
	// MaxParams is the largest parameter count a trial may build (the paper's network has 13 million).
	MaxParams = 1 << 31
	// bytesPerParam: float32 weights, gradients and the two Adam moments.
	bytesPerParam = 4 * 4
	// bytesPerActivation: float32 forward values and their gradients.
	bytesPerActivation = 4 * 2
)

// MemInfo is where the available memory is read from (Linux); a variable for tests.
var MemInfo = "/proc/meminfo"

// CheckSize validates the sizes a spec derives before the network is built: the parameter count against
// MaxParams, and the memory for weights, gradients, optimizer state and one batch of activations (the
// plan's layer outputs) against the machine's available memory (MemAvailable in /proc/meminfo; skipped
// where that cannot be read). The error gives the numbers and what to lower.
func CheckSize(spec arch.Spec, batch int) error {
	plan, err := arch.NewPlan(spec)
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	params := plan.TotalParams(true)
	if params > MaxParams {
		return fmt.Errorf("runner: the network has %s parameters (width %g, %dx%d input), more than the limit of %s; lower model.width or data.image_size",
			numfmt.Commas(params), spec.Width, spec.ImageSize, spec.ImageSize, numfmt.Commas(MaxParams))
	}
	var acts int64
	for _, l := range plan.Layers {
		acts += int64(l.Out.Size())
	}
	need := params*bytesPerParam + acts*int64(max(batch, 1))*bytesPerActivation
	avail, ok := availableMemory()
	if ok && need > avail {
		return fmt.Errorf("runner: the trial needs about %s of memory (%s parameters with gradients and Adam state: %s; activations of a batch of %d: %s) but this machine has %s available (MemAvailable in %s); lower model.width, data.image_size or train.batch_size",
			numfmt.Bytes(need), numfmt.Commas(params), numfmt.Bytes(params*bytesPerParam), batch, numfmt.Bytes(acts*int64(max(batch, 1))*bytesPerActivation),
			numfmt.Bytes(avail), MemInfo)
	}
	return nil
}

// availableMemory reads MemAvailable (bytes) from MemInfo.
func availableMemory() (int64, bool) {
	f, err := os.Open(MemInfo)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || kb < 0 {
				return 0, false
			}
			return kb * 1024, true
		}
	}
	return 0, false
}
