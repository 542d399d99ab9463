package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/physnb/physnb/lib/notebooks"
)

// The tests of this file drive a live notebook as a student does: a Jupyter
// notebook server with token authentication, the physnb-cpu (GoNB) kernel,
// and headless Chromium clicking "Run All", talked to through the Chrome
// DevTools protocol over a pipe (--remote-debugging-pipe: JSON messages
// separated by NUL bytes on file descriptors 3 and 4, no WebSocket needed).
// They skip when chromium, jupyter or the kernel is missing, and fail
// instead under PHYSNB_REQUIRE_NOTEBOOKS=1.

// liveTrainingSteps × liveStepDelay is how long the test notebook trains:
// long enough for several redraws of the live plot (every 2 s).
const (
	liveTrainingSteps = 60
	liveStepDelay     = 250 * time.Millisecond
)

// TestLiveTrainingInTheBrowser runs a notebook that trains with lib/progress
// and checks, while it trains, that the progress bar and the live loss plot
// are on the page together (several samples, so a bar update that erased
// the plot would be caught), then that the final figures render and no cell
// shows an error.
func TestLiveTrainingInTheBrowser(t *testing.T) {
	nbDir, root := liveNotebookDir(t)
	setup := strings.Replace(notebooks.SetupCell, "${GONB_DIR}/..", root, 1)
	writeLiveNotebook(t, filepath.Join(nbDir, "live-training.ipynb"), []string{
		setup,
		"import (\n\t\"time\"\n\n\t\"github.com/physnb/physnb/lib/progress\"\n)\n\n" +
			fmt.Sprintf("%%%%\nbar := progress.New(\"training\", %d)\n", liveTrainingSteps) +
			fmt.Sprintf("for i := 0; i < %d; i++ {\n\ttime.Sleep(%d * time.Millisecond)\n", liveTrainingSteps, liveStepDelay.Milliseconds()) +
			"\tif err := bar.Step(1 / float64(i+1)); err != nil {\n\t\tpanic(err)\n\t}\n}\nbar.Done()",
		"import \"github.com/physnb/physnb/lib/plots\"\n\n" +
			"%%\nplots.New(\"after training\", \"step\", \"loss\").Line(\"loss\", []float64{1, 2, 3}, []float64{1, 0.5, 0.33}).Display()",
	})
	server := startLiveJupyter(t, nbDir)
	page := openLiveNotebook(t, server, "live-training.ipynb")
	page.runAll(t)

	// While the training cell runs: sample its output every 400 ms.
	type sample struct {
		Step   int    `json:"step"`
		Bar    bool   `json:"bar"`
		Plots  int    `json:"plots"`
		Prompt string `json:"prompt"`
	}
	const probe = `(() => {
		const c = Jupyter.notebook.get_cell(1), out = c.output_area.element[0];
		const m = out.innerText.match(/training (\d+)\/\d+/);
		const plots = [...out.querySelectorAll("svg")].filter(s => {
			const r = s.getBoundingClientRect(); return r.width > 50 && r.height > 50 && s.querySelector("path");
		}).length;
		return {step: m ? +m[1] : -1, bar: out.querySelector('div[style*="width:420px"]') !== null,
			plots: plots, prompt: String(c.input_prompt_number)};
	})()`
	var both, seen int
	var shot string
	deadline := time.Now().Add(4 * time.Minute) // compiling the cells first takes most of it on a busy machine
	for time.Now().Before(deadline) {
		var s sample
		page.eval(t, probe, &s)
		if _, err := strconv.Atoi(s.Prompt); err == nil {
			break // the cell has finished
		}
		if s.Step > 0 && s.Step < liveTrainingSteps {
			seen++
			if s.Bar && s.Plots == 1 {
				both++
				if shot == "" && s.Step > liveTrainingSteps/3 {
					shot = liveShotPath(t, "live-training-mid.png")
					page.screenshot(t, shot)
					t.Logf("mid-training screenshot at step %d/%d: %s", s.Step, liveTrainingSteps, shot)
				}
			} else if s.Step >= 3 {
				// The plot is first drawn at step 2: from then on the bar is never alone.
				t.Errorf("step %d/%d: progress bar %v, %d live plots: the bar and the plot must both be visible", s.Step, liveTrainingSteps, s.Bar, s.Plots)
			}
		}
		time.Sleep(400 * time.Millisecond)
	}
	t.Logf("%d samples during training, %d with the bar and the live plot together", seen, both)
	if both < 5 {
		t.Fatalf("only %d of %d samples during training showed the bar and the live plot together", both, seen)
	}
	page.waitIdle(t, 2*time.Minute)
	res := page.finalState(t)
	if len(res.Errors) > 0 {
		t.Fatalf("cells show errors: %s", strings.Join(res.Errors, "; "))
	}
	// The training cell's final plot and the figure of the next cell.
	if res.Figures < 2 || res.Broken > 0 {
		t.Fatalf("after the run: %d rendered figures, %d broken (want the final live plot and the last cell's figure)", res.Figures, res.Broken)
	}
	if !strings.Contains(res.Text[1], fmt.Sprintf("training %d/%d", liveTrainingSteps, liveTrainingSteps)) {
		t.Errorf("the bar does not show the final step: %q", res.Text[1])
	}
	page.screenshot(t, liveShotPath(t, "live-training-end.png"))
}

