package runner

import "inceptionlab/model"

// BLASName names the matrix-multiply implementation training runs on (see model.BLASName), for the
// build facts a run records.
func BLASName() string { return model.BLASName() }
