package main

// A real single-node Slurm cluster on loopback for the cluster tests: munged with a fresh key, slurmctld
// and slurmd in the foreground as children of the test, every file (config, state, spool, logs, munge
// socket) in a temporary folder. Needs the Debian packages slurm-wlm and munge and root (slurmd runs jobs
// as their submitting user); without them the tests skip and say why.

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runnerEnv makes this test binary act as the runner command: the Slurm tests let -emit slurm copy the
// running executable (the default) into the sweep's bin folder, so the array tasks run the test binary,
// which sees this variable (sbatch passes the environment on) and runs main instead of the tests.
const runnerEnv = "INCEPTIONLAB_TEST_AS_RUNNER"

func TestMain(m *testing.M) {
	if os.Getenv(runnerEnv) == "1" {
		main()
	}
	os.Exit(m.Run())
}

type slurmCluster struct {
	t     *testing.T
	dir   string
	conf  string
	procs []*exec.Cmd
}

// startSlurm starts munged, slurmctld and slurmd and waits until the node is idle. It sets SLURM_CONF
// for the test (so the test cannot run in parallel with others) and stops the daemons in t.Cleanup.
func startSlurm(t *testing.T) *slurmCluster {
	t.Helper()
	var missing []string
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) > 0 {
		t.Skipf("Slurm test skipped: %s not found (install the Debian packages: apt-get install slurm-wlm munge)", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		t.Skip("Slurm test skipped: slurmd must run as root to start jobs (CI runs as root)")
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ = strings.Cut(host, ".")
	// A short folder: the munge socket path must fit a Unix socket address (108 bytes).
	dir, err := os.MkdirTemp("", "slurm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &slurmCluster{t: t, dir: dir, conf: filepath.Join(dir, "slurm.conf")}
	for _, d := range []string{"munge", "state", "spool", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 1024)
	rand.Read(key)
	if err := os.WriteFile(filepath.Join(dir, "munge", "munge.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "munge", "socket")
	ctldPort, slurmdPort := freePort(t), freePort(t)
	conf := fmt.Sprintf(`ClusterName=inceptionlab-test
SlurmctldHost=%[2]s(127.0.0.1)
SlurmctldPort=%[3]d
SlurmdPort=%[4]d
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=%[5]s
SlurmUser=root
SlurmdUser=root
StateSaveLocation=%[1]s/state
SlurmdSpoolDir=%[1]s/spool
SlurmctldPidFile=%[1]s/slurmctld.pid
SlurmdPidFile=%[1]s/slurmd.pid
SlurmctldLogFile=%[1]s/log/slurmctld.log
SlurmdLogFile=%[1]s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerParameters=sched_interval=1
JobRequeue=1
ReturnToService=2
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=30
NodeName=%[2]s NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, dir, host, ctldPort, slurmdPort, socket)
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_CONF", c.conf)
	t.Cleanup(c.stop)

	c.start("munged", "-F", "-f", "--socket="+socket, "--key-file="+filepath.Join(dir, "munge", "munge.key"),
		"--pid-file="+filepath.Join(dir, "munge", "pid"), "--seed-file="+filepath.Join(dir, "munge", "seed"),
		"--log-file="+filepath.Join(dir, "log", "munged.log"))
	if !c.until(10*time.Second, func() bool { _, err := os.Stat(socket); return err == nil }) {
		t.Skipf("Slurm test skipped: munged did not create its socket within 10 s\n%s", c.logs())
	}
	c.start("slurmctld", "-D", "-f", c.conf)
	c.start("slurmd", "-D", "-f", c.conf, "-N", host)
	idle := c.until(60*time.Second, func() bool {
		out, err := exec.Command("sinfo", "-h", "-o", "%T").Output()
		return err == nil && strings.TrimSpace(string(out)) == "idle"
	})
	if !idle {
		t.Skipf("Slurm test skipped: the node did not become idle within 60 s\n%s", c.logs())
	}
	return c
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs a daemon in the foreground, its output in log/<name>.out.
func (c *slurmCluster) start(name string, args ...string) {
	c.t.Helper()
	out, err := os.Create(filepath.Join(c.dir, "log", name+".out"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		c.t.Skipf("Slurm test skipped: starting %s: %v\n%s", name, err, c.logs())
	}
	c.procs = append(c.procs, cmd)
}

// stop cancels what is left in the queue, then stops the daemons it started (newest first): SIGTERM,
// and SIGKILL for any still running after 10 s.
func (c *slurmCluster) stop() {
	if len(c.procs) > 1 {
		exec.Command("scancel", "--partition=debug").Run()
		c.until(15*time.Second, func() bool {
			out, err := exec.Command("squeue", "-h").Output()
			return err != nil || strings.TrimSpace(string(out)) == ""
		})
	}
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
	if c.t.Failed() {
		c.t.Logf("Slurm daemon logs:\n%s", c.logs())
	}
}

// until polls cond every 100 ms until it holds or the timeout passes.
func (c *slurmCluster) until(timeout time.Duration, cond func() bool) bool {
	for end := time.Now().Add(timeout); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// logs returns the tail of every daemon log, for skip and failure messages.
func (c *slurmCluster) logs() string {
	var b bytes.Buffer
	files, _ := filepath.Glob(filepath.Join(c.dir, "log", "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 3000 {
			data = data[len(data)-3000:]
		}
		fmt.Fprintf(&b, "== %s\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// slurm runs a Slurm client command and returns its trimmed output, failing the test on error.
func (c *slurmCluster) slurm(name string, args ...string) string {
	c.t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// query runs a Slurm client command and returns its trimmed output ("" on error: the caller polls).
func (c *slurmCluster) query(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return strings.TrimSpace(string(out))
}
