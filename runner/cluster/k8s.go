package cluster

// Kubernetes: a ConfigMap holding the config file and an Indexed Job running one trial per completion
// index, marshalled from the typed structs below with yaml.v3 (which quotes every value as YAML needs, so
// no value can change the document's structure).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// K8sOptions are the settings of an emitted Kubernetes Job (the runner's -k8s.* flags).
type K8sOptions struct {
	Image       string // container image holding the runner binary
	PVC         string // PersistentVolumeClaim mounted at /runs (ReadWriteMany when pods span nodes)
	Namespace   string // "" = kubectl's current namespace
	Bin         string // the runner command inside the image
	CPUs        int    // CPUs requested per pod, also the runner's -threads (0 = train.threads, else 1)
	Memory      string // memory requested and limited per pod, such as 4Gi ("" = none)
	Parallelism int    // at most this many pods at once (0 = all trials at once)
	Retries     int    // retries per trial index (backoffLimitPerIndex)
	GraceSecs   int    // seconds a pod gets after SIGTERM to stop after its last complete epoch
}

// DefaultK8sOptions are the defaults of the runner's -k8s.* flags.
func DefaultK8sOptions() K8sOptions {
	return K8sOptions{Image: "inceptionlab:latest", PVC: "inceptionlab-runs", Bin: "runner", Retries: 3, GraceSecs: 120}
}

var (
	k8sNameRe     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	k8sQuantityRe = regexp.MustCompile(`^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$`)
)

// Validate checks the options; errors name the runner flag.
func (k K8sOptions) Validate() error {
	switch {
	case k.Image == "" || strings.ContainsAny(k.Image, " \t\n"):
		return fmt.Errorf("-k8s.image %q: want an image reference such as registry.example/inceptionlab:v1", k.Image)
	case !k8sNameRe.MatchString(k.PVC) || len(k.PVC) > 253:
		return fmt.Errorf("-k8s.pvc %q: want a Kubernetes name (lower-case letters, digits and -)", k.PVC)
	case k.Namespace != "" && (!k8sNameRe.MatchString(k.Namespace) || len(k.Namespace) > 63):
		return fmt.Errorf("-k8s.namespace %q: want a Kubernetes name (lower-case letters, digits and -, at most 63)", k.Namespace)
	case k.Bin == "":
		return fmt.Errorf("-k8s.bin must not be empty")
	case k.CPUs < 0:
		return fmt.Errorf("-k8s.cpus must be >= 0, got %d", k.CPUs)
	case k.Memory != "" && !k8sQuantityRe.MatchString(k.Memory):
		return fmt.Errorf("-k8s.memory %q: want a quantity such as 4Gi or 512Mi", k.Memory)
	case k.Parallelism < 0:
		return fmt.Errorf("-k8s.parallelism must be >= 0, got %d", k.Parallelism)
	case k.Retries < 0:
		return fmt.Errorf("-k8s.retries must be >= 0, got %d", k.Retries)
	case k.GraceSecs < 1:
		return fmt.Errorf("-k8s.grace-secs must be >= 1, got %d", k.GraceSecs)
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

// The manifest's objects: only the fields the emitted Job uses, with Kubernetes' field names.
type (
	k8sMeta struct {
		Name      string            `yaml:"name,omitempty"`
		Namespace string            `yaml:"namespace,omitempty"`
		Labels    map[string]string `yaml:"labels,omitempty"`
	}
	k8sConfigMap struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   k8sMeta           `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
	}
	k8sJob struct {
		APIVersion string     `yaml:"apiVersion"`
		Kind       string     `yaml:"kind"`
		Metadata   k8sMeta    `yaml:"metadata"`
		Spec       k8sJobSpec `yaml:"spec"`
	}
	k8sJobSpec struct {
		CompletionMode       string              `yaml:"completionMode"`
		Completions          int                 `yaml:"completions"`
		Parallelism          int                 `yaml:"parallelism"`
		BackoffLimitPerIndex int                 `yaml:"backoffLimitPerIndex"`
		PodFailurePolicy     k8sPodFailurePolicy `yaml:"podFailurePolicy"`
		Template             k8sPodTemplate      `yaml:"template"`
	}
	k8sPodFailurePolicy struct {
		Rules []k8sPodFailureRule `yaml:"rules"`
	}
	k8sPodFailureRule struct {
		Action          string            `yaml:"action"`
		OnExitCodes     *k8sOnExitCodes   `yaml:"onExitCodes,omitempty"`
		OnPodConditions []k8sPodCondition `yaml:"onPodConditions,omitempty"`
	}
	k8sOnExitCodes struct {
		ContainerName string `yaml:"containerName"`
		Operator      string `yaml:"operator"`
		Values        []int  `yaml:"values,flow"`
	}
	k8sPodCondition struct {
		Type string `yaml:"type"`
	}
	k8sPodTemplate struct {
		Metadata k8sMeta    `yaml:"metadata"`
		Spec     k8sPodSpec `yaml:"spec"`
	}
	k8sPodSpec struct {
		RestartPolicy                 string         `yaml:"restartPolicy"`
		TerminationGracePeriodSeconds int            `yaml:"terminationGracePeriodSeconds"`
		Containers                    []k8sContainer `yaml:"containers"`
		Volumes                       []k8sVolume    `yaml:"volumes"`
	}
	k8sContainer struct {
		Name         string           `yaml:"name"`
		Image        string           `yaml:"image"`
		Command      []string         `yaml:"command"`
		Args         []string         `yaml:"args"`
		Env          []k8sEnv         `yaml:"env"`
		Resources    k8sResources     `yaml:"resources"`
		VolumeMounts []k8sVolumeMount `yaml:"volumeMounts"`
	}
	k8sEnv struct {
		Name      string       `yaml:"name"`
		ValueFrom k8sEnvSource `yaml:"valueFrom"`
	}
	k8sEnvSource struct {
		FieldRef struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
	}
	k8sResources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits,omitempty"`
	}
	k8sVolumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly,omitempty"`
	}
	k8sVolume struct {
		Name                  string        `yaml:"name"`
		PersistentVolumeClaim *k8sClaimRef  `yaml:"persistentVolumeClaim,omitempty"`
		ConfigMap             *k8sConfigRef `yaml:"configMap,omitempty"`
	}
	k8sClaimRef struct {
		ClaimName string `yaml:"claimName"`
	}
	k8sConfigRef struct {
		Name string `yaml:"name"`
	}
)

