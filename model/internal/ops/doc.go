// Package ops holds the custom gorgonia operations the model's graph is built from (convolution,
// pooling, concatenation, dense, dropout, softmax cross-entropy, the weighted loss and their gradient
// ops), NCHW in float32 or float64, with their finite-difference gradient checks. It is internal to
// model: api.go is what model calls. Constructors return an error (prefixed "model: ") for shapes or
// arguments an op cannot take; kernels run on model/internal/gemm.
package ops
