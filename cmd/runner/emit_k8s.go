package main

// -emit k8s: a ConfigMap holding the config file and an Indexed Job running one trial per completion
// index, written as YAML with every string value JSON-quoted (JSON strings are YAML strings), so no
// value can change the document's structure.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/template"
)

// k8sFlags are the -k8s.* flags.
type k8sFlags struct {
	image       string
	pvc         string
	namespace   string
	bin         string
	cpus        int
	memory      string
	parallelism int
	retries     int
	grace       int
}

func (k *k8sFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.image, "k8s.image", "inceptionlab:latest", "container `image` holding the runner binary")
	fs.StringVar(&k.pvc, "k8s.pvc", "inceptionlab-runs", "PersistentVolumeClaim `name` mounted at /runs for trial folders and shard databases (ReadWriteMany when pods span nodes)")
	fs.StringVar(&k.namespace, "k8s.namespace", "", "`namespace` of the Job and ConfigMap (default: kubectl's current one)")
	fs.StringVar(&k.bin, "k8s.bin", "runner", "the runner `command` inside the image")
	fs.IntVar(&k.cpus, "k8s.cpus", 0, "CPUs requested per pod, also the runner's -threads (0 = train.threads from the config, else 1)")
	fs.StringVar(&k.memory, "k8s.memory", "", "memory requested and limited per pod, `size` such as 4Gi (default: none)")
	fs.IntVar(&k.parallelism, "k8s.parallelism", 0, "at most `K` pods at once (0 = all trials at once)")
	fs.IntVar(&k.retries, "k8s.retries", 3, "retries per trial index (backoffLimitPerIndex); a retried pod resumes from its checkpoint")
	fs.IntVar(&k.grace, "k8s.grace-secs", 120, "`seconds` a pod gets after SIGTERM to stop after its last complete epoch")
}

var (
	k8sNameRe     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	k8sQuantityRe = regexp.MustCompile(`^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$`)
)

func (k *k8sFlags) validate() error {
	switch {
	case k.image == "" || strings.ContainsAny(k.image, " \t\n"):
		return fmt.Errorf("-k8s.image %q: want an image reference such as registry.example/inceptionlab:v1", k.image)
	case !k8sNameRe.MatchString(k.pvc) || len(k.pvc) > 253:
		return fmt.Errorf("-k8s.pvc %q: want a Kubernetes name (lower-case letters, digits and -)", k.pvc)
	case k.namespace != "" && (!k8sNameRe.MatchString(k.namespace) || len(k.namespace) > 63):
		return fmt.Errorf("-k8s.namespace %q: want a Kubernetes name (lower-case letters, digits and -, at most 63)", k.namespace)
	case k.bin == "":
		return fmt.Errorf("-k8s.bin must not be empty")
	case k.cpus < 0:
		return fmt.Errorf("-k8s.cpus must be >= 0, got %d", k.cpus)
	case k.memory != "" && !k8sQuantityRe.MatchString(k.memory):
		return fmt.Errorf("-k8s.memory %q: want a quantity such as 4Gi or 512Mi", k.memory)
	case k.parallelism < 0:
		return fmt.Errorf("-k8s.parallelism must be >= 0, got %d", k.parallelism)
	case k.retries < 0:
		return fmt.Errorf("-k8s.retries must be >= 0, got %d", k.retries)
	case k.grace < 1:
		return fmt.Errorf("-k8s.grace-secs must be >= 1, got %d", k.grace)
	}
	return nil
}

// k8sMountRuns and k8sMountConfig are where the pod sees the volume and the config.
const (
	k8sMountRuns   = "/runs"
	k8sMountConfig = "/etc/inceptionlab"
	k8sIndexEnv    = "TRIAL_INDEX"
)

// k8sName turns an experiment name into a Kubernetes object name ("inceptionlab-<name>", lower case,
// other characters as '-', at most 52 characters so that pod names derived from it stay valid).
func k8sName(experiment string) string {
	var b strings.Builder
	b.WriteString("inceptionlab-")
	for _, r := range strings.ToLower(experiment) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) > 52 {
		s = s[:52]
	}
	return strings.TrimRight(s, "-")
}

// k8sManifest holds what the manifest template needs.
type k8sManifest struct {
	Experiment, Name, Namespace, ConfigName string
	ConfigText                              string
	ConfigLiteral                           bool // ConfigText can be a YAML literal block
	Completions, Parallelism, Retries       int
	Grace, CPUs                             int
	Memory, Image, PVC                      string
	Command, Args                           []string
	IndexEnv, MountRuns, MountConfig        string
	Trials                                  string
}

