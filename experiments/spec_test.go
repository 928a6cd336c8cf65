package experiments

import (
	"reflect"
	"testing"

	"inceptionlab/model/arch"
)

// TestDefaultIsTheNetworksDefault: the config defaults are the network description's (arch.DefaultSpec)
// apart from the input, which follows the default data source.
func TestDefaultIsTheNetworksDefault(t *testing.T) {
	got := Default().ModelSpec(1000)
	want := arch.DefaultSpec(1000)
	want.InChannels, want.ImageSize = 3, 32
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Default().ModelSpec(1000) = %+v\nwant %+v", got, want)
	}
}

func TestSpecForConfigClasses(t *testing.T) {
	tests := []struct {
		name     string
		source   string
		classes  int
		fallback int
		want     int
	}{
		{"embedded", "embedded", 0, 5, FashionMNISTClasses},
		{"fashion-mnist", "fashion-mnist", 0, 5, FashionMNISTClasses},
		{"folder falls back", "folder", 0, 5, 5},
		{"num_classes wins", "folder", 7, 5, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Default()
			e.Data.Source, e.Model.NumClasses = tc.source, tc.classes
			if got := e.SpecForConfig(tc.fallback).NumClasses; got != tc.want {
				t.Errorf("NumClasses = %d, want %d", got, tc.want)
			}
		})
	}
}
