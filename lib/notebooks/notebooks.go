// Package notebooks executes physnb's notebooks headless and publishes them:
// each notebook runs with Jupyter's nbconvert on a physnb kernel (errors
// allowed, so that a failing cell does not lose the other cells' results), is
// exported to HTML that typesets its equations offline (MathJax bundled in
// assets/), and is listed in a gallery page (index.html) in reading order,
// with its description, key figure, mode, run time, date and commit. The
// gallery's manifest.json records each run, with a SHA-256 of the notebook's
// code cells ([CodeHash]), so that a published gallery (docs/gallery) can be
// checked against the notebooks as they are ([Stale]). The first failing
// cell is found in the executed notebook and described with its error and
// the end of its stderr. `physnb notebooks run` and the notebook tests call
// [Run]:
//
//	rep, err := notebooks.Run(notebooks.Options{Dir: "notebooks", Out: "out/gallery",
//		Kernel: "physnb-cpu", Quick: true, Timeout: 30 * time.Minute, Log: os.Stderr})
package notebooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
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
	Bytes     int64    `json:"bytes"` // the gallery's size, all files
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
	// Publish: Out is a published gallery (docs/gallery); a failed run
	// does not replace a notebook's published copy.
	Publish bool
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
		Metadata struct {
			Tags []string `json:"tags"`
		} `json:"metadata"`
		Outputs []struct {
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
// every other cell's output is kept), exports it to HTML with its key
// figure, finds the first failing cell, records the run in the gallery's
// manifest and rebuilds index.html and the pages' navigation from it. The
// gallery's other notebooks keep their entries: notebooks can be run one
// at a time. With o.Publish a failed run leaves the notebook's published
// copy as it was (the failed pages stay in a temporary folder, named in the
// result).
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
	if err := os.MkdirAll(filepath.Join(out, "executed"), 0o755); err != nil {
		return nil, err
	}
	manifest, err := LoadManifest(out) // a broken record stops the run before any work
	if err != nil {
		return nil, err
	}
	order := ReadingOrder(o.Dir)
	prov := provenanceOf(o.Dir, out)
	mode := map[bool]string{true: "quick", false: "full"}[o.Quick]
	if o.OwnMode {
		mode = "notebook's own"
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
			fmt.Fprintf(o.Log, "[%d/%d] executing %s (%s mode, kernel %s) ...\n", i+1, len(paths), name, mode, o.Kernel)
		}
		hash, err := CodeHash(p) // the code that runs, read before it runs
		if err != nil {
			return report, err
		}
		stage := out // where this run's files go: the gallery, or (publishing) a folder of its own until it succeeds
		if o.Publish {
			if stage, err = os.MkdirTemp("", "physnb-publish-"+name+"-"); err != nil {
				return report, err
			}
			if err := os.MkdirAll(filepath.Join(stage, "executed"), 0o755); err != nil {
				return report, err
			}
		}
		r := Result{Name: name, Title: Title(p)}
		start := time.Now()
		execPath := filepath.Join(stage, "executed", name+".ipynb")
		runErr := execute(p, execPath, filepath.Join(out, "executed", name+".ipynb"), o, env, fmt.Sprintf("[%d/%d] %s", i+1, len(paths), name))
		r.Seconds = time.Since(start).Seconds()
		executedNB, readErr := read(execPath)
		if readErr != nil {
			r.Error = readErr.Error()
			if runErr != nil {
				r.Error = runErr.Error()
			}
		} else if cell, msg := firstError(executedNB); cell > 0 {
			r.Cell, r.Error = cell, msg
		} else if runErr != nil {
			r.Error = runErr.Error()
		}
		r.Error = StripANSI(r.Error)
		// Export whatever was executed, failures included: the other cells' results stay visible.
		if readErr == nil {
			conv := exec.Command("jupyter", "nbconvert", "--to", "html", "--output-dir", stage, "--output", name, execPath)
			var convErr bytes.Buffer
			conv.Stderr = &convErr
			if err := conv.Run(); err != nil && r.Error == "" {
				r.Error = fmt.Sprintf("HTML export failed (%v): %s", err, LastLines(convErr.String(), 10))
			} else if err == nil {
				r.HTML = filepath.Join(stage, name+".html")
				if err := publish(r.HTML, stage); err != nil && r.Error == "" {
					r.Error = err.Error()
				}
			}
		}
		r.OK = r.Error == ""
		keep := r.OK || !o.Publish
		if o.Publish && r.OK {
			if err := promote(stage, out, name); err != nil {
				return report, err
			}
			r.HTML = filepath.Join(out, name+".html")
			os.RemoveAll(stage)
		}
		if keep {
			e := Entry{Name: name, Title: r.Title, Description: Describe(p), OK: r.OK, Cell: r.Cell, Error: r.Error,
				Mode: mode, Kernel: o.Kernel, Seconds: math.Round(r.Seconds*10) / 10, Date: now().Format(time.RFC3339), Commit: prov.commit,
				Machine: prov.machine, Cores: prov.cores, CodeSHA256: hash}
			if r.HTML != "" {
				e.HTML = name + ".html"
			}
			if readErr == nil {
				if e.Thumbnail, err = writeThumbnail(executedNB, out, name); err != nil && o.Log != nil {
					fmt.Fprintf(o.Log, "[%d/%d] %s: no thumbnail: %v\n", i+1, len(paths), name, err)
				}
			}
			manifest.put(e)
			if err := writeGallery(out, manifest, order); err != nil {
				return report, err
			}
		}
		if !r.OK {
			report.Failed++
			r.Summary = r.Error
			if r.Cell > 0 {
				r.Summary = fmt.Sprintf("%s, %s", filepath.Base(p), r.Error)
			}
			if !keep {
				r.Summary += fmt.Sprintf("\n(the published copy of %s is kept as it was; this run's pages are in %s)", name, stage)
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
	if report.Bytes, err = Size(out); err != nil {
		return report, err
	}
	if o.Publish && report.Bytes > MaxPublishedBytes && o.Log != nil {
		fmt.Fprintf(o.Log, "warning: the gallery %s weighs %.1f MB, over the %d MB a published gallery may: the size test will fail\n",
			out, float64(report.Bytes)/(1<<20), MaxPublishedBytes>>20)
	}
	return report, nil
}

// promote moves a successful run's executed notebook and page from its
// folder into the gallery, with the scripts the page uses.
func promote(stage, out, name string) error {
	for _, f := range []string{filepath.Join("executed", name+".ipynb"), name + ".html"} {
		b, err := os.ReadFile(filepath.Join(stage, f))
		if err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(out, f), b); err != nil {
			return err
		}
	}
	page, err := os.ReadFile(filepath.Join(out, name+".html"))
	if err != nil {
		return err
	}
	used := map[string]bool{} // the page links them relatively already: which does it load?
	for _, lib := range []string{"mathjax", "requirejs"} {
		if bytes.Contains(page, []byte(`src="`+AssetsDir+"/"+lib+"/")) {
			used[lib] = true
		}
	}
	return bundleAssets(out, used)
}

// publish makes an exported page stand on its own: its MathJax and
// require.js links point at the gallery's own copy, bundled beside it, its
// links to other notebooks at their pages, and no terminal escape is left.
func publish(page, out string) error {
	b, err := os.ReadFile(page)
	if err != nil {
		return err
	}
	b, used := relinkAssets(relinkNotebooks(b))
	if err := bundleAssets(out, used); err != nil {
		return err
	}
	return os.WriteFile(page, []byte(StripANSI(string(b))), 0o644)
}

// sharedStyle is the size above which a page's <style> block (nbconvert's
// stylesheet, about 0.5 MB in every page) is kept once beside the gallery
// instead of in each page.
const sharedStyle = 64 << 10

var anyStyleBlock = regexp.MustCompile(`(?s)<style[^>]*>(.*?)</style>`)

// shareStyles moves every <style> block larger than sharedStyle into
// assets/style-HASH.css (named by its SHA-256, so pages exported by another
// nbconvert keep theirs) and links it in its place. The gallery's pages are
// at its top level, beside assets/.
func shareStyles(page []byte, out string) ([]byte, error) {
	var werr error
	page = anyStyleBlock.ReplaceAllFunc(page, func(block []byte) []byte {
		if len(block) < sharedStyle || werr != nil {
			return block
		}
		css := anyStyleBlock.FindSubmatch(block)[1]
		sum := sha256.Sum256(css)
		name := fmt.Sprintf("style-%x.css", sum[:6])
		p := filepath.Join(out, AssetsDir, name)
		if _, err := os.Stat(p); err != nil {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				werr = err
				return block
			}
			if err := os.WriteFile(p, css, 0o644); err != nil {
				werr = err
				return block
			}
		}
		return []byte(`<link rel="stylesheet" href="` + AssetsDir + "/" + name + `">`)
	})
	return page, werr
}

func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
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
