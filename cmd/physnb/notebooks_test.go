package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/physnb/physnb/lib/notebooks"
)

// requireTool skips (or, when PHYSNB_REQUIRE_NOTEBOOKS=1 as in CI, fails) when
// a program the notebook tests need is missing.
func requireTool(t *testing.T, name, fix string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	msg := fmt.Sprintf("%s is not installed: %s", name, fix)
	if os.Getenv("PHYSNB_REQUIRE_NOTEBOOKS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func requireKernel(t *testing.T, kernel string) {
	t.Helper()
	out, err := exec.Command("jupyter", "kernelspec", "list").Output()
	if err == nil && strings.Contains(string(out), kernel) {
		return
	}
	msg := fmt.Sprintf("Jupyter kernel %s is not installed: run ./install.sh", kernel)
	if os.Getenv("PHYSNB_REQUIRE_NOTEBOOKS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// TestNotebooksQuick executes every notebook in quick mode on the CPU kernel and
// fails on any cell error, naming the notebook and the cell. Notebooks assert on
// their own results (nb.Check), so this is also a test of what they compute.
// Set PHYSNB_TEST_NOTEBOOKS to a comma-separated list to run only some, and
// PHYSNB_TEST_OUT to keep the gallery.
func TestNotebooksQuick(t *testing.T) {
	requireTool(t, "jupyter", "run ./install.sh")
	requireKernel(t, "physnb-cpu")
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("PHYSNB_TEST_OUT")
	if out == "" {
		out = t.TempDir()
	}
	var names []string
	if s := os.Getenv("PHYSNB_TEST_NOTEBOOKS"); s != "" {
		names = strings.Split(s, ",")
	}
	report, err := notebooks.Run(notebooks.Options{Dir: filepath.Join(root, "notebooks"), Out: out,
		Kernel: "physnb-cpu", Quick: true, Timeout: 30 * time.Minute, Names: names, Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Notebooks {
		if r.OK {
			t.Logf("%s: ok in %.0fs", r.Name, r.Seconds)
		} else {
			t.Errorf("notebook %s failed: %s", r.Name, r.Summary)
		}
	}
	if _, err := os.Stat(report.Index); err != nil {
		t.Errorf("gallery index not written: %v", err)
	}
	t.Run("index", func(t *testing.T) { checkGalleryIndex(t, out, report) })
	// The browser check: the exported getting-started page must render with its figures.
	for _, r := range report.Notebooks {
		if r.Name == "00-getting-started" && r.HTML != "" {
			t.Run("browser", func(t *testing.T) {
				checkRendered(t, "file://"+r.HTML, filepath.Join(out, "getting-started-html.png"), 4000)
			})
			t.Run("served", func(t *testing.T) {
				checkTypeset(t, out, filepath.Base(r.HTML))
			})
			t.Run("live", func(t *testing.T) {
				checkLiveNotebook(t, filepath.Dir(filepath.Join(out, "executed", "x")), "00-getting-started.ipynb", filepath.Join(out, "getting-started-live.png"))
			})
		}
	}
}

// checkGalleryIndex checks the gallery index of a run: every notebook that
// ran is listed, with its key figure as a thumbnail file of the gallery when
// its page has a figure, without terminal escapes; its pages carry the
// navigation and the manifest records the run; the index renders.
func checkGalleryIndex(t *testing.T, out string, report *notebooks.Report) {
	b, err := os.ReadFile(report.Index)
	if err != nil {
		t.Fatal(err)
	}
	index := string(b)
	if strings.Contains(index, "\x1b") {
		t.Error("the index holds terminal escapes")
	}
	m, err := notebooks.LoadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Notebooks {
		e := m.Get(r.Name)
		if e == nil {
			t.Errorf("%s is not in the gallery's manifest", r.Name)
			continue
		}
		if !strings.Contains(index, `id="`+r.Name+`"`) || !strings.Contains(index, e.Commit) {
			t.Errorf("the index lacks %s or its commit %s", r.Name, e.Commit)
		}
		page, _ := os.ReadFile(r.HTML)
		if !strings.Contains(string(page), `class="physnb-nav"`) || strings.Contains(string(page), "\x1b") {
			t.Errorf("%s: the page lacks its navigation, or holds terminal escapes", r.Name)
		}
		if strings.Contains(string(page), "<svg") && e.Thumbnail == "" {
			t.Errorf("%s has figures and no thumbnail", r.Name)
		}
		if e.Thumbnail != "" {
			if _, err := os.Stat(filepath.Join(out, e.Thumbnail)); err != nil || !strings.Contains(index, `src="`+e.Thumbnail+`"`) {
				t.Errorf("%s: thumbnail %s not written or not shown (%v)", r.Name, e.Thumbnail, err)
			}
		}
	}
	checkRendered(t, "file://"+report.Index, filepath.Join(out, "index.png"), 1600)
}

// screenshot renders url in headless Chromium into a PNG file.
func screenshot(t *testing.T, url, pngPath string, height int) {
	t.Helper()
	requireTool(t, "chromium", "install Debian's chromium (./install.sh --dev)")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=15000",
		fmt.Sprintf("--window-size=1100,%d", height), "--screenshot="+pngPath, url)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium failed on %s: %v\n%s", url, err, notebooks.LastLines(string(out), 10))
	}
}

// inkFraction is the fraction of pixels that are not (nearly) white, and the
// number of distinct colours: a blank or failed page has almost none of either.
func inkFraction(img image.Image) (float64, int) {
	b := img.Bounds()
	ink, total := 0, 0
	colours := map[[3]uint32]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			total++
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				ink++
			}
			if len(colours) < 10000 {
				colours[[3]uint32{r >> 10, g >> 10, bl >> 10}] = true
			}
		}
	}
	return float64(ink) / float64(total), len(colours)
}

