package data

// LoadImageFile decodes one JPEG or PNG file and preprocesses it exactly as Subset.Fill does for
// evaluation (resize to size x size, channel conversion, normalization, no augmentation). The result
// has channels*size*size values in CHW order. mean, std and resizeMode follow Config.Mean, Config.Std
// and Config.Resize.
func LoadImageFile(path string, size, channels int, mean, std []float64, resizeMode string) ([]float32, error) {
	cfg, err := Config{ImageSize: size, Channels: channels, Mean: mean, Std: std, Resize: resizeMode}.normalized()
	if err != nil {
		return nil, err
	}
	r, err := decodeImageFile(path)
	if err != nil {
		return nil, err
	}
	img := make([]uint8, r.c*size*size)
	resize(r, size, img, cfg.Resize)
	out := make([]float32, channels*size*size)
	newTransform(size, channels, cfg.Mean, cfg.Std).write(img, out, false)
	return out, nil
}
