// Package notebooks executes physnb's notebooks headless and publishes them:
// each notebook runs with Jupyter's nbconvert on a physnb kernel (errors
// allowed, so that a failing cell does not lose the other cells' results), is
// exported to HTML, and is listed in a gallery page (index.html); the first
// failing cell is found in the executed notebook and described with its error
// and the end of its stderr. `physnb notebooks run` and the notebook tests
// call [Run]:
//
//	rep, err := notebooks.Run(notebooks.Options{Dir: "notebooks", Out: "docs/gallery",
//		Kernel: "physnb-cpu", Quick: true, Timeout: 30 * time.Minute, Log: os.Stderr})
package notebooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Result is one executed notebook (`physnb notebooks run --json` prints them).
type Result struct {
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	OK      bool    `json:"ok"`
	Seconds float64 `json:"seconds"`
	HTML    string  `json:"html,omitempty"`
	// Cell is the 1-based index of the first failing cell (0 if none), counting all cells.
	Cell    int    `json:"cell,omitempty"`
	Error   string `json:"error,omitempty"`
	Summary string `json:"-"`
}

// Report is what [Run] did: one Result per notebook, and where the gallery is.
type Report struct {
	Kernel    string   `json:"kernel"`
	Quick     bool     `json:"quick"`
	Out       string   `json:"out"`
	Index     string   `json:"index"`
	Notebooks []Result `json:"notebooks"`
	Failed    int      `json:"failed"`
}

// Options configures [Run].
type Options struct {
	Dir     string        // folder of the .ipynb files
	Out     string        // where executed notebooks and HTML go
	Kernel  string        // Jupyter kernel name
	Quick   bool          // PHYSNB_QUICK=1 (else 0: full mode)
	OwnMode bool          // neither: each notebook runs in the mode its parameter cell chooses
	Timeout time.Duration // per cell
	Names   []string      // empty: all
	Log     io.Writer     // progress lines (stderr); nil: none
}

// RepoRoot finds this checkout: $PHYSNB_ROOT, else the nearest parent of the
// working directory whose go.mod is physnb's, else the parent of the binary's folder.
func RepoRoot() (string, error) {
	if r := os.Getenv("PHYSNB_ROOT"); r != "" && isRoot(r) {
		return r, nil
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if isRoot(d) {
				return d, nil
			}
			if d == filepath.Dir(d) {
				break
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if d := filepath.Dir(filepath.Dir(exe)); isRoot(d) {
			return d, nil
		}
	}
	return "", errors.New("cannot find the physnb checkout: run from inside it, set PHYSNB_ROOT, or pass --dir")
}

// isRoot reports whether d is a physnb checkout (its go.mod is physnb's).
func isRoot(d string) bool {
	b, err := os.ReadFile(filepath.Join(d, "go.mod"))
	return err == nil && bytes.Contains(b, []byte("module github.com/physnb/physnb\n"))
}

// Find returns the notebooks of dir, or those named (with or without .ipynb).
func Find(dir string, names []string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(dir, "*.ipynb"))
	if err != nil {
		return nil, err
	}
	sort.Strings(all)
	if len(all) == 0 {
		return nil, fmt.Errorf("no notebooks (*.ipynb) in %s", dir)
	}
	if len(names) == 0 {
		return all, nil
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSuffix(filepath.Base(n), ".ipynb")
		found := ""
		for _, p := range all {
			if strings.TrimSuffix(filepath.Base(p), ".ipynb") == n {
				found = p
			}
		}
		if found == "" {
			var avail []string
			for _, p := range all {
				avail = append(avail, strings.TrimSuffix(filepath.Base(p), ".ipynb"))
			}
			return nil, fmt.Errorf("no notebook %q in %s; available: %s", n, dir, strings.Join(avail, ", "))
		}
		out = append(out, found)
	}
	return out, nil
}

// ipynb is the part of the notebook format the runner reads.
type ipynb struct {
	Cells []struct {
		CellType string          `json:"cell_type"`
		Source   json.RawMessage `json:"source"`
		Outputs  []struct {
			OutputType string                     `json:"output_type"`
			Name       string                     `json:"name"`
			Text       json.RawMessage            `json:"text"`
			EName      string                     `json:"ename"`
			EValue     string                     `json:"evalue"`
			Data       map[string]json.RawMessage `json:"data"`
		} `json:"outputs"`
	} `json:"cells"`
}

