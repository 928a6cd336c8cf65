package cluster

import (
	"errors"
	"flag"
	"fmt"
)

// Job is what the runner's cluster flags ask for: emit a script or manifest for Emit (and, for Slurm,
// Submit it and Wait for it), or Collect the shards of an emitted sweep.
type Job struct {
	Emit, Collect string // engine names as given ("" = not asked)
	Submit, Wait  bool
	Slurm         SlurmOptions
	K8s           K8sOptions
}

// RegisterFlags binds the job to -emit, -collect, -submit, -wait and the -slurm.* and -k8s.* flags, with
// their defaults.
func (j *Job) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&j.Emit, "emit", "", "write a cluster job for the sweep instead of training: `engine` slurm (sbatch array script) or k8s (Indexed Job)")
	fs.BoolVar(&j.Submit, "submit", false, "with -emit slurm: submit the script with sbatch")
	fs.BoolVar(&j.Wait, "wait", false, "with -submit: wait for the array to finish, then merge the shards into -db and write the report")
	fs.StringVar(&j.Collect, "collect", "", "merge the shard databases of an emitted `engine` (slurm or k8s) into -db and write the report")
	s := &j.Slurm
	*s = DefaultSlurmOptions()
	fs.StringVar(&s.Partition, "slurm.partition", s.Partition, "Slurm `partition` (default: the cluster's default partition)")
	fs.StringVar(&s.Time, "slurm.time", s.Time, "time limit per task, `HH:MM:SS` or D-HH:MM:SS (default: the partition's limit)")
	fs.StringVar(&s.Mem, "slurm.mem", s.Mem, "memory per task, `size` such as 4G (default: the cluster's default)")
	fs.IntVar(&s.CPUs, "slurm.cpus", s.CPUs, "CPUs per task, also the runner's -threads (0 = train.threads from the config, else 1)")
	fs.IntVar(&s.MaxParallel, "slurm.max-parallel", s.MaxParallel, "at most `K` tasks of the array at once (0 = no limit)")
	fs.IntVar(&s.SignalSecs, "slurm.signal-secs", s.SignalSecs, "`seconds` before the time limit at which a task stops after its last complete epoch and requeues itself")
	fs.Func("slurm.opt", "extra sbatch `option` for the script, e.g. --account=proj or --qos=long (repeatable)", func(v string) error {
		s.Opts = append(s.Opts, v)
		return nil
	})
	fs.StringVar(&s.Bin, "slurm.bin", s.Bin, "runner `binary` the tasks run, on a path every node sees (default: a copy of this executable in OUT/EXPERIMENT/slurm/bin/runner)")
	k := &j.K8s
	*k = DefaultK8sOptions()
	fs.StringVar(&k.Image, "k8s.image", k.Image, "container `image` holding the runner binary")
	fs.StringVar(&k.PVC, "k8s.pvc", k.PVC, "PersistentVolumeClaim `name` mounted at /runs for trial folders and shard databases (ReadWriteMany when pods span nodes)")
	fs.StringVar(&k.Namespace, "k8s.namespace", k.Namespace, "`namespace` of the Job and ConfigMap (default: kubectl's current one)")
	fs.StringVar(&k.Bin, "k8s.bin", k.Bin, "the runner `command` inside the image")
	fs.IntVar(&k.CPUs, "k8s.cpus", k.CPUs, "CPUs requested per pod, also the runner's -threads (0 = train.threads from the config, else 1)")
	fs.StringVar(&k.Memory, "k8s.memory", k.Memory, "memory requested and limited per pod, `size` such as 4Gi (default: none)")
	fs.IntVar(&k.Parallelism, "k8s.parallelism", k.Parallelism, "at most `K` pods at once (0 = all trials at once)")
	fs.IntVar(&k.Retries, "k8s.retries", k.Retries, "retries per trial index (backoffLimitPerIndex); a retried pod resumes from its checkpoint")
	fs.IntVar(&k.GraceSecs, "k8s.grace-secs", k.GraceSecs, "`seconds` a pod gets after SIGTERM to stop after its last complete epoch")
}

// Active reports whether the job asks for anything (else the runner trains locally).
func (j *Job) Active() bool { return j.Emit != "" || j.Collect != "" }

// Engine is the engine asked for (valid after Validate).
func (j *Job) Engine() Engine { return Engine(j.Emit + j.Collect) }

// Validate checks the engine names, the flags against each other and the chosen engine's options.
func (j *Job) Validate() error {
	for _, e := range []struct{ flag, v string }{{"-emit", j.Emit}, {"-collect", j.Collect}} {
		if e.v != "" {
			if _, err := ParseEngine(e.flag, e.v); err != nil {
				return err
			}
		}
	}
	switch {
	case j.Emit != "" && j.Collect != "":
		return errors.New("-emit and -collect are exclusive: emit (and -submit -wait) first, or collect an emitted sweep")
	case j.Submit && j.Emit != string(Slurm):
		return errors.New("-submit needs -emit slurm (apply a k8s manifest with kubectl apply -f)")
	case j.Wait && !j.Submit:
		return errors.New("-wait needs -submit (to wait for a job submitted earlier, use -collect slurm once it ended)")
	case j.Emit == string(Slurm):
		return j.Slurm.Validate()
	case j.Emit == string(K8s):
		return j.K8s.Validate()
	}
	return nil
}

// ParseEngine returns the engine named s, or an error listing the valid ones (flag names what set it).
func ParseEngine(flag, s string) (Engine, error) {
	for _, e := range Engines {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("%s %q: unknown engine; valid: %s, %s", flag, s, Slurm, K8s)
}
