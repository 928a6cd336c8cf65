package runner

import "inceptionlab/model"

// BLASName names the matrix-multiply implementation training runs on (see model.BLASName), for the
// build facts a run records.
func BLASName() string { return model.BLASName() }

// ThreadIndependent reports whether training gives the same numbers on any thread count (see
// model.ThreadIndependent); each run records it beside its thread count.
func ThreadIndependent() bool { return model.ThreadIndependent() }
