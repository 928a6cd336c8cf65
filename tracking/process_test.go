package tracking

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestHelperProcess is not a test: the tests below re-execute the test
// binary with TRACKING_HELPER set to run one of these roles in a separate
// process, writing to the database named by TRACKING_DB.
//
//	writer: log TRACKING_EPOCHS epochs into a new run, then finish it.
//	looper: log epochs forever, printing "epoch N" after each commit.
//	signal: like looper inside Run.Execute, with SIGTERM/SIGINT cancelling.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv("TRACKING_HELPER")
	if role == "" {
		t.Skip("helper process only")
	}
	if err := helper(role, os.Getenv("TRACKING_DB"), os.Getenv("TRACKING_TRIAL")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

func helper(role, path, trial string) error {
	s, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	ctx := context.Background()
	r, err := s.StartRun(ctx, info("sweep", trial))
	if err != nil {
		return err
	}
	fmt.Printf("run %s\n", r.ID)
	switch role {
	case "writer":
		n, err := strconv.Atoi(os.Getenv("TRACKING_EPOCHS"))
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := r.LogEpoch(ctx, epoch(i, float64(i)/float64(n))); err != nil {
				return err
			}
		}
		return r.Finish(ctx, Finished, "")
	case "looper":
		for i := 0; ; i++ {
			if err := r.LogEpoch(ctx, epoch(i, 0.5)); err != nil {
				return err
			}
			fmt.Printf("epoch %d\n", i)
		}
	case "signal":
		ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		err := r.Execute(ctx, func(ctx context.Context) error {
			for i := 0; ; i++ {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := r.LogEpoch(ctx, epoch(i, 0.5)); err != nil {
					return err
				}
				fmt.Printf("epoch %d\n", i)
				time.Sleep(time.Millisecond)
			}
		})
		if ctx.Err() == nil {
			return fmt.Errorf("body ended without a signal: %v", err)
		}
		return nil
	}
	return fmt.Errorf("unknown helper role %q", role)
}

func helperCmd(t *testing.T, role, path, trial string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "TRACKING_HELPER="+role, "TRACKING_DB="+path, "TRACKING_TRIAL="+trial)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestConcurrentWriterProcesses(t *testing.T) {
	const writers = 4
	epochs := 200
	if testing.Short() {
		epochs = 50
	}
	path := tempDB(t)
	// Processes race to create and migrate the file too.
	var wg sync.WaitGroup
	errs := make([]error, writers)
	out := make([]strings.Builder, writers)
	for i := 0; i < writers; i++ {
		cmd := helperCmd(t, "writer", path, fmt.Sprintf("w%d", i), "TRACKING_EPOCHS="+strconv.Itoa(epochs))
		cmd.Stdout = &out[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = cmd.Run()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, Filter{Experiment: "sweep"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != writers {
		t.Fatalf("%d runs, want %d", len(runs), writers)
	}
	for _, r := range runs {
		es, err := s.Epochs(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != Finished || r.Epochs != epochs || len(es) != epochs || r.BestEpoch != epochs-1 {
			t.Errorf("run %s: status %s, %d epochs counted, %d stored, best %d; want FINISHED, %d, %d, %d",
				r.Trial, r.Status, r.Epochs, len(es), r.BestEpoch, epochs, epochs, epochs-1)
		}
		for i, e := range es {
			if e.Epoch != i {
				t.Fatalf("run %s: epoch[%d] = %d", r.Trial, i, e.Epoch)
			}
		}
	}
	var n int
	s.db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n)
	if n != len(migrations) {
		t.Fatalf("%d migration records after concurrent opens, want %d", n, len(migrations))
	}
}

// startLooper starts a helper and returns its run id and a channel of the
// epoch numbers it reports as committed.
func startLooper(t *testing.T, role, path string) (*exec.Cmd, string, <-chan int) {
	cmd := helperCmd(t, role, path, role)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper printed nothing")
	}
	id, ok := strings.CutPrefix(sc.Text(), "run ")
	if !ok {
		t.Fatalf("helper said %q", sc.Text())
	}
	committed := make(chan int, 1<<16)
	go func() {
		defer close(committed)
		for sc.Scan() {
			if n, ok := strings.CutPrefix(sc.Text(), "epoch "); ok {
				v, _ := strconv.Atoi(n)
				committed <- v
			}
		}
	}()
	return cmd, id, committed
}

func TestKill9KeepsCommittedEpochs(t *testing.T) {
	path := tempDB(t)
	cmd, id, committed := startLooper(t, "looper", path)
	last := -1
	for last < 30 {
		v, ok := <-committed
		if !ok {
			t.Fatal("helper stopped early")
		}
		last = v
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait() // reap the zombie so its pid is really gone
	for v := range committed {
		last = v
	}

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	r, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != Failed || r.Error != ReasonProcessGone {
		t.Fatalf("killed run: %s %q, want FAILED %q", r.Status, r.Error, ReasonProcessGone)
	}
	es, err := s.Epochs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Every reported epoch is present; at most one more (committed, killed
	// before printing) may be.
	if len(es) < last+1 || len(es) > last+2 || r.Epochs != len(es) {
		t.Fatalf("%d epochs stored (counter %d), child reported 0..%d committed", len(es), r.Epochs, last)
	}
	for i, e := range es {
		if e.Epoch != i {
			t.Fatalf("epoch[%d] = %d", i, e.Epoch)
		}
	}
}

func TestSignalMarksRunKilled(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			path := tempDB(t)
			cmd, id, committed := startLooper(t, "signal", path)
			for v := range committed {
				if v >= 3 {
					break
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			go func() {
				for range committed {
				}
			}()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("helper exit: %v", err)
			}
			s, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			r, err := s.Run(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := sig.String() + " signal received"; r.Status != Killed || r.Error != want || r.End.IsZero() {
				t.Fatalf("run after %v: %s %q, want KILLED %q", sig, r.Status, r.Error, want)
			}
		})
	}
}
