package cluster

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"inceptionlab/experiments"
)

func TestSlurmSeconds(t *testing.T) {
	cases := map[string]int{"90": 5400, "10:30": 630, "01:02:03": 3723, "2-00": 172800, "1-01:30": 91800, "1-00:00:10": 86410}
	for in, want := range cases {
		if got, err := slurmSeconds(in); err != nil || got != want {
			t.Errorf("slurmSeconds(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1h", "1:2:3", "-1", "1-", "01:02:03:04"} {
		if _, err := slurmSeconds(bad); err == nil {
			t.Errorf("slurmSeconds(%q) accepted", bad)
		}
	}
}

func TestShellQuote(t *testing.T) {
	cases := map[string]string{
		"plain/path-1.yaml":  "plain/path-1.yaml",
		"train.lr=0.001":     "train.lr=0.001",
		"":                   "''",
		"a b":                "'a b'",
		"sweep.grid.x=[1,2]": "'sweep.grid.x=[1,2]'",
		"it's":               `'it'\''s'`,
		"$HOME":              "'$HOME'",
	}
	for in, want := range cases {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
		if _, err := exec.LookPath("sh"); err == nil {
			out, err := exec.Command("sh", "-c", "printf %s "+ShellQuote(in)).Output()
			if err != nil || string(out) != in {
				t.Errorf("sh reads %s as %q, want %q (%v)", ShellQuote(in), out, in, err)
			}
		}
	}
}

func TestCountStates(t *testing.T) {
	got := countStates([]string{"RUNNING", "PENDING", "RUNNING", "COMPLETING"})
	if want := "2 RUNNING, 1 PENDING, 1 COMPLETING"; got != want {
		t.Errorf("countStates = %q, want %q", got, want)
	}
	if !slices.Equal(strings.Fields(countStates(nil)), nil) {
		t.Errorf("countStates(nil) = %q, want empty", countStates(nil))
	}
}

func TestK8sName(t *testing.T) {
	cases := map[string]string{
		"smoke":                 "inceptionlab-smoke",
		"GoogLeNet_aux v1":      "inceptionlab-googlenet-aux-v1",
		strings.Repeat("x", 80): "inceptionlab-" + strings.Repeat("x", 39),
		"trailing_":             "inceptionlab-trailing",
	}
	for in, want := range cases {
		got := k8sName(in)
		if got != want || !k8sNameRe.MatchString(got) {
			t.Errorf("k8sName(%q) = %q, want %q (a valid name)", in, got, want)
		}
	}
}

// TestEmitK8sQuotesEverything: values that would change a hand-written YAML document's structure come
// back unchanged from the marshalled manifest.
func TestEmitK8sQuotesEverything(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "x.yaml")
	text := "name: x   \n\tkey: \"quoted\" # comment\n---\n"
	if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := experiments.Default()
	exp.Name = "x"
	sets := []string{"a: b", "- c", "#d", `"e'`, "f\ng: h"}
	p, err := NewPlan(exp, config, sets, filepath.Join(dir, "runs"), K8s)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Prepare(); err != nil {
		t.Fatal(err)
	}
	o := DefaultK8sOptions()
	o.Namespace, o.Image = "ml", "registry.example/x:1"
	path, err := EmitK8s(p, o)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var cm k8sConfigMap
	var job k8sJob
	if err := dec.Decode(&cm); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&job); err != nil {
		t.Fatal(err)
	}
	if cm.Data["config.yaml"] != text {
		t.Errorf("config = %q, want %q", cm.Data["config.yaml"], text)
	}
	args := job.Spec.Template.Spec.Containers[0].Args
	for _, s := range sets {
		if !slices.Contains(args, s) {
			t.Errorf("args %q lack %q", args, s)
		}
	}
	if job.Metadata.Namespace != "ml" || cm.Metadata.Namespace != "ml" || job.Spec.Completions != len(p.Trials) {
		t.Errorf("namespace %q/%q, completions %d", job.Metadata.Namespace, cm.Metadata.Namespace, job.Spec.Completions)
	}
}
