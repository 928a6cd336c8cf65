package data_test

import (
	"fmt"
	"math/rand/v2"

	"inceptionlab/data"
)

// Load the embedded Fashion-MNIST subset with the tutorial's 9:1 split and fill one training batch.
func ExampleLoad() {
	s, err := data.Load(data.Config{ImageSize: 32, Channels: 3, ValFraction: 0.1, HFlip: true, Seed: 42})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(s.Classes), "classes:", s.Classes[0], "...", s.Classes[9])
	fmt.Println("train", s.Train.Len(), "val", s.Val.Len(), "test", s.Test.Len())
	fmt.Println("val per class", s.Info.Val)

	rng := rand.New(rand.NewPCG(42, 1)) // from the trial seed and epoch
	order := s.Train.Shuffled(rng)
	c, h, w := s.Train.Dims()
	x, y := make([]float32, 8*c*h*w), make([]int, 8)
	if err := s.Train.Fill(order[:8], x, y, rng); err != nil {
		panic(err)
	}
	fmt.Println("batch", len(y), "images of", c, h, w)
	// Output:
	// 10 classes: T-shirt/top ... Ankle boot
	// train 6300 val 700 test 1000
	// val per class [70 70 70 70 70 70 70 70 70 70]
	// batch 8 images of 3 32 32
}
