// Package data loads image-classification datasets for inceptionlab, splits them into train, validation
// and test subsets, and turns them into normalized float32 batches.
//
// # Sources
//
// Config.Source selects where images come from:
//
//   - "embedded" (the default when Source is ""): a stratified subset of Fashion-MNIST (700 training and
//     100 test images per class) compiled into the binary with go:embed; see embedded/README.md for its
//     provenance and licence and cmd/internal/tools/mkembed for the program that builds it. Config.Path must be
//     empty: a path with this source almost always means data.source was forgotten.
//   - "fashion-mnist": the full IDX files (60,000 train / 10,000 test) in Config.Path, by default
//     /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). Plain or gzipped files.
//   - "folder": one sub-folder per class holding JPEG or PNG files (the flower_photos layout). Class indices
//     follow the sorted folder names; hidden entries (names starting with ".") and plain files at the top
//     level (such as LICENSE.txt) are ignored. There is no test set.
//
// # Preprocessing
//
// Every image is decoded once, in parallel, resized to ImageSize x ImageSize and stored as uint8 with its
// native channel count (1 for grayscale, 3 for colour). Resizing is bilinear with half-pixel centres and
// edge clamping and without antialiasing: output pixel (x, y) samples source coordinate
// ((x+0.5)*inW/outW - 0.5, (y+0.5)*inH/outH - 0.5), the convention of tf.image.resize(method="bilinear")
// in TF 2 and of OpenCV's INTER_LINEAR; the result is rounded to the nearest integer. The aspect ratio is
// not preserved (images are stretched to a square), matching the tutorial's transforms.Resize((h, w)).
// EXIF orientation tags are ignored. Transparent pixels are composited over black. Images with a gray
// colour model (8- or 16-bit) are stored with one channel, everything else with three.
//
// Subset.Fill converts channels and normalizes while it writes a batch: a 1-channel image becomes 3 by
// replication; a 3-channel image becomes 1 by ITU-R BT.601 luma, (299 R + 587 G + 114 B) / 1000,
// computed exactly in float64 without intermediate rounding. Each value is then (x/255 - mean[c]) / std[c]; the default
// mean and std of 0.5 map 0 to -1 and 255 to +1. With augmentation enabled (a non-nil *rand.Rand and
// Config.HFlip) each image is mirrored left-right with probability 1/2, one draw per image (no draws
// when HFlip is off); Config.CropPad adds random crops and Config.Erase random erasing (Subset.Fill
// gives the draws).
//
// # Splits
//
// Config.ValFraction holds out a stratified validation set from the training data. For each class the
// member list (in source order) is shuffled by Fisher-Yates driven by a PCG generator (math/rand/v2)
// seeded with (Seed, a fixed stream number plus the class index), and the first round(frac*n) members
// become validation, at least one when n >= 2 and never all of them. The shuffle uses the raw 64-bit
// PCG output with its own bounded reduction, so the split is identical on every machine and Go version.
// SplitInfo records per-class counts and a SHA-256 of the member lists so reports can show which split
// was used. Per-epoch batch order comes from Subset.Shuffled with a caller-supplied generator; this
// package never uses the global random source.
//
// # Errors
//
// Errors are prefixed "data: ". Bad configuration yields a *ConfigError naming the key (for example
// "data.split.val"); bad files yield a *FileError naming the file, wrapping one of the sentinel errors
// (ErrMissing, ErrTruncated, ErrSizeMismatch, ErrBadHeader, ErrBadLabel, ErrBadImage, ErrNotImage, ErrEmptyClass,
// ErrTooFewClasses) so callers can test with errors.Is. With Config.SkipBad, unreadable or non-image
// files inside class folders are skipped instead and listed in Splits.Skipped as "path: reason"; an
// empty class, too few classes, a missing path and bad IDX files are always errors.
package data