// TestLiveGuidanceInTheBrowser runs, in an interactive kernel, a notebook
// whose training cell fails, a later cell that needs its result and a cell
// whose result check fails: the first two show a message box (the later one
// naming the cell to run again) and no goroutine trace; the check shows its
// warning box and the cell goes on.
func TestLiveGuidanceInTheBrowser(t *testing.T) {
	nbDir, root := liveNotebookDir(t)
	setup := strings.Replace(notebooks.SetupCell, "${GONB_DIR}/..", root, 1)
	writeLiveNotebook(t, filepath.Join(nbDir, "guidance.ipynb"), []string{
		setup,
		"import (\n\t\"errors\"\n\t\"fmt\"\n\n\t\"github.com/physnb/physnb/lib/nb\"\n)\n\n" +
			"func train() (float64, error) {\n\tfmt.Println(\"training ...\")\n\treturn 0, errors.New(\"open checkpoint/cnn.json: no such file or directory\")\n}\n\n" +
			"%%\nloss := nb.MustCached(\"training\", 1, train)\nfmt.Println(\"loss\", loss)",
		"%%\nloss := nb.MustCached(\"training\", 1, train) // the plotting cell\nfmt.Println(\"plot of\", loss)",
		"%%\nnb.Check(false, \"test accuracy %.3f, expected > 0.9\", 0.5)\nfmt.Println(\"the notebook goes on\")",
	})
	server := startLiveJupyter(t, nbDir)
	page := openLiveNotebook(t, server, "guidance.ipynb")
	page.runAll(t)
	page.waitIdle(t, 5*time.Minute)
	res := page.finalState(t)
	page.screenshot(t, liveShotPath(t, "live-guidance.png"))
	for i, want := range map[int][]string{
		1: {"This cell stopped:", "cnn.json: no such file", "training ..."},
		2: {"earlier cell failed", `loss := nb.MustCached("training", 1, train)`, "cnn.json: no such file", "run that cell again"},
		3: {"differs from what this notebook expects", "test accuracy 0.500, expected > 0.9", "the notebook goes on"},
	} {
		for _, w := range want {
			if !strings.Contains(res.Text[i], w) {
				t.Errorf("cell %d lacks %q; it shows:\n%s", i+1, w, res.Text[i])
			}
		}
		if strings.Contains(res.Text[i], "goroutine") {
			t.Errorf("cell %d shows a goroutine trace:\n%s", i+1, res.Text[i])
		}
	}
	if strings.Contains(res.Text[2], "training ...") {
		t.Errorf("the later cell trained again instead of naming the failed cell:\n%s", res.Text[2])
	}
}

// buildingLine is what kernels/kernel.css shows in a running Go cell's output
// area until the cell prints something.
const buildingLine = "building and running this Go cell…"

