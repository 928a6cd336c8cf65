package experiments

import (
	"path/filepath"
	"testing"
)

// TestConfigsLoad loads and validates every file in configs/, including every trial.
func TestConfigsLoad(t *testing.T) {
	files, err := filepath.Glob("../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	required := map[string]bool{"googlenet_aux.yaml": false, "googlenet_noaux.yaml": false, "ablation_1x1.yaml": false,
		"lr_sweep.yaml": false, "fashion_mnist.yaml": false, "flowers.yaml": false, "smoke.yaml": false}
	for _, f := range files {
		name := filepath.Base(f)
		required[name] = true
		t.Run(name, func(t *testing.T) {
			e, err := Load(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e.File != f {
				t.Errorf("File = %q, want %q", e.File, f)
			}
			trials, err := e.Trials()
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range trials {
				if err := tr.Config.Validate(); err != nil {
					t.Errorf("trial %s: %v", tr.Name, err)
				}
			}
		})
	}
	for name, found := range required {
		if !found {
			t.Errorf("configs/%s is missing", name)
		}
	}
}

// TestConfigsContent pins the properties of the shipped configs that other packages and the
// docs rely on.
func TestConfigsContent(t *testing.T) {
	load := func(name string) *Experiment {
		t.Helper()
		e, err := Load("../configs/"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	smoke := load("smoke.yaml")
	if smoke.Data.Source != "embedded" || smoke.Data.ImageSize != 32 || smoke.Data.Channels != 1 ||
		smoke.Model.Width != 0.125 || smoke.Train.Epochs != 2 || smoke.Train.BatchSize != 16 || smoke.Data.Limit != 8 {
		t.Errorf("smoke.yaml is not tiny: %+v %+v %+v", smoke.Data, smoke.Model.Width, smoke.Train)
	}
	aux, noaux := load("googlenet_aux.yaml"), load("googlenet_noaux.yaml")
	if !aux.Model.Aux.Enabled || aux.Model.Aux.Weight != 0.3 || aux.Train.LR != 3e-4 || aux.Data.Split.Val != 0.1 || !aux.Data.Augment.HFlip {
		t.Errorf("googlenet_aux.yaml is not the tutorial's setup")
	}
	if noaux.Model.Aux.Enabled {
		t.Errorf("googlenet_noaux.yaml has aux enabled")
	}
	// noaux differs from aux only in the aux heads and the name.
	aux.Name, aux.Model.Aux = noaux.Name, noaux.Model.Aux
	if aux.Hash() != noaux.Hash() {
		t.Errorf("googlenet_noaux.yaml differs from googlenet_aux.yaml beyond model.aux")
	}
	fm := load("fashion_mnist.yaml")
	if fm.Data.Source != "fashion-mnist" || fm.Data.Path != DefaultFashionMNISTPath || fm.Train.BatchSize != 128 {
		t.Errorf("fashion_mnist.yaml: %+v", fm.Data)
	}
	fl := load("flowers.yaml")
	if fl.Data.Source != "folder" || fl.Data.ImageSize != 224 || fl.Data.Channels != 3 || fl.Data.Path != "./flower_photos" || fl.Train.Epochs != 30 {
		t.Errorf("flowers.yaml: %+v", fl.Data)
	}
}