// JoinSource reads a notebook string field, stored either as a string or a list of lines.
func JoinSource(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var lines []string
	_ = json.Unmarshal(raw, &lines)
	return strings.Join(lines, "")
}

func read(path string) (*ipynb, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb ipynb
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("%s is not a valid notebook: %w", path, err)
	}
	return &nb, nil
}

// Title is the first markdown heading of a notebook.
func Title(path string) string {
	nb, err := read(path)
	if err != nil {
		return ""
	}
	for _, c := range nb.Cells {
		if c.CellType != "markdown" {
			continue
		}
		for _, l := range strings.Split(JoinSource(c.Source), "\n") {
			if strings.HasPrefix(l, "# ") {
				return strings.TrimSpace(strings.TrimPrefix(l, "# "))
			}
		}
	}
	return ""
}

// firstError finds the first cell with an error output in an executed notebook,
// and describes it: the cell's first source line, the error and the end of its stderr.
func firstError(nb *ipynb) (cell int, msg string) {
	for i, c := range nb.Cells {
		var stderr strings.Builder
		for _, o := range c.Outputs {
			if o.OutputType == "stream" && o.Name == "stderr" {
				stderr.WriteString(JoinSource(o.Text))
			}
			if h, ok := o.Data["text/html"]; ok && strings.Contains(JoinSource(h), "application/vnd.jupyter.stderr") {
				// GoNB shows compiler errors as HTML; keep their text.
				stderr.WriteString(htmlToText(JoinSource(h)))
			}
			if o.OutputType == "error" {
				first := firstCodeLine(JoinSource(c.Source))
				errText := strings.TrimSpace(o.EName + ": " + o.EValue)
				tail := strings.TrimSpace(stderr.String())
				if lines := strings.Split(tail, "\n"); len(lines) > 12 {
					tail = strings.Join(lines[:12], "\n") + "\n..."
				}
				msg = fmt.Sprintf("cell %d (%q): %s", i+1, first, errText)
				if tail != "" {
					msg += "\n" + tail
				}
				return i + 1, msg
			}
		}
	}
	return 0, ""
}

// Run executes each notebook with nbconvert (errors allowed, so that
// every other cell's output is kept), exports it to HTML, finds the first
// failing cell, and writes index.html.
func Run(o Options) (*Report, error) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		return nil, errors.New("jupyter is not on PATH: run ./install.sh (it installs Debian's jupyter-nbconvert)")
	}
	paths, err := Find(o.Dir, o.Names)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	executed := filepath.Join(out, "executed")
	if err := os.MkdirAll(executed, 0o755); err != nil {
		return nil, err
	}
	report := &Report{Kernel: o.Kernel, Quick: o.Quick, Out: out, Index: filepath.Join(out, "index.html")}
	env := []string{"PHYSNB_STRICT=1"} // a failed nb.Check fails the run
	for _, v := range os.Environ() {
		if !strings.HasPrefix(v, "PHYSNB_QUICK=") {
			env = append(env, v)
		}
	}
	switch {
	case o.OwnMode: // each notebook's %env PHYSNB_MODE decides
	case o.Quick:
		env = append(env, "PHYSNB_QUICK=1")
	default:
		env = append(env, "PHYSNB_QUICK=0")
	}
	for i, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".ipynb")
		if o.Log != nil {
			fmt.Fprintf(o.Log, "[%d/%d] executing %s (%s mode, kernel %s) ...\n", i+1, len(paths), name, map[bool]string{true: "quick", false: "full"}[o.Quick], o.Kernel)
		}
		r := Result{Name: name, Title: Title(p)}
		start := time.Now()
		execPath := filepath.Join(executed, name+".ipynb")
		runErr := execute(p, execPath, o, env, fmt.Sprintf("[%d/%d] %s", i+1, len(paths), name))
		r.Seconds = time.Since(start).Seconds()
		if nb, err := read(execPath); err != nil {
			r.Error = err.Error()
			if runErr != nil {
				r.Error = runErr.Error()
			}
		} else if cell, msg := firstError(nb); cell > 0 {
			r.Cell, r.Error = cell, msg
		} else if runErr != nil {
			r.Error = runErr.Error()
		}
		// Export whatever was executed, failures included: the other cells' results stay visible.
		if _, err := os.Stat(execPath); err == nil {
			conv := exec.Command("jupyter", "nbconvert", "--to", "html", "--output-dir", out, "--output", name, execPath)
			var convErr bytes.Buffer
			conv.Stderr = &convErr
			if err := conv.Run(); err != nil && r.Error == "" {
				r.Error = fmt.Sprintf("HTML export failed (%v): %s", err, LastLines(convErr.String(), 10))
			} else if err == nil {
				r.HTML = filepath.Join(out, name+".html")
				if err := publish(r.HTML, out); err != nil && r.Error == "" {
					r.Error = err.Error()
				}
			}
		}
		r.OK = r.Error == ""
		if !r.OK {
			report.Failed++
			r.Summary = r.Error
			if r.Cell > 0 {
				r.Summary = fmt.Sprintf("%s, %s", filepath.Base(p), r.Error)
			}
		}
		if o.Log != nil {
			status := "ok"
			if !r.OK {
				status = "FAILED: " + r.Summary
			}
			fmt.Fprintf(o.Log, "[%d/%d] %s: %s (%.1fs)\n", i+1, len(paths), name, status, r.Seconds)
		}
		report.Notebooks = append(report.Notebooks, r)
	}
	if err := writeGallery(report); err != nil {
		return report, err
	}
	return report, nil
}

