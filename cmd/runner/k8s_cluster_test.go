package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// k8sDocs parses the emitted manifest into its documents.
func k8sDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s is not valid YAML: %v", path, err)
		}
		docs = append(docs, d)
	}
}

// dig follows a path of map keys and list indexes, failing the test when it does not exist.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok || m[k] == nil {
				t.Fatalf("manifest: no %v", path[:i+1])
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("manifest: no %v", path[:i+1])
			}
			v = l[k]
		}
	}
	return v
}

func TestEmitK8sManifest(t *testing.T) {
	cases := []struct {
		name        string
		args        []string
		config      string // "" = the smoke config
		completions int
		parallelism int
		namespace   string
		memory      string
	}{
		{name: "defaults", completions: 4, parallelism: 4},
		{name: "options", args: []string{"-k8s.parallelism", "2", "-k8s.namespace", "ml", "-k8s.memory", "2Gi",
			"-k8s.image", "registry.example/inceptionlab:v2", "-k8s.pvc", "shared-runs", "-k8s.retries", "5", "-k8s.cpus", "4"},
			completions: 4, parallelism: 2, namespace: "ml", memory: "2Gi"},
		{name: "config that needs quoting", config: "  \n# trailing spaces   \nname: quoted  \ndata: {source: embedded, limit: 8, test_limit: 8, image_size: 32, channels: 1}\nmodel: {width: 0.125}\ntrain: {epochs: 1}\n",
			completions: 4, parallelism: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			config, experiment := smoke, "smoke"
			if tc.config != "" {
				config, experiment = filepath.Join(e.dir, "quoted.yaml"), "quoted"
				os.WriteFile(config, []byte(tc.config), 0o644)
			}
			args := append([]string{"-config", config, "-set", seeds4, "-emit", "k8s"}, tc.args...)
			code, out, errs := e.run(context.Background(), args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			path := filepath.Join(e.out(), experiment, "k8s", "job.yaml")
			docs := k8sDocs(t, path)
			if len(docs) != 2 || docs[0]["kind"] != "ConfigMap" || docs[1]["kind"] != "Job" || docs[1]["apiVersion"] != "batch/v1" {
				t.Fatalf("want a ConfigMap and a batch/v1 Job, got %d documents", len(docs))
			}
			text, _ := os.ReadFile(config)
			if got := dig(t, docs[0], "data", "config.yaml"); got != string(text) {
				t.Errorf("the ConfigMap holds\n%q\nwant the config file\n%q", got, text)
			}
			cm, job := dig(t, docs[0], "metadata", "name"), docs[1]
			if ns, _ := dig(t, job, "metadata").(map[string]any)["namespace"].(string); ns != tc.namespace {
				t.Errorf("namespace %q, want %q", ns, tc.namespace)
			}
			spec := dig(t, job, "spec")
			for key, want := range map[string]any{"completionMode": "Indexed", "completions": tc.completions,
				"parallelism": tc.parallelism} {
				if got := dig(t, spec, key); got != want {
					t.Errorf("spec.%s = %v, want %v", key, got, want)
				}
			}
			if _, ok := dig(t, spec, "backoffLimitPerIndex").(int); !ok {
				t.Error("spec.backoffLimitPerIndex is not a number")
			}
			pod := dig(t, spec, "template", "spec")
			if dig(t, pod, "restartPolicy") != "Never" {
				t.Error("restartPolicy must be Never for backoffLimitPerIndex and podFailurePolicy")
			}
			c := dig(t, pod, "containers", 0)
			var args2 []string
			for _, a := range dig(t, c, "args").([]any) {
				args2 = append(args2, a.(string))
			}
			joined := strings.Join(args2, " ")
			for _, want := range []string{"-trial-index $(TRIAL_INDEX)", "-db /runs/" + experiment + "/k8s/shards/task-$(TRIAL_INDEX).db",
				"-out /runs", "-config /etc/inceptionlab/config.yaml", "-set " + seeds4, "-no-report"} {
				if !strings.Contains(joined, want) {
					t.Errorf("container args %q lack %q", joined, want)
				}
			}
			env := dig(t, c, "env", 0)
			if dig(t, env, "name") != "TRIAL_INDEX" ||
				dig(t, env, "valueFrom", "fieldRef", "fieldPath") != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
				t.Errorf("TRIAL_INDEX does not come from the completion index: %v", env)
			}
			mounts := map[string]string{}
			for _, m := range dig(t, c, "volumeMounts").([]any) {
				mounts[dig(t, m, "name").(string)] = dig(t, m, "mountPath").(string)
			}
			volumes := map[string]any{}
			for _, v := range dig(t, pod, "volumes").([]any) {
				volumes[dig(t, v, "name").(string)] = v
			}
			if mounts["runs"] != "/runs" || mounts["config"] != "/etc/inceptionlab" {
				t.Errorf("volume mounts %v", mounts)
			}
			wantPVC := "inceptionlab-runs"
			if i := slices.Index(tc.args, "-k8s.pvc"); i >= 0 {
				wantPVC = tc.args[i+1]
			}
			if got := dig(t, volumes["runs"], "persistentVolumeClaim", "claimName"); got != wantPVC {
				t.Errorf("runs volume claims %v, want %s", got, wantPVC)
			}
			if got := dig(t, volumes["config"], "configMap", "name"); got != cm {
				t.Errorf("config volume mounts ConfigMap %v, want %v", got, cm)
			}
			if tc.memory != "" && dig(t, c, "resources", "limits", "memory") != tc.memory {
				t.Errorf("memory limit missing")
			}
			kubectlDryRun(t, path)
		})
	}
}

// kubectlDryRun validates the manifest with kubectl when it is installed and can reach an API server
// (client-side dry runs still fetch the server's schema).
func kubectlDryRun(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Log("kubectl not installed: manifest checked structurally only")
		return
	}
	out, err := exec.Command("kubectl", "apply", "--dry-run=client", "--request-timeout=5s", "-f", path).CombinedOutput()
	switch {
	case err == nil:
		if !strings.Contains(string(out), "(dry run)") {
			t.Errorf("kubectl dry run printed no dry-run result:\n%s", out)
		}
	case strings.Contains(string(out), "connect:") || strings.Contains(string(out), "connection refused") ||
		strings.Contains(string(out), "Unable to connect") || strings.Contains(string(out), "dial tcp"):
		t.Logf("kubectl dry run not possible here (no API server to fetch the schema from): structural checks only")
	default:
		t.Errorf("kubectl apply --dry-run=client rejects the manifest: %v\n%s", err, out)
	}
}
