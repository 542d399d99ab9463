package notebooks

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An executed notebook as nbconvert writes it: sources as strings or lists of
// lines, a GoNB compiler error as HTML, a panic as an error output.
const executed = `{"cells": [
 {"cell_type": "markdown", "source": ["# A title\n", "prose"], "outputs": []},
 {"cell_type": "code", "source": "%%\nfmt.Println(1)", "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]},
 {"cell_type": "code", "source": ["%%\n", "\n", "nb.Check(acc > 0.9, \"acc\")\n"], "outputs": [
   {"output_type": "stream", "name": "stderr", "text": ["panic: result check failed\n"]},
   {"output_type": "display_data", "data": {"text/html": "<style>x{}</style><div class=\"application/vnd.jupyter.stderr\">main.go:3: undefined: acc</div>"}},
   {"output_type": "error", "ename": "ERROR", "evalue": "exit status 2"}]},
 {"cell_type": "code", "source": "%%\nfmt.Println(2)", "outputs": [{"output_type": "error", "ename": "later", "evalue": "x"}]}
]}`

func TestFirstErrorAndTitle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "demo.ipynb")
	if err := os.WriteFile(p, []byte(executed), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Title(p); got != "A title" {
		t.Errorf("Title = %q", got)
	}
	nb, err := read(p)
	if err != nil {
		t.Fatal(err)
	}
	cell, msg := firstError(nb)
	if cell != 3 {
		t.Fatalf("first failing cell %d, want 3 (1-based, counting every cell)", cell)
	}
	for _, want := range []string{`"nb.Check(acc > 0.9, \"acc\")"`, "ERROR: exit status 2", "panic: result check failed", "undefined: acc"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the description lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "x{}") {
		t.Errorf("style blocks must be dropped:\n%s", msg)
	}
}

func TestFindNamesTheAvailableNotebooks(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.ipynb", "a.ipynb"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(`{"cells": []}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all, err := Find(dir, nil)
	if err != nil || len(all) != 2 || filepath.Base(all[0]) != "a.ipynb" {
		t.Fatalf("Find(all) = %v, %v", all, err)
	}
	if got, err := Find(dir, []string{"b.ipynb"}); err != nil || len(got) != 1 || filepath.Base(got[0]) != "b.ipynb" {
		t.Fatalf("Find(b) = %v, %v", got, err)
	}
	if _, err := Find(dir, []string{"c"}); err == nil || !strings.Contains(err.Error(), "available: a, b") {
		t.Fatalf("an unknown name must list the available ones: %v", err)
	}
	if _, err := Find(t.TempDir(), nil); err == nil {
		t.Fatal("a folder without notebooks is an error")
	}
}

func TestRelinkAndBundleAssets(t *testing.T) {
	page := []byte(`<script src="file:///usr/share/javascript/requirejs/require.min.js"></script>
<script src="file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>`)
	got, used := relinkAssets(page)
	want := `<script src="assets/requirejs/require.min.js"></script>
<script src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>
<script src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>`
	if string(got) != want || !used["mathjax"] || !used["requirejs"] {
		t.Fatalf("relinked:\n%s\nused %v", got, used)
	}
	if _, err := os.Stat("/usr/share/javascript/mathjax/MathJax.js"); err != nil {
		t.Skip("libjs-mathjax is not installed here: nothing to bundle")
	}
	out := t.TempDir()
	if err := bundleAssets(out, used); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mathjax/MathJax.js", "mathjax/config/TeX-AMS_CHTML-full.js", "mathjax/jax/output/CommonHTML/jax.js", "requirejs/require.min.js"} {
		if _, err := os.Stat(filepath.Join(out, AssetsDir, f)); err != nil {
			t.Errorf("bundle lacks %s", f)
		}
	}
	old := jsRoots
	jsRoots = []string{t.TempDir()}
	defer func() { jsRoots = old }()
	if err := bundleAssets(t.TempDir(), used); err == nil || !strings.Contains(err.Error(), "apt-get install libjs-") {
		t.Fatalf("without the scripts the error must say what to install: %v", err)
	}
}