var k8sTemplate = template.Must(template.New("k8s").Funcs(template.FuncMap{"q": jsonQuote, "indent": indent}).Parse(
	`# inceptionlab sweep {{.Experiment}}: {{.Completions}} trials as a Kubernetes Indexed Job, one pod per trial
# index. Written by runner -emit k8s; trial index, name and config hash: {{.Trials}}
# Each pod trains trial $JOB_COMPLETION_INDEX into its own SQLite shard on the volume; a retried or evicted
# pod resumes from the trial's checkpoint. Needs Kubernetes >= 1.29 (backoffLimitPerIndex).
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{q .ConfigName}}
{{- if .Namespace}}
  namespace: {{q .Namespace}}{{end}}
  labels:
    app.kubernetes.io/name: inceptionlab
    inceptionlab/job: {{q .Name}}
data:
{{- if .ConfigLiteral}}
  config.yaml: |2
{{indent .ConfigText "    "}}
{{- else}}
  config.yaml: {{q .ConfigText}}
{{- end}}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{q .Name}}
{{- if .Namespace}}
  namespace: {{q .Namespace}}{{end}}
  labels:
    app.kubernetes.io/name: inceptionlab
    inceptionlab/job: {{q .Name}}
spec:
  completionMode: Indexed
  completions: {{.Completions}}
  parallelism: {{.Parallelism}}
  backoffLimitPerIndex: {{.Retries}}
  podFailurePolicy:
    rules:
      # Exit code 2: the config or the command line is wrong; retrying cannot help.
      - action: FailIndex
        onExitCodes:
          containerName: runner
          operator: In
          values: [2]
      # Evicted or preempted: retry without counting it against backoffLimitPerIndex.
      - action: Ignore
        onPodConditions:
          - type: DisruptionTarget
  template:
    metadata:
      labels:
        app.kubernetes.io/name: inceptionlab
        inceptionlab/job: {{q .Name}}
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: {{.Grace}}
      containers:
        - name: runner
          image: {{q .Image}}
          command:
{{- range .Command}}
            - {{q .}}{{end}}
          args:
{{- range .Args}}
            - {{q .}}{{end}}
          env:
            - name: {{q .IndexEnv}}
              valueFrom:
                fieldRef:
                  fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']"
          resources:
            requests:
              cpu: {{q (print .CPUs)}}
{{- if .Memory}}
              memory: {{q .Memory}}
            limits:
              memory: {{q .Memory}}{{end}}
          volumeMounts:
            - name: runs
              mountPath: {{q .MountRuns}}
            - name: config
              mountPath: {{q .MountConfig}}
              readOnly: true
      volumes:
        - name: runs
          persistentVolumeClaim:
            claimName: {{q .PVC}}
        - name: config
          configMap:
            name: {{q .ConfigName}}
`))

// emitK8s writes the manifest and returns its path.
func emitK8s(plan *sweepPlan, k *k8sFlags) (string, error) {
	if len(plan.trials) == 0 {
		return "", fmt.Errorf("the sweep has no trials")
	}
	text, err := os.ReadFile(plan.config)
	if err != nil {
		return "", err
	}
	cpus := k.cpus
	if cpus == 0 {
		cpus = max(plan.exp.Train.Threads, 1)
	}
	parallelism := k.parallelism
	if parallelism == 0 || parallelism > len(plan.trials) {
		parallelism = len(plan.trials)
	}
	index := "$(" + k8sIndexEnv + ")" // expanded by the kubelet from the env entry; no shell needed
	args := []string{"-config", path.Join(k8sMountConfig, "config.yaml")}
	for _, s := range plan.sets {
		args = append(args, "-set", strings.ReplaceAll(s, "$", "$$")) // $$ is a literal $ in args
	}
	args = append(args, "-out", k8sMountRuns,
		"-db", path.Join(k8sMountRuns, plan.exp.Name, engineK8s, "shards", "task-"+index+".db"),
		"-trial-index", index, "-threads", strconv.Itoa(cpus), "-no-report")
	name := k8sName(plan.exp.Name)
	data := k8sManifest{
		Experiment: plan.exp.Name, Name: name, Namespace: k.namespace, ConfigName: name + "-config",
		ConfigText: string(text), ConfigLiteral: literalSafe(string(text)),
		Completions: len(plan.trials), Parallelism: parallelism, Retries: k.retries, Grace: k.grace,
		CPUs: cpus, Memory: k.memory, Image: k.image, PVC: k.pvc,
		Command: []string{k.bin}, Args: args,
		IndexEnv: k8sIndexEnv, MountRuns: k8sMountRuns, MountConfig: k8sMountConfig, Trials: plan.trialsFile(),
	}
	var b bytes.Buffer
	if err := k8sTemplate.Execute(&b, data); err != nil {
		return "", fmt.Errorf("k8s manifest: %w", err)
	}
	out := filepath.Join(plan.dir, "job.yaml")
	return out, writeFileAtomic(out, b.Bytes(), 0o644)
}

// jsonQuote returns s as a JSON string, which YAML reads as the same string.
func jsonQuote(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// literalSafe reports whether s can be written as a YAML literal block with an explicit indentation
// indicator: printable text with Unix line ends and no trailing spaces on a line (which editors and
// YAML tools would silently drop), ending in one newline.
func literalSafe(s string) bool {
	if !strings.HasSuffix(s, "\n") || strings.HasSuffix(s, "\n\n") {
		return false
	}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			return false
		}
		for _, r := range line {
			if r < 0x20 && r != '\t' || r == 0x7f || r == '\ufeff' {
				return false
			}
		}
	}
	return true
}

// indent prefixes every non-empty line of s (without its final newline) with prefix.
func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
