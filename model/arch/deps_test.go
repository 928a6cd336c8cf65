package arch

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoGorgonia: the network description, and the commands that only describe (params) or render
// (report), link no gorgonia; that is why this package exists apart from model.
func TestNoGorgonia(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	for _, pkg := range []string{"inceptionlab/model/arch", "inceptionlab/cmd/report", "inceptionlab/cmd/params", "inceptionlab/experiments"} {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				if strings.HasPrefix(dep, "gorgonia.org/") || dep == "inceptionlab/model" {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		})
	}
}
