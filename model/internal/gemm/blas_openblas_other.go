//go:build !((linux || darwin || freebsd) && (amd64 || arm64))

package gemm

import (
	"fmt"
	"runtime"
)

// loadOpenBLAS reports that run-time loading is not implemented on this platform.
func loadOpenBLAS(string) (*blasBackend, error) {
	return nil, fmt.Errorf("run-time loading of OpenBLAS is not supported on %s/%s", runtime.GOOS, runtime.GOARCH)
}
