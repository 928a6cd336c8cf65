package arch_test

import (
	"fmt"

	"inceptionlab/model/arch"
)

// The paper's argument for 1x1 reductions: 64 5x5 filters over 512 channels, directly or after 24 1x1
// filters (weights only).
func ExamplePaperStudyExample() {
	e := arch.PaperStudyExample()
	fmt.Printf("naive:   5*5*%d*%d = %d weights\n", e.InChannels, e.Filters, e.NaiveWeights)
	fmt.Printf("reduced: 1*1*%d*%d + 5*5*%d*%d = %d weights\n", e.InChannels, e.Reducers, e.Reducers, e.Filters, e.ReducedWeights)
	fmt.Printf("%.1fx fewer\n", e.Ratio)
	// Output:
	// naive:   5*5*512*64 = 819200 weights
	// reduced: 1*1*512*24 + 5*5*24*64 = 50688 weights
	// 16.2x fewer
}

// The per-block table of the paper's network at 224x224 with 1000 classes (aux heads after 4a and 4d).
func ExamplePlan_Groups() {
	p, err := arch.NewPlan(arch.DefaultSpec(1000))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range p.Groups() {
		fmt.Printf("%-13s %4dx%3dx%3d %9d %11d\n", g.Name, g.Out.C, g.Out.H, g.Out.W, g.Params, g.MACs)
	}
	fmt.Printf("inference: %d params, %d MACs\n", p.TotalParams(false), p.TotalMACs(false))
	// Output:
	// conv1           64x112x112      9472   118013952
	// pool1           64x 56x 56         0           0
	// conv2          192x 56x 56    114944   359661568
	// pool2          192x 28x 28         0           0
	// inception_3a   256x 28x 28    163696   128049152
	// inception_3b   480x 28x 28    388736   304267264
	// pool3          480x 14x 14         0           0
	// inception_4a   512x 14x 14    376176    73608192
	// aux1          1000x  1x  1   3188840     4169728
	// inception_4b   512x 14x 14    449160    87908352
	// inception_4c   512x 14x 14    510104    99850240
	// inception_4d   528x 14x 14    605376   118515712
	// aux2          1000x  1x  1   3190888     4202496
	// inception_4e   832x 14x 14    868352   169996288
	// pool4          832x  7x  7         0           0
	// inception_5a   832x  7x  7   1043456    51079168
	// inception_5b  1024x  7x  7   1444080    70697984
	// avgpool       1024x  1x  1         0           0
	// dropout       1024x  1x  1         0           0
	// fc            1000x  1x  1   1025000     1024000
	// inference: 6998552 params, 1582671872 MACs
}
