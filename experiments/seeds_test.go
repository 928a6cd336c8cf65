package experiments

import (
	"errors"
	"strings"
	"testing"
)

func TestSweepSeeds(t *testing.T) {
	base := "name: s\nseed: 7\nmodel:\n  width: 0.125\n"
	tests := []struct {
		name      string
		yaml      string
		overrides []string
		want      []string // trial names
		seeds     []int64
	}{
		{"seeds alone", base + "sweep:\n  seeds: 3\n", nil,
			[]string{"seed=7", "seed=8", "seed=9"}, []int64{7, 8, 9}},
		{"seeds times grid", base + "sweep:\n  grid:\n    model.aux.enabled: [true, false]\n  seeds: 2\n", nil,
			[]string{"aux=true,seed=7", "aux=true,seed=8", "aux=false,seed=7", "aux=false,seed=8"}, []int64{7, 8, 7, 8}},
		{"seeds with variants", base + "sweep:\n  variants:\n    - a:\n    - b: {train.lr: 0.01}\n  seeds: 2\n", nil,
			[]string{"a,seed=7", "a,seed=8", "b,seed=7", "b,seed=8"}, []int64{7, 8, 7, 8}},
		{"set on the command line", base, []string{"sweep.seeds=2", "seed=1"},
			[]string{"seed=1", "seed=2"}, []int64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse("x.yaml", []byte(tt.yaml), tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			trials, err := e.Trials()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for i, tr := range trials {
				names = append(names, tr.Name)
				if i < len(tt.seeds) && tr.Config.Seed != tt.seeds[i] {
					t.Errorf("trial %q seed %d, want %d", tr.Name, tr.Config.Seed, tt.seeds[i])
				}
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("trials %v, want %v", names, tt.want)
			}
		})
	}
}

func TestSweepSeedsReplicateZeroIsTheConfig(t *testing.T) {
	plain, err := Parse("x.yaml", []byte("name: s\nseed: 3\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	seeded, err := Parse("x.yaml", []byte("name: s\nseed: 3\nsweep:\n  seeds: 2\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := plain.Trials()
	b, _ := seeded.Trials()
	if a[0].Hash != b[0].Hash || a[0].Hash == b[1].Hash {
		t.Fatalf("replicate 0 hash %s, plain %s, replicate 1 %s", b[0].Hash[:8], a[0].Hash[:8], b[1].Hash[:8])
	}
}

func TestSweepSeedsErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		overrides  []string
		want       string
		kind       error
	}{
		{"zero", "sweep:\n  seeds: 0\n", nil, "sweep.seeds: must be between 1 and 100 seeds per trial, got 0", ErrValue},
		{"too many", "sweep:\n  seeds: 101\n", nil, "got 101", ErrValue},
		{"not a number", "sweep:\n  seeds: three\n", nil, `sweep.seeds: want a whole number of seeds per trial (1 to 100), got "three"`, ErrType},
		{"fraction", "sweep:\n  seeds: 2.5\n", nil, "want a whole number", ErrType},
		{"override", "", []string{"sweep.seeds=-1"}, "sweep.seeds: must be between 1 and 100", ErrValue},
		{"grid sweeps seed too", "sweep:\n  seeds: 2\n  grid:\n    seed: [1, 2]\n", nil,
			"sweep.grid.seed: sweeps seed, which sweep.seeds also sets", ErrValue},
		{"variant sets seed", "sweep:\n  seeds: 2\n  variants:\n    - a: {seed: 4}\n", nil,
			"sets seed, which sweep.seeds also sets", ErrValue},
		{"typo lists seeds", "sweep:\n  seed: 2\n", nil, "valid keys under sweep: grid, seeds, variants", ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte("name: s\n"+tt.yaml), tt.overrides)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, tt.kind) {
				t.Fatalf("Parse = %v; want %v containing %q", err, tt.kind, tt.want)
			}
		})
	}
}
