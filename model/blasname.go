package model

import "inceptionlab/model/internal/gemm"

// BLASName names the matrix-multiply implementation the model's kernels run on (OpenBLAS through purego,
// gonum, or the built-in packed SGEMM), for run records and benchmarks.
func BLASName() string { return gemm.BLASName() }

// ThreadIndependent reports whether training and inference give the same bits on any number of cores
// (GOMAXPROCS, -threads): true on the built-in packed SGEMM, where every kernel's reduction order is
// fixed (TestTrainStepIndependentOfThreads), false on OpenBLAS and gonum.
func ThreadIndependent() bool { return gemm.ThreadIndependent() }
