// Package optim holds the optimizer update kernels and learning-rate schedules of model's training
// step: Adam (with an AVX2 assembly kernel on amd64) and the state it saves into and restores from
// training checkpoints; SGD with momentum (plain or Nesterov) and L2 weight decay; AdamW's decoupled
// weight decay; the exponential moving average (Polyak averaging) of the weights; and the schedules
// (constant, step, cosine, one-cycle, linear warm-up) that give the learning rate of every step. It is
// internal to model.
//
// The kernels work on float32 slices in place and round every operation to float32 on its own (the
// explicit conversions keep the compiler from fusing a multiply and an add), so their results do not
// depend on the architecture or on how the work is split across cores; [Chunks] splits a set of
// parameter tensors into pieces for [Parallel].
package optim