func TestETAFromThePreviousRun(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.ipynb")
	write := func(mode, status string, errors bool) {
		nb := `{"metadata": {"physnb": {"mode": "` + mode + `", "status": "` + status + `", "errors": ` + fmt.Sprint(errors) + `}}, "cells": [
		  {"metadata": {}}, {"metadata": {"physnb": {"seconds": 60}}}, {"metadata": {"physnb": {"seconds": 30}}}]}`
		if err := os.WriteFile(p, []byte(nb), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("quick", "ok", false)
	prev := cellSeconds(p, "quick")
	if got := eta(prev, 2); got != ", about 1m30s left (previous run)" {
		t.Errorf("from cell 2: %q", got)
	}
	if got := eta(prev, 3); got != ", about 30s left (previous run)" {
		t.Errorf("from cell 3: %q", got)
	}
	if cellSeconds(p, "full") != nil {
		t.Error("a quick run's times must not predict a full run")
	}
	write("quick", "timeout", false)
	if cellSeconds(p, "quick") != nil || eta(nil, 1) != "" {
		t.Error("an incomplete run predicts nothing")
	}
	write("quick", "ok", true) // a run with failing cells: its times say nothing
	if cellSeconds(p, "quick") != nil {
		t.Error("an incomplete run predicts nothing")
	}
}

// A cell that runs past the time limit stops the notebook, and the executed
// notebook and its HTML keep the cells that ran (needs Jupyter and the
// physnb-cpu kernel).
func TestTimeoutKeepsThePartialNotebook(t *testing.T) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("jupyter is not installed")
	}
	if out, err := exec.Command("jupyter", "kernelspec", "list").Output(); err != nil || !strings.Contains(string(out), "physnb-cpu") {
		t.Skip("the physnb-cpu kernel is not installed")
	}
	dir := t.TempDir()
	nb := `{"cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# Slow"]},
 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": ["%%\n", "fmt.Println(\"first cell ran\")"]},
 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": ["%%\n", "time.Sleep(time.Minute)"]},
 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": ["%%\n", "fmt.Println(\"never\")"]}],
 "metadata": {"kernelspec": {"name": "physnb-cpu", "display_name": "Go (physnb, CPU)", "language": "go"}},
 "nbformat": 4, "nbformat_minor": 5}`
	if err := os.WriteFile(filepath.Join(dir, "slow.ipynb"), []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	out := t.TempDir()
	rep, err := Run(Options{Dir: dir, Out: out, Kernel: "physnb-cpu", Timeout: 15 * time.Second, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Notebooks[0]
	if r.OK || r.Cell != 3 || !strings.Contains(r.Error, "time limit") {
		t.Fatalf("want a failure at cell 3 naming the time limit, got %+v", r)
	}
	page, err := os.ReadFile(r.HTML)
	if err != nil || !strings.Contains(string(page), "first cell ran") || strings.Contains(string(page), ">never") {
		t.Fatalf("the HTML must keep the first cell's output (err %v)", err)
	}
	if !strings.Contains(log.String(), "slow: cell 2/3") {
		t.Errorf("no per-cell progress:\n%s", log.String())
	}
}

// A new notebook has the setup cell, explains Go cells and the mode switch,
// refuses to overwrite, and runs as written (needs Jupyter and the kernel).
func TestNewNotebookRuns(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Skip("not inside a checkout")
	}
	dir := filepath.Join(root, "notebooks")
	name := fmt.Sprintf("zz-new-test-%d", os.Getpid())
	p, err := New(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(p) })
	if _, err := New(dir, name); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("a second New must refuse to overwrite: %v", err)
	}
	if _, err := New(dir, "../x"); err == nil {
		t.Fatal("a name with a path must be refused")
	}
	nb, err := read(p)
	if err != nil {
		t.Fatal(err)
	}
	if JoinSource(nb.Cells[0].Source) != SetupCell {
		t.Fatal("the first cell must be the shared setup cell")
	}
	text := JoinSource(nb.Cells[1].Source)
	for _, want := range []string{"Declarations carry over", "Values do not", "%%", "nb.MustCached"} {
		if !strings.Contains(text, want) {
			t.Errorf("the explanation lacks %q", want)
		}
	}
	if !strings.Contains(JoinSource(nb.Cells[2].Source), "%env PHYSNB_MODE=quick") {
		t.Error("the parameter cell must hold the mode switch")
	}
	elsewhere, err := setupCellFor(t.TempDir())
	if err != nil || !strings.Contains(elsewhere, "="+root+" ") {
		t.Errorf("outside the notebooks folder the setup cell must name the checkout: %q, %v", elsewhere, err)
	}
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("jupyter is not installed")
	}
	if out, err := exec.Command("jupyter", "kernelspec", "list").Output(); err != nil || !strings.Contains(string(out), "physnb-cpu") {
		t.Skip("the physnb-cpu kernel is not installed")
	}
	rep, err := Run(Options{Dir: dir, Out: t.TempDir(), Kernel: "physnb-cpu", Timeout: 5 * time.Minute, Names: []string{name}, OwnMode: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Notebooks[0]; !r.OK {
		t.Fatalf("the new notebook fails as written: %s", r.Summary)
	}
	ex, err := read(filepath.Join(rep.Out, "executed", name+".ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, o := range ex.Cells[2].Outputs {
		out.WriteString(JoinSource(o.Text))
	}
	if !strings.Contains(out.String(), "mode: quick | steps: 200") {
		t.Errorf("the parameter cell must run in quick mode with its quick values: %q", out.String())
	}

	// Run in full mode, the executed copy shows the switch as it ran.
	rep, err = Run(Options{Dir: dir, Out: t.TempDir(), Kernel: "physnb-cpu", Timeout: 5 * time.Minute, Names: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Notebooks[0]; !r.OK {
		t.Fatalf("the new notebook fails in full mode: %s", r.Summary)
	}
	if ex, err = read(filepath.Join(rep.Out, "executed", name+".ipynb")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	for _, o := range ex.Cells[2].Outputs {
		out.WriteString(JoinSource(o.Text))
	}
	src := JoinSource(ex.Cells[2].Source)
	if !strings.Contains(src, "%env PHYSNB_MODE=full") || strings.Contains(src, "PHYSNB_MODE=quick") ||
		!strings.Contains(out.String(), `PHYSNB_MODE="full"`) || !strings.Contains(out.String(), "mode: full") {
		t.Errorf("a full run's executed copy must show the switch at full and run in full mode:\n%s\n%s", src, out.String())
	}
	m, err := LoadManifest(rep.Out)
	if err != nil || len(m.Notebooks) != 1 {
		t.Fatalf("the run's manifest: %v, %v", m, err)
	}
	if h, err := CodeHash(p); err != nil || h != m.Notebooks[0].CodeSHA256 {
		t.Errorf("the recorded hash must be the notebook's own code (%s), not the executed copy's: %s, %v", h, m.Notebooks[0].CodeSHA256, err)
	}
}

func TestRelinkNotebooks(t *testing.T) {
	got := string(relinkNotebooks([]byte(`<a href="neural-rg.ipynb">x</a> <a href="calabi-yau-metrics.ipynb#sigma">y</a> <a href="https://e.org/a.ipynb">z</a>`)))
	want := `<a href="neural-rg.html">x</a> <a href="calabi-yau-metrics.html#sigma">y</a> <a href="https://e.org/a.ipynb">z</a>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestPagesShareTheirStylesheet(t *testing.T) {
	out := t.TempDir()
	css := strings.Repeat(".cell { margin: 0 }\n", 8000)
	big := `<style type="text/css">` + css + "</style>" // as nbconvert writes it
	small := "<style>.mine { color: red }</style>"
	var pages [][]byte
	for _, body := range []string{"<p>one</p>", "<p>two</p>"} {
		b, err := shareStyles([]byte("<html><head>"+big+small+"</head><body>"+body+"</body></html>"), out)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	files, err := filepath.Glob(filepath.Join(out, AssetsDir, "style-*.css"))
	if err != nil || len(files) != 1 {
		t.Fatalf("two pages with one stylesheet must share one file: %v, %v", files, err)
	}
	if b, _ := os.ReadFile(files[0]); string(b) != css {
		t.Error("the shared file must hold the stylesheet as it was")
	}
	for i, p := range pages {
		s := string(p)
		if len(p) > 1000 || !strings.Contains(s, `<link rel="stylesheet" href="assets/`+filepath.Base(files[0])+`">`) || !strings.Contains(s, small) {
			t.Errorf("page %d must link the shared stylesheet and keep its small style (%d bytes): %.300s", i, len(p), s)
		}
	}
}
