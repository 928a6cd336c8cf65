package model

import "inceptionlab/model/internal/gemm"

// BLASName names the matrix-multiply implementation the model's kernels run on (OpenBLAS through purego,
// gonum, or the built-in packed SGEMM), for run records and benchmarks.
func BLASName() string { return gemm.BLASName() }
