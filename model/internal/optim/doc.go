// Package optim holds the optimizer update kernels of model's training step: Adam (with an AVX2
// assembly kernel on amd64) and the state it saves into and restores from training checkpoints. It is
// internal to model.
package optim
