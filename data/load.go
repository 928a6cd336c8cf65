package data

// Splits is a loaded dataset divided into subsets.
type Splits struct {
	Classes []string // class index -> name (Fashion-MNIST names, or sorted folder names)
	Train   *Subset  // training data minus the validation hold-out
	Val     *Subset  // validation hold-out; empty (Len 0, not nil) when Config.ValFraction is 0
	Test    *Subset  // the source's own test set; nil when it has none (folder)
	Info    SplitInfo
	// Skipped lists files skipped under Config.SkipBad as "path: reason": first the non-image entries
	// found while scanning, then the files that failed to decode, each group in file order.
	Skipped []string
}

// Load reads, decodes and splits the dataset described by cfg. Errors are *ConfigError for invalid settings and *FileError (possibly wrapped) for bad files;
// see the package documentation.
func Load(cfg Config) (*Splits, error) {
	cfg, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	var (
		classes     []string
		train, test *store
		skipped     []string
	)
	switch cfg.Source {
	case SourceEmbedded:
		classes = FashionMNISTClasses
		train, test, err = loadEmbedded(cfg)
	case SourceFashionMNIST:
		classes = FashionMNISTClasses
		train, test, err = loadFashionMNIST(cfg)
	case SourceFolder:
		classes, train, skipped, err = loadFolder(cfg)
	}
	if err != nil {
		return nil, err
	}
	classes = append([]string(nil), classes...)
	return assemble(cfg, classes, train, test, skipped), nil
}

// assemble splits train into train and val subsets and records the split.
func assemble(cfg Config, classes []string, train, test *store, skipped []string) *Splits {
	tf := newTransform(cfg.ImageSize, cfg.Channels, cfg.Mean, cfg.Std)
	trainIdx, valIdx := stratifiedSplit(train.labels, len(classes), cfg.ValFraction, cfg.Seed)
	s := &Splits{
		Classes: classes,
		Train:   &Subset{name: "train", st: train, members: trainIdx, tf: tf, hflip: cfg.HFlip, cropPad: cfg.CropPad, erase: cfg.Erase},
		Val:     &Subset{name: "val", st: train, members: valIdx, tf: tf, hflip: cfg.HFlip, cropPad: cfg.CropPad, erase: cfg.Erase},
		Skipped: skipped,
	}
	if test != nil {
		all := make([]int, len(test.labels))
		for i := range all {
			all[i] = i
		}
		s.Test = &Subset{name: "test", st: test, members: all, tf: tf, hflip: cfg.HFlip, cropPad: cfg.CropPad, erase: cfg.Erase}
	}
	s.Info = SplitInfo{
		Source:      cfg.Source,
		Seed:        cfg.Seed,
		ValFraction: cfg.ValFraction,
		Train:       classCounts(s.Train, len(classes)),
		Val:         classCounts(s.Val, len(classes)),
		Hash:        splitHash(s.Train, s.Val, s.Test),
	}
	if s.Test != nil {
		s.Info.Test = classCounts(s.Test, len(classes))
	}
	return s
}