func checkRendered(t *testing.T, url, pngPath string, height int) {
	screenshot(t, url, pngPath, height)
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", pngPath, err)
	}
	frac, colours := inkFraction(img)
	t.Logf("%s: %.1f%% of pixels inked, %d colours (screenshot %s)", url, 100*frac, colours, pngPath)
	// A page of text and plots inks several percent of its pixels, in many
	// colours (antialiased text, the plot palette); a blank page inks none.
	if frac < 0.02 || colours < 40 {
		t.Fatalf("page %s looks blank: %.2f%% inked, %d colours (see %s)", url, 100*frac, colours, pngPath)
	}
}

// jupyterTokenAndPort gives a Jupyter server of a test a random token (the
// server keeps token authentication on, as a student's does) and a free port
// on localhost.
func jupyterTokenAndPort(t *testing.T) (token string, port int) {
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return hex.EncodeToString(tok), l.Addr().(*net.TCPAddr).Port
}

// checkLiveNotebook starts a Jupyter notebook server on the folder, with token
// authentication on (a random token), and renders the notebook page as a user
// would see it in the browser.
func checkLiveNotebook(t *testing.T, dir, notebook, pngPath string) {
	requireTool(t, "chromium", "install Debian's chromium (./install.sh --dev)")
	token, port := jupyterTokenAndPort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	server := exec.CommandContext(ctx, "jupyter", "notebook", "--no-browser", "--allow-root",
		fmt.Sprintf("--port=%d", port), "--ip=127.0.0.1", "--NotebookApp.token="+token, "--NotebookApp.password=",
		"--notebook-dir="+dir)
	server.Env = append(os.Environ(), "JUPYTER_RUNTIME_DIR="+t.TempDir())
	logPath := filepath.Join(t.TempDir(), "jupyter.log")
	logFile, _ := os.Create(logPath)
	server.Stdout, server.Stderr = logFile, logFile
	if err := server.Start(); err != nil {
		t.Fatalf("starting jupyter notebook: %v", err)
	}
	defer func() { cancel(); _ = server.Wait() }()
	page := fmt.Sprintf("http://127.0.0.1:%d/notebooks/%s", port, notebook)
	url := page + "?token=" + token
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && resp.Request.URL.Path == "/notebooks/"+notebook {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("jupyter notebook did not serve %s within 60s (last error %v):\n%s", url, err, notebooks.LastLines(string(b), 15))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Without the token the server asks for it instead of serving the notebook.
	if resp, err := http.Get(page); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.Request.URL.Path != "/login" {
		t.Fatalf("the notebook server served %s without its token (ended at %s, status %d)", page, resp.Request.URL, resp.StatusCode)
	}
	checkRendered(t, url, pngPath, 2000)
}

// checkTypeset serves the gallery folder over HTTP, as a web server would
// publish it, and checks in headless Chromium that the page's equations are
// typeset: MathJax's output elements are there and no raw $...$ is left in
// the text.
func checkTypeset(t *testing.T, dir, page string) {
	requireTool(t, "chromium", "install Debian's chromium (./install.sh --dev)")
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--user-data-dir="+t.TempDir(), "--virtual-time-budget=20000",
		"--dump-dom", srv.URL+"/"+page)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v", page, err)
	}
	typeset := strings.Count(string(dom), `class="mjx-math"`)
	text := scriptOrStyle.ReplaceAllString(string(dom), "")
	raw := rawMath.FindAllString(text, 3)
	t.Logf("%s served over HTTP: %d typeset equations, raw TeX left: %q", page, typeset, raw)
	if typeset == 0 || len(raw) > 0 {
		t.Fatalf("%s served over HTTP: %d typeset equations and raw TeX %q: the page's MathJax did not run", page, typeset, raw)
	}
}

var (
	scriptOrStyle = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>`)
	rawMath       = regexp.MustCompile(`\$\$[^$]+\$\$|\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$`)
)
