package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"inceptionlab/reports"
	"inceptionlab/tracking"
)

// fixture writes a database with one finished run of experiment "exp".
func fixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "runs.db")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st, err := tracking.Open(path, tracking.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	r, err := st.StartRun(ctx, tracking.RunInfo{Experiment: "exp", Trial: "<b>t1</b>", ConfigHash: "h",
		Params: map[string]string{"model.inception.reduce": "true", "derived.params": "1000"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if err := r.LogEpoch(ctx, tracking.Epoch{Epoch: i, TrainLoss: 2 / float64(i), ValLoss: 2.1 / float64(i),
			TrainTop1: 0.3 * float64(i), ValTop1: 0.25 * float64(i), Seconds: 10}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Finish(ctx, tracking.Finished, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunWritesReport(t *testing.T) {
	db := fixture(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r", "report.html")
	charts := filepath.Join(dir, "charts")
	code, stdout, stderr := runCmd("-db", db, "-experiment", "exp", "-html", out, "-charts", charts,
		"-config", "configs/exp.yaml")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if stdout != "report: wrote "+out+"\n" {
		t.Errorf("stdout = %q", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for _, s := range []string{"Experiment exp", "configs/exp.yaml", "&lt;b&gt;t1&lt;/b&gt;", "Report Go",
		"Study not available"} {
		if !strings.Contains(html, s) {
			t.Errorf("report lacks %q", s)
		}
	}
	if _, err := os.Stat(filepath.Join(charts, "curve_loss.svg")); err != nil {
		t.Errorf("chart file: %v", err)
	}
}

func TestRunDefaultOut(t *testing.T) {
	db := fixture(t)
	t.Chdir(t.TempDir())
	if code, _, stderr := runCmd("-db", db, "-experiment", "exp"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join("runs", "exp", "report.html")); err != nil {
		t.Fatal(err)
	}
}

func TestRunStudyHook(t *testing.T) {
	db := fixture(t)
	t.Cleanup(func() { newStudy = nil })
	newStudy = func(ctx context.Context, st *tracking.Store, experiment, configFile string) (*reports.Study, error) {
		return &reports.Study{Example: reports.StudyExample{In: 512, Reduce: 24, Out: 64, K: 5, Naive: 819200,
			Reduced: 50688}, ImageSize: 32}, nil
	}
	out := filepath.Join(t.TempDir(), "report.html")
	if code, _, stderr := runCmd("-db", db, "-experiment", "exp", "-html", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "819,200 weights") {
		t.Error("the study from the hook is not in the report")
	}
}

func TestRunErrors(t *testing.T) {
	db := fixture(t)
	missing := filepath.Join(t.TempDir(), "nope.db")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no experiment", []string{"-db", db}, 1, "report: -experiment is required; " + db + " has: exp"},
		{"unknown experiment", []string{"-db", db, "-experiment", "x", "-html", filepath.Join(t.TempDir(), "r.html")},
			1, `reports: experiment "x" has no runs in ` + db + ` (experiments: exp)`},
		{"missing db", []string{"-db", missing, "-experiment", "exp"}, 1, "report: -db " + missing + ": no such file"},
		{"not a database", []string{"-db", writeFile(t, "junk"), "-experiment", "exp"}, 1, "report: -db "},
		{"unsafe default out", []string{"-db", db, "-experiment", "../exp"}, 1, "pass -html FILE.html"},
		{"bad flag", []string{"-bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"-db", db, "exp"}, 2, `report: unexpected argument "exp"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCmd(tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing on failure", stdout)
			}
			if tt.code == 1 && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("error is not one line: %q", stderr)
			}
		})
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a missing -db was created")
	}
}

func TestRunHelp(t *testing.T) {
	code, stdout, stderr := runCmd("-h")
	if code != 0 || !strings.Contains(stdout, "usage: report") || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(p, []byte(content+strings.Repeat(" ", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunOutIsAFolder: -out means what it means for the runner, the output root; the report goes to
// OUT/EXPERIMENT/report.html.
func TestRunOutIsAFolder(t *testing.T) {
	db := fixture(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd("-db", db, "-experiment", "exp", "-out", out)
	want := filepath.Join(out, "exp", "report.html")
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the report at %s", code, stdout, stderr, want)
	}
	if _, err := os.Stat(want); err != nil {
		t.Error(err)
	}
}
