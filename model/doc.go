// Package model builds GoogLeNet (Inception v1, Szegedy et al. 2014) on gorgonia from an arch.Plan: the
// Net (New, TrainStep, Forward, TopK, Params/SetParams), training and inference, and safetensors checkpoints
// (SaveWeights, SaveTraining, Load).
//
// The description of the network (Spec, Plan, counts, study) lives in model/arch; the custom gorgonia
// ops in model/internal/ops; matrix multiplies go through model/internal/gemm: a pure-Go GEMM with an
// AVX-512 kernel on CPUs that have it (unless OpenBLAS is installed and runs its own AVX-512 kernels
// there), else OpenBLAS loaded at run time when installed, else the pure-Go GEMM with an AVX2/FMA kernel,
// else gonum; model/internal/gemm/blas.go says how the choice is made (INCEPTIONLAB_BLAS) and BLASName
// reports it. The Adam update kernels are in model/internal/optim, the file codec in model/safetensors.
//
// model is the only package tree that imports gorgonia. It does not import the experiments package:
// callers translate their configuration into an arch.Spec. Errors are prefixed "model: ".
package model