// publish makes an exported page stand on its own: its MathJax and
// require.js links point at the gallery's own copy, bundled beside it.
func publish(page, out string) error {
	b, err := os.ReadFile(page)
	if err != nil {
		return err
	}
	b, used := relinkAssets(relinkNotebooks(b))
	if err := bundleAssets(out, used); err != nil {
		return err
	}
	return os.WriteFile(page, b, 0o644)
}

func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var galleryTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>physnb notebooks</title>
<style>
body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.4em .6em;border-bottom:1px solid #ddd;text-align:left}
.ok{color:#007a3d}.failed{color:#c00}pre{white-space:pre-wrap;font-size:85%;margin:.3em 0}
</style></head><body>
<h1>physnb notebooks</h1>
<p>Executed {{if .Quick}}in quick mode (small sizes, as the tests run){{else}}in full mode{{end}} on kernel <code>{{.Kernel}}</code>.</p>
<table><tr><th>notebook</th><th>status</th><th>time</th></tr>
{{range .Notebooks}}<tr><td>{{if .HTML}}<a href="{{.Name}}.html">{{end}}{{if .Title}}{{.Title}}{{else}}{{.Name}}{{end}}{{if .HTML}}</a>{{end}}<br><small>{{.Name}}.ipynb</small></td>
<td>{{if .OK}}<span class="ok">ok</span>{{else}}<span class="failed">failed{{if .Cell}} at cell {{.Cell}}{{end}}</span><pre>{{.Error}}</pre>{{end}}</td>
<td>{{printf "%.0f" .Seconds}} s</td></tr>
{{end}}</table></body></html>
`))

func writeGallery(r *Report) error {
	var buf bytes.Buffer
	if err := galleryTemplate.Execute(&buf, r); err != nil {
		return err
	}
	return os.WriteFile(r.Index, buf.Bytes(), 0o644)
}

var (
	styleBlock = regexp.MustCompile(`(?s)<style>.*?</style>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	blankLines = regexp.MustCompile(`\n\s*\n+`)
)

// htmlToText keeps the text of an HTML output (GoNB's error reports).
func htmlToText(h string) string {
	h = styleBlock.ReplaceAllString(h, "")
	h = htmlTag.ReplaceAllString(h, "")
	h = html.UnescapeString(h)
	return strings.TrimSpace(blankLines.ReplaceAllString(h, "\n")) + "\n"
}

// firstCodeLine is the first line of a cell that says something (not blank, not "%%").
func firstCodeLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		if t := strings.TrimSpace(l); t != "" && t != "%%" {
			return t
		}
	}
	return ""
}
