package reports

import (
	"bytes"
	"context"
	"flag"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The browser test opens a report in headless Chromium. It is also the
// documented way to screenshot a real report for the README:
//
//	go test ./reports -run TestBrowser -html runs/ablation_1x1/report.html -screenshot docs/report.png
//
// Without -html it renders the fixture report. Method: two Chromium runs on
// the file: URL, both with networking features disabled and a throwaway
// profile. The first uses --dump-dom, which prints the DOM after the page's
// scripts ran (the sort script sets body data-ready="1" as its last
// statement) and --enable-logging=stderr --v=0, which logs every console
// message (console.error, uncaught exceptions, failed resource loads) as a
// line containing ":CONSOLE"; the test requires the marker, the inline
// charts and no console line. The second takes a 1280x2000 screenshot and
// checks it is a PNG of that size. A self-check first feeds a page that
// throws, to prove the console detector sees errors.
var (
	screenshotOut = flag.String("screenshot", "", "TestBrowser: save the screenshot of the report to this PNG file")
	browserHTML   = flag.String("html", "", "TestBrowser: open this report file instead of the fixture report")
)

// chromium finds a Chromium binary, or returns "".
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// consoleLine matches Chromium's log line for a console message.
var consoleLine = regexp.MustCompile(`:CONSOLE[:(]`)

// runChromium runs headless Chromium on page with extra flags and returns
// stdout and stderr.
func runChromium(t *testing.T, bin, page string, extra ...string) (string, string) {
	t.Helper()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--user-data-dir=" + t.TempDir()}
	args = append(args, extra...)
	args = append(args, "file://"+filepath.ToSlash(abs))
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", bin, err, tail(stderr.String(), 2000))
	}
	return stdout.String(), stderr.String()
}

func consoleMessages(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if consoleLine.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// withSortProbe copies a report and appends a script that clicks the
// "Best val top-1" header twice and the "Test top-1" header once, recording
// the resulting row orders (three significant digits) on body data attributes.
func withSortProbe(t *testing.T, page string) string {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	const probe = `<script>
(function () {
  var table = document.getElementById("trial-table");
  function col(name) {
    return Array.prototype.findIndex.call(table.tHead.rows[0].cells, function (th) { return th.textContent === name; });
  }
  function order(c) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (r) {
      var v = r.cells[c].getAttribute("data-sort");
      return v === "" ? "" : String(Number(Number(v).toPrecision(3)));
    }).join(",");
  }
  var top1 = col("Best val top-1"), test = col("Test top-1");
  var th = table.tHead.rows[0].cells[top1];
  th.click(); document.body.dataset.asc = order(top1);
  th.click(); document.body.dataset.desc = order(top1);
  table.tHead.rows[0].cells[test].click(); document.body.dataset.testTop1Asc = order(test);
})();
</script>
</body>`
	html := strings.Replace(string(b), "</body>", probe, 1)
	out := filepath.Join(filepath.Dir(page), "probe.html")
	if err := os.WriteFile(out, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("Chromium not found (looked for chromium, chromium-browser, google-chrome); " +
			"install it with apt-get install chromium to run the browser test")
	}
	if testing.Short() && *browserHTML == "" && *screenshotOut == "" {
		t.Skip("browser test skipped in -short mode")
	}
	dir := t.TempDir()

	t.Run("detector", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.html")
		if err := os.WriteFile(bad, []byte(`<!DOCTYPE html><body><script>throw new Error("boom")</script>`), 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr := runChromium(t, bin, bad, "--enable-logging=stderr", "--v=0", "--dump-dom")
		if msgs := consoleMessages(stderr); len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), "boom") {
			t.Fatalf("console detector missed an uncaught error; stderr:\n%s", tail(stderr, 2000))
		}
	})

	page, probe, wantCharts := *browserHTML, *browserHTML, 0
	if page == "" {
		renderFixture(t, dir)
		page, wantCharts = filepath.Join(dir, "out", "report.html"), 8 // 2 ablations, 5 curves, the hyperparameter view
		probe = withSortProbe(t, page)
	}

	t.Run("dom", func(t *testing.T) {
		dom, stderr := runChromium(t, bin, probe, "--enable-logging=stderr", "--v=0", "--dump-dom")
		if msgs := consoleMessages(stderr); len(msgs) > 0 {
			t.Errorf("console messages:\n%s", strings.Join(msgs, "\n"))
		}
		if !strings.Contains(dom, `data-ready="1"`) {
			t.Errorf("the sort script did not run: no data-ready=\"1\" on body; DOM starts:\n%.500s", dom)
		}
		n := strings.Count(dom, `<svg class="chart"`)
		if n == 0 || (wantCharts > 0 && n != wantCharts) {
			t.Errorf("DOM has %d inline charts, want %d", n, wantCharts)
		}
		if !strings.Contains(dom, `tabindex="0"`) {
			t.Error("sortable headers were not made focusable")
		}
		if probe != page {
			// Best val top-1 ascending, then descending (a second click).
			// The fixture's trials have distinct values, all known.
			for _, w := range []string{`data-asc="0.261,0.687,0.738,0.752,0.764,0.776,0.79"`,
				`data-desc="0.79,0.776,0.764,0.752,0.738,0.687,0.261"`,
				// Runs without test metrics sort last.
				`data-test-top1-asc="0.682,0.733,0.759,0.771,0.785,,"`} {
				if !strings.Contains(dom, w) {
					t.Errorf("sorting the trial table: DOM lacks %s; body is %.300s", w,
						dom[strings.Index(dom, "<body"):])
				}
			}
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		shot := filepath.Join(dir, "report.png")
		runChromium(t, bin, page, "--hide-scrollbars", "--window-size=1280,2000", "--screenshot="+shot)
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("no screenshot: %v", err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if sz := img.Bounds().Size(); sz.X != 1280 || sz.Y != 2000 {
			t.Errorf("screenshot is %v, want 1280x2000", sz)
		}
		if *screenshotOut != "" {
			if err := os.WriteFile(*screenshotOut, b, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot written to %s", *screenshotOut)
		}
	})
}
