// Package cluster hands an experiment's sweep to a cluster engine and folds the results back: Plan
// expands the sweep and lays out its folder, EmitSlurm writes an sbatch job-array script (Submit and
// Wait drive sbatch/squeue), EmitK8s writes a ConfigMap and an Indexed Job marshalled from typed
// structs, and Collect merges the per-task shard databases into the tracking store.
//
// Each array task (Slurm) or indexed pod (Kubernetes) runs `runner -trial-index I` for one trial of the
// expanded sweep and writes its own shard database (never one SQLite file shared by writers on a
// network file system). Layout under the output folder (a file system every node shares):
//
//	<out>/<experiment>/<engine>/           engine is slurm or k8s
//	    sweep.sbatch | job.yaml            the emitted script or manifest
//	    trials.tsv                         index, name and config hash of every trial, as -list-trials
//	    shards/task-<I>.db                 one SQLite database per task
//	    logs/<job>_<I>.out                 (Slurm) one log per task, appended across requeues
//	    bin/runner                         (Slurm) the runner binary the tasks execute
//	<out>/<experiment>/<trial>-<hash8>/    trial folders and checkpoints, as for a local run
//
// Option validation errors name the runner flag that sets the option (-slurm.cpus, -k8s.pvc), since
// that is how users set them.
package cluster