// EmitK8s writes the manifest (a ConfigMap with the config file and the Indexed Job) into p.Dir and
// returns its path.
func EmitK8s(p *Plan, k K8sOptions) (string, error) {
	if len(p.Trials) == 0 {
		return "", errors.New("the sweep has no trials")
	}
	text, err := os.ReadFile(p.Config)
	if err != nil {
		return "", err
	}
	cpus := k.CPUs
	if cpus == 0 {
		cpus = max(p.Exp.Train.Threads, 1)
	}
	parallelism := k.Parallelism
	if parallelism == 0 || parallelism > len(p.Trials) {
		parallelism = len(p.Trials)
	}
	index := "$(" + k8sIndexEnv + ")" // expanded by the kubelet from the env entry; no shell needed
	args := []string{"-config", path.Join(k8sMountConfig, "config.yaml")}
	for _, s := range p.Sets {
		args = append(args, "-set", strings.ReplaceAll(s, "$", "$$")) // $$ is a literal $ in args
	}
	args = append(args, "-out", k8sMountRuns,
		"-db", path.Join(k8sMountRuns, p.Exp.Name, string(K8s), "shards", "task-"+index+".db"),
		"-trial-index", index, "-threads", strconv.Itoa(cpus), "-no-report")
	name := k8sName(p.Exp.Name)
	labels := map[string]string{"app.kubernetes.io/name": "inceptionlab", "inceptionlab/job": name}
	meta := func(n string) k8sMeta { return k8sMeta{Name: n, Namespace: k.Namespace, Labels: labels} }
	cm := k8sConfigMap{APIVersion: "v1", Kind: "ConfigMap", Metadata: meta(name + "-config"),
		Data: map[string]string{"config.yaml": string(text)}}
	container := k8sContainer{Name: "runner", Image: k.Image, Command: []string{k.Bin}, Args: args,
		Env:       []k8sEnv{{Name: k8sIndexEnv}},
		Resources: k8sResources{Requests: map[string]string{"cpu": strconv.Itoa(cpus)}},
		VolumeMounts: []k8sVolumeMount{{Name: "runs", MountPath: k8sMountRuns},
			{Name: "config", MountPath: k8sMountConfig, ReadOnly: true}}}
	container.Env[0].ValueFrom.FieldRef.FieldPath = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
	if k.Memory != "" {
		container.Resources.Requests["memory"] = k.Memory
		container.Resources.Limits = map[string]string{"memory": k.Memory}
	}
	job := k8sJob{APIVersion: "batch/v1", Kind: "Job", Metadata: meta(name), Spec: k8sJobSpec{
		CompletionMode: "Indexed", Completions: len(p.Trials), Parallelism: parallelism,
		BackoffLimitPerIndex: k.Retries,
		PodFailurePolicy: k8sPodFailurePolicy{Rules: []k8sPodFailureRule{
			{Action: "FailIndex", OnExitCodes: &k8sOnExitCodes{ContainerName: "runner", Operator: "In", Values: []int{2}}},
			{Action: "Ignore", OnPodConditions: []k8sPodCondition{{Type: "DisruptionTarget"}}},
		}},
		Template: k8sPodTemplate{Metadata: k8sMeta{Labels: labels}, Spec: k8sPodSpec{
			RestartPolicy: "Never", TerminationGracePeriodSeconds: k.GraceSecs,
			Containers: []k8sContainer{container},
			Volumes: []k8sVolume{{Name: "runs", PersistentVolumeClaim: &k8sClaimRef{ClaimName: k.PVC}},
				{Name: "config", ConfigMap: &k8sConfigRef{Name: cm.Metadata.Name}}},
		}},
	}}
	var b bytes.Buffer
	fmt.Fprintf(&b, `# inceptionlab sweep %s: %d trials as a Kubernetes Indexed Job, one pod per trial
# index. Written by runner -emit k8s; trial index, name and config hash: %s
# Each pod trains trial $JOB_COMPLETION_INDEX into its own SQLite shard on the volume; a retried or evicted
# pod resumes from the trial's checkpoint. Needs Kubernetes >= 1.29 (backoffLimitPerIndex).
# podFailurePolicy: exit code 2 (the config or the command line is wrong) fails the index without retries;
# an evicted or preempted pod (DisruptionTarget) is retried without counting against backoffLimitPerIndex.
`, p.Exp.Name, len(p.Trials), p.TrialsFile())
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	for _, doc := range []any{cm, job} {
		if err := enc.Encode(doc); err != nil {
			return "", fmt.Errorf("k8s manifest: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("k8s manifest: %w", err)
	}
	out := filepath.Join(p.Dir, "job.yaml")
	return out, writeFileAtomic(out, b.Bytes(), 0o644)
}
