// Package gemm holds the matrix-product engine of the custom ops: the GEMM entry points (Gemm, GemmPar),
// the packed SGEMM with its AVX2/AVX-512 micro-kernels (assembly), the BLAS back-end selection (OpenBLAS
// loaded through purego when available, else gonum, overridable with environment variables; BLASName
// reports the choice) and the reusable scratch buffers the kernels share. It is internal to model.
// Shape errors are programming errors and panic, as in gonum.
package gemm
