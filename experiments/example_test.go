package experiments_test

import (
	"fmt"

	"inceptionlab/experiments"
)

// A sweep combines named variants with a grid; each trial is a validated config with a
// readable name.
func ExampleExperiment_Trials() {
	config := []byte(`
name: study
sweep:
  variants:
    - baseline:
    - no_reduction: {model.inception.reduce: false}
  grid:
    train.lr: [1e-4, 3e-4]
`)
	e, err := experiments.Parse("study.yaml", config, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	trials, err := e.Trials()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range trials {
		fmt.Println(t.Index, t.Name, t.Config.Model.Inception.Reduce, t.Config.Train.LR, t.Overrides)
	}
	// Output:
	// 0 baseline,lr=0.0001 true 0.0001 [train.lr=0.0001]
	// 1 baseline,lr=0.0003 true 0.0003 [train.lr=0.0003]
	// 2 no_reduction,lr=0.0001 false 0.0001 [model.inception.reduce=false train.lr=0.0001]
	// 3 no_reduction,lr=0.0003 false 0.0003 [model.inception.reduce=false train.lr=0.0003]
}

// The 1x1 ablation shipped in configs/ expands to four trials.
func ExampleLoad() {
	e, err := experiments.Load("../configs/ablation_1x1.yaml", []string{"train.epochs=1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	trials, err := e.Trials()
	if err != nil {
		fmt.Println(err)
		return
	}
	hashes := map[string]bool{}
	for _, t := range trials {
		hashes[t.Hash] = true
		fmt.Printf("%d %s epochs=%d\n", t.Index, t.Name, t.Config.Train.Epochs)
	}
	fmt.Println(len(hashes), "distinct hashes")
	// Output:
	// 0 reduce=true,aux=true epochs=1
	// 1 reduce=true,aux=false epochs=1
	// 2 reduce=false,aux=true epochs=1
	// 3 reduce=false,aux=false epochs=1
	// 4 distinct hashes
}

// Problems name the file or override, the key, the bad value and what is allowed.
func ExampleLoad_errors() {
	_, err := experiments.Parse("x.yaml", []byte("name: x\nmodel:\n  inception:\n    reduc: false\n"), nil)
	fmt.Println(err)
	_, err = experiments.Parse("x.yaml", []byte("name: x\n"), []string{"model.aux.weight=abc"})
	fmt.Println(err)
	// Output:
	// experiments: x.yaml: unknown key "model.inception.reduc" (valid keys under model.inception: blocks, pool_proj, reduce); did you mean "reduce"?
	// experiments: -set model.aux.weight=abc: model.aux.weight: want a number, got "abc"
}

// sweep.seeds repeats every trial with the seeds seed, seed+1, ...; reports pool the replicates of a
// configuration and test whether two configurations differ.
func ExampleExperiment_Trials_seeds() {
	config := []byte(`
name: study
seed: 1
sweep:
  grid:
    model.aux.enabled: [true, false]
  seeds: 2
`)
	e, err := experiments.Parse("study.yaml", config, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	trials, err := e.Trials()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range trials {
		fmt.Println(t.Index, t.Name, t.Config.Seed, t.Overrides)
	}
	// Output:
	// 0 aux=true,seed=1 1 [model.aux.enabled=true seed=1]
	// 1 aux=true,seed=2 2 [model.aux.enabled=true seed=2]
	// 2 aux=false,seed=1 1 [model.aux.enabled=false seed=1]
	// 3 aux=false,seed=2 2 [model.aux.enabled=false seed=2]
}