// TestLiveBuildingLineInTheBrowser runs a Go cell that sleeps before printing,
// with another Go cell queued after it, and samples the page: while the cell
// is built and sleeps its output area shows the line of kernels/kernel.css,
// the queued cell does not; the line is gone once the cell prints and once it
// has finished. A notebook on another kernel (python3) never shows it, and
// nbconvert's HTML of the notebook does not carry it.
func TestLiveBuildingLineInTheBrowser(t *testing.T) {
	nbDir, root := liveNotebookDir(t)
	setup := strings.Replace(notebooks.SetupCell, "${GONB_DIR}/..", root, 1)
	goPath := filepath.Join(nbDir, "building.ipynb")
	writeLiveNotebook(t, goPath, []string{
		setup,
		"import (\n\t\"fmt\"\n\t\"time\"\n)\n\n%%\ntime.Sleep(3 * time.Second)\nfmt.Println(\"slept\")\ntime.Sleep(1500 * time.Millisecond)\nfmt.Println(\"done\")",
		"%%\nfmt.Println(\"the next cell\")",
	})
	server := startLiveJupyter(t, nbDir)
	page := openLiveNotebook(t, server, "building.ipynb")
	page.runAll(t)

	// Every 200 ms: the sleeping cell (1) and the queued one (2), each with
	// whether it runs, how many outputs it shows and its output area's ::before.
	type cellState struct {
		Running bool   `json:"running"`
		Outputs int    `json:"outputs"`
		Before  string `json:"before"`
		Height  int    `json:"height"`
	}
	const probe = `[1, 2].map(i => {
		const c = Jupyter.notebook.get_cell(i), out = c.output_area.element[0], b = getComputedStyle(out, "::before");
		return {running: c.element[0].classList.contains("running"), outputs: out.children.length,
			before: b.content, height: Math.round(out.getBoundingClientRect().height)};
	})`
	var building, printed int
	deadline := time.Now().Add(4 * time.Minute) // the setup cell and the sleeping one are compiled first
	for time.Now().Before(deadline) {
		var s []cellState
		page.eval(t, probe, &s)
		c, next := s[0], s[1]
		if !c.Running && c.Outputs > 0 {
			break // the cell has finished
		}
		if c.Running && c.Outputs == 0 && c.Before != "none" {
			building++
			if c.Before != `"`+buildingLine+`"` || c.Height < 10 {
				t.Errorf("the running cell without output shows ::before %s (%d px high), want %q", c.Before, c.Height, buildingLine)
			}
			if building == 8 {
				shot := liveShotPath(t, "live-building.png")
				page.screenshot(t, shot)
				t.Logf("screenshot while the cell is built or sleeps: %s", shot)
			}
		}
		if c.Running && c.Outputs > 0 {
			printed++
			if printed == 2 {
				page.screenshot(t, liveShotPath(t, "live-building-printed.png"))
			}
			if c.Before != "none" {
				t.Errorf("the cell has printed but its output area still shows ::before %s", c.Before)
			}
		}
		if next.Before != "none" {
			t.Errorf("the queued cell shows ::before %s while the cell before it runs", next.Before)
		}
		time.Sleep(200 * time.Millisecond)
	}
	page.waitIdle(t, 2*time.Minute)
	t.Logf("%d samples with the building line, %d after the first output while the cell ran", building, printed)
	// The cell sleeps 3 s before its first output: at 200 ms a sample, at
	// least 10 samples fall there even on a busy machine.
	if building < 10 {
		t.Errorf("only %d samples showed the building line (want at least 10: the cell sleeps 3 s before printing)", building)
	}
	if printed < 3 {
		t.Errorf("only %d samples after the cell's first output while it ran (it sleeps 1.5 s more)", printed)
	}
	var after []cellState
	page.eval(t, probe, &after)
	for i, c := range after {
		if c.Before != "none" {
			t.Errorf("cell %d shows ::before %s after the run", i+2, c.Before)
		}
	}
	res := page.finalState(t)
	if len(res.Errors) > 0 {
		t.Fatalf("cells show errors: %s", strings.Join(res.Errors, "; "))
	}
	if !strings.Contains(res.Text[1], "slept\ndone") || !strings.Contains(res.Text[2], "the next cell") {
		t.Fatalf("unexpected outputs: %q, %q", res.Text[1], res.Text[2])
	}

	// Saved with its outputs, for the export below.
	page.eval(t, `(() => { Jupyter.notebook.save_notebook(); return true; })()`, nil)
	page.waitFor(t, 30*time.Second, "the notebook to be saved", `Jupyter.notebook.dirty === false`)

	// Another kernel: a python3 cell that sleeps shows no line.
	pyPath := filepath.Join(nbDir, "python.ipynb")
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5,
		"cells": []any{map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": nil,
			"outputs": []any{}, "source": "import time\ntime.sleep(3)\nprint('slept')"}},
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "python3", "display_name": "Python 3", "language": "python"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pyPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	py := openLiveNotebook(t, server, "python.ipynb")
	py.runAll(t)
	var pyRunning int
	for i := 0; i < 10; i++ {
		var c cellState
		py.eval(t, `(() => { const c = Jupyter.notebook.get_cell(0), out = c.output_area.element[0];
			return {running: c.element[0].classList.contains("running"), outputs: out.children.length,
				before: getComputedStyle(out, "::before").content}; })()`, &c)
		if c.Running && c.Outputs == 0 {
			pyRunning++
		}
		if c.Before != "none" {
			t.Errorf("a python3 notebook's running cell shows ::before %s", c.Before)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pyRunning == 0 {
		t.Errorf("the python3 cell was never seen running without output: the check of the other kernel did not happen")
	}
	py.waitIdle(t, time.Minute)

	// Exported HTML: nbconvert of the Go notebook, with the server's
	// Jupyter folders, does not carry the line.
	htmlDir := t.TempDir()
	conv := exec.Command("jupyter", "nbconvert", "--to", "html", "--output-dir", htmlDir, goPath)
	conv.Env = append(os.Environ(), "JUPYTER_PATH="+liveKernelPath(t))
	if out, err := conv.CombinedOutput(); err != nil {
		t.Fatalf("jupyter nbconvert: %v\n%s", err, out)
	}
	html, err := os.ReadFile(filepath.Join(htmlDir, "building.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte("the next cell")) {
		t.Errorf("the exported HTML lacks the cells' outputs: the notebook was not saved after the run")
	}
	for _, w := range []string{"building and running", "kernel.css"} {
		if bytes.Contains(html, []byte(w)) {
			t.Errorf("the exported HTML contains %q", w)
		}
	}
}

// liveNotebookDir returns a folder for the test's notebooks and the checkout
// they import, after checking the tools are there.
func liveNotebookDir(t *testing.T) (dir, root string) {
	if testing.Short() && os.Getenv("PHYSNB_REQUIRE_NOTEBOOKS") != "1" {
		t.Skip("-short: a live notebook in the browser takes a minute or two")
	}
	requireTool(t, "jupyter", "run ./install.sh")
	requireTool(t, "chromium", "install Debian's chromium (./install.sh --dev)")
	requireKernel(t, "physnb-cpu")
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return t.TempDir(), root
}

// liveShotPath is where a screenshot goes: $PHYSNB_TEST_OUT if set (to look
// at it), else the test's temporary folder.
func liveShotPath(t *testing.T, name string) string {
	dir := os.Getenv("PHYSNB_TEST_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// writeLiveNotebook writes a notebook of code cells for the physnb-cpu kernel.
func writeLiveNotebook(t *testing.T, path string, cells []string) {
	var cs []any
	for _, src := range cells {
		cs = append(cs, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": nil,
			"outputs": []any{}, "source": src})
	}
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "cells": cs,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "physnb-cpu", "display_name": "Go (physnb, CPU)", "language": "go"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type liveServer struct {
	base, token string
}

// startLiveJupyter starts `jupyter notebook` on dir on a free local port with
// a random token, as a student's server runs (interactive: PHYSNB_STRICT and
// PHYSNB_QUICK unset), and stops it and its kernels when the test ends.
func startLiveJupyter(t *testing.T, dir string) liveServer {
	token, port := jupyterTokenAndPort(t)
	server := exec.Command("jupyter", "notebook", "--no-browser", "--allow-root",
		fmt.Sprintf("--port=%d", port), "--ip=127.0.0.1", "--NotebookApp.token="+token, "--NotebookApp.password=",
		"--notebook-dir="+dir)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PHYSNB_STRICT=") && !strings.HasPrefix(kv, "PHYSNB_QUICK=") {
			env = append(env, kv)
		}
	}
	// A config folder of its own (no custom.css or settings of the user's) and
	// this checkout's kernel.css beside the installed kernel's kernel.json.
	server.Env = append(env, "JUPYTER_RUNTIME_DIR="+t.TempDir(), "JUPYTER_CONFIG_DIR="+t.TempDir(),
		"JUPYTER_PATH="+liveKernelPath(t))
	logPath := filepath.Join(t.TempDir(), "jupyter.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	server.Stdout, server.Stderr = logFile, logFile
	if err := server.Start(); err != nil {
		t.Fatalf("starting jupyter notebook: %v", err)
	}
	s := liveServer{base: fmt.Sprintf("http://127.0.0.1:%d", port), token: token}
	t.Cleanup(func() {
		// SIGTERM: the server shuts its kernels down before it exits.
		_ = server.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = server.Process.Kill()
			<-done
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("jupyter log:\n%s", notebooks.LastLines(string(b), 30))
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/api/status?token=" + token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("jupyter notebook did not answer within 60s (last error %v):\n%s", err, notebooks.LastLines(string(b), 15))
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Token authentication is on: without the token the API refuses.
	if resp, err := http.Get(s.base + "/api/status"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the notebook server answered %s/api/status without its token (status %d)", s.base, resp.StatusCode)
	}
	return s
}

// liveKernelPath returns a folder for JUPYTER_PATH (searched before the
// user's kernels) holding kernels/physnb-cpu as install.sh installs it: the
// installed kernel.json (GoNB of the installed checkout) and this checkout's
// kernels/kernel.css.
func liveKernelPath(t *testing.T) string {
	out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil {
		t.Fatalf("jupyter kernelspec list --json: %v", err)
	}
	var specs struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatalf("jupyter kernelspec list --json: %v", err)
	}
	installed := specs.Kernelspecs["physnb-cpu"].ResourceDir
	if installed == "" {
		t.Fatal("jupyter kernelspec list --json has no physnb-cpu kernel: run ./install.sh")
	}
	root, err := notebooks.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir()
	dir := filepath.Join(path, "kernels", "physnb-cpu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for from, to := range map[string]string{
		filepath.Join(installed, "kernel.json"):      filepath.Join(dir, "kernel.json"),
		filepath.Join(root, "kernels", "kernel.css"): filepath.Join(dir, "kernel.css"),
	} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// livePage is a notebook open in headless Chromium.
type livePage struct {
	cdp *cdpConn
}

// openLiveNotebook opens the notebook in a fresh headless Chromium and waits
// until its kernel is connected.
func openLiveNotebook(t *testing.T, s liveServer, name string) *livePage {
	c := startCDP(t)
	var target struct {
		TargetID string `json:"targetId"`
	}
	c.call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	c.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	c.session = attached.SessionID
	c.call(t, c.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1100, "height": 1400, "deviceScaleFactor": 1, "mobile": false}, nil)
	c.call(t, c.session, "Page.navigate", map[string]any{"url": s.base + "/notebooks/" + name + "?token=" + s.token}, nil)
	p := &livePage{cdp: c}
	p.waitFor(t, 90*time.Second, "the notebook page and its kernel",
		`typeof Jupyter !== "undefined" && Jupyter.notebook && Jupyter.notebook._fully_loaded &&
		 Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected() &&
		 document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null`)
	return p
}

// runAll clicks Cell > Run All in the notebook's menu.
func (p *livePage) runAll(t *testing.T) {
	var ok bool
	p.eval(t, `(() => { const a = document.querySelector("#run_all_cells a"); if (!a) return false; a.click(); return true; })()`, &ok)
	if !ok {
		t.Fatal("the notebook page has no Cell > Run All menu item (#run_all_cells)")
	}
}

// waitIdle waits until every code cell has run and the kernel is idle.
func (p *livePage) waitIdle(t *testing.T, limit time.Duration) {
	p.waitFor(t, limit, "every cell to run",
		`Jupyter.notebook.get_cells().every(c => c.cell_type !== "code" || typeof c.input_prompt_number === "number") &&
		 document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null`)
}

func (p *livePage) waitFor(t *testing.T, limit time.Duration, what, cond string) {
	deadline := time.Now().Add(limit)
	for {
		var ok bool
		p.eval(t, "(() => { try { return !!("+cond+"); } catch (e) { return false; } })()", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			shot := liveShotPath(t, "live-timeout.png")
			p.screenshot(t, shot)
			t.Fatalf("waited %s for %s (screenshot %s)", limit, what, shot)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// liveResult is the page after a run: each cell's output text, the error
// outputs, and how many figures (inline SVG plots, images) rendered.
type liveResult struct {
	Text    []string `json:"text"`
	Errors  []string `json:"errors"`
	Figures int      `json:"figures"`
	Broken  int      `json:"broken"`
}

func (p *livePage) finalState(t *testing.T) liveResult {
	var r liveResult
	p.eval(t, `(() => {
		const r = {text: [], errors: [], figures: 0, broken: 0};
		Jupyter.notebook.get_cells().forEach((c, i) => {
			if (c.cell_type !== "code") { r.text.push(""); return; }
			const out = c.output_area.element[0];
			r.text.push(out.innerText);
			c.output_area.outputs.forEach(o => {
				if (o.output_type === "error") r.errors.push("cell " + (i+1) + ": " + o.ename + ": " + o.evalue);
				if (o.output_type === "stream" && o.name === "stderr") r.errors.push("cell " + (i+1) + " stderr: " + o.text);
			});
			out.querySelectorAll("svg").forEach(s => {
				const b = s.getBoundingClientRect();
				if (b.width > 50 && b.height > 50 && s.querySelector("path")) r.figures++; else r.broken++;
			});
			out.querySelectorAll("img").forEach(im => { if (im.complete && im.naturalWidth > 0) r.figures++; else r.broken++; });
		});
		return r;
	})()`, &r)
	return r
}

// eval evaluates a JavaScript expression in the page into v (JSON).
func (p *livePage) eval(t *testing.T, expr string, v any) {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	p.cdp.call(t, p.cdp.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res)
	if res.Exception != nil {
		t.Fatalf("JavaScript failed: %s\n%s", res.Exception.Text, expr)
	}
	if v != nil {
		if err := json.Unmarshal(res.Result.Value, v); err != nil {
			t.Fatalf("JavaScript result %s: %v", res.Result.Value, err)
		}
	}
}

// screenshot saves the page as a PNG and checks it decodes.
func (p *livePage) screenshot(t *testing.T, path string) {
	var shot struct {
		Data string `json:"data"`
	}
	p.cdp.call(t, p.cdp.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// cdpConn is a Chrome DevTools protocol connection to headless Chromium over
// --remote-debugging-pipe: Chromium reads commands on its descriptor 3 and
// writes replies and events on descriptor 4, each a JSON object ended by a
// NUL byte. Commands carry an id, their reply the same id; commands for a
// page carry the session id of Target.attachToTarget (flatten mode).
type cdpConn struct {
	in      io.WriteCloser
	session string
	mu      sync.Mutex
	next    int
	waiting map[int]chan cdpReply
	closed  chan struct{}
}

type cdpReply struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func startCDP(t *testing.T) *cdpConn {
	cmdR, cmdW, err := os.Pipe() // we write commands, Chromium reads them on fd 3
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe() // Chromium writes on fd 4, we read
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--remote-debugging-pipe", "--user-data-dir="+t.TempDir(), "about:blank")
	cmd.ExtraFiles = []*os.File{cmdR, outW}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	cmdR.Close()
	outW.Close()
	c := &cdpConn{in: cmdW, waiting: map[int]chan cdpReply{}, closed: make(chan struct{})}
	go func() {
		defer close(c.closed)
		r := bufio.NewReader(outR)
		for {
			msg, err := r.ReadBytes(0)
			if err != nil {
				return
			}
			var rep cdpReply
			if json.Unmarshal(msg[:len(msg)-1], &rep) != nil || rep.ID == 0 {
				continue // an event: not used
			}
			c.mu.Lock()
			ch := c.waiting[rep.ID]
			delete(c.waiting, rep.ID)
			c.mu.Unlock()
			if ch != nil {
				ch <- rep
			}
		}
	}()
	t.Cleanup(func() {
		cmdW.Close() // Chromium exits when its pipe closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
		}
		cancel()
		outR.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", notebooks.LastLines(stderr.String(), 15))
		}
	})
	return c
}

// call sends a command and decodes its result into v (nil: ignored).
func (c *cdpConn) call(t *testing.T, session, method string, params any, v any) {
	t.Helper()
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpReply, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.in.Write(append(b, 0)); err != nil {
		t.Fatalf("DevTools %s: %v", method, err)
	}
	select {
	case rep := <-ch:
		if rep.Error != nil {
			t.Fatalf("DevTools %s: %s (%d)", method, rep.Error.Message, rep.Error.Code)
		}
		if v != nil {
			if err := json.Unmarshal(rep.Result, v); err != nil {
				t.Fatalf("DevTools %s: %v in %s", method, err, rep.Result)
			}
		}
	case <-c.closed:
		t.Fatalf("DevTools %s: chromium closed its pipe", method)
	case <-time.After(60 * time.Second):
		t.Fatalf("DevTools %s: no reply in 60s", method)
	}
}
