package notebooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The hash of a tiny notebook is the SHA-256 of its code sources as a JSON
// array; running it (outputs, counts), its metadata and its prose leave it
// alone, and any change of a code cell changes it.
func TestCodeHashFollowsOnlyTheCode(t *testing.T) {
	dir := t.TempDir()
	hash := func(nb string) string {
		t.Helper()
		p := filepath.Join(dir, "x.ipynb")
		writeFile(t, p, nb)
		h, err := CodeHash(p)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	plain := hash(`{"cells": [
	 {"cell_type": "markdown", "metadata": {}, "source": "# T\nprose"},
	 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "%%\nfmt.Println(1)"},
	 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": "x := 2"}], "metadata": {}}`)
	// The definition, computed independently: sha256 of the JSON array of the two sources.
	want := sha256.Sum256([]byte(`["%%\nfmt.Println(1)","x := 2"]`))
	if plain != hex.EncodeToString(want[:]) {
		t.Fatalf("CodeHash = %s, want sha256 of the JSON array of code sources %x", plain, want)
	}
	executed := hash(`{"cells": [
	 {"cell_type": "markdown", "metadata": {"tags": ["x"]}, "source": ["# T\n", "other prose, edited"]},
	 {"cell_type": "code", "metadata": {"physnb": {"seconds": 3.2}, "tags": ["thumbnail"]}, "execution_count": 7,
	  "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}], "source": ["%%\n", "fmt.Println(1)"]},
	 {"cell_type": "code", "metadata": {}, "execution_count": 8, "outputs": [{"output_type": "error", "ename": "e", "evalue": "v"}], "source": ["x := 2"]}],
	 "metadata": {"physnb": {"mode": "full"}, "kernelspec": {"name": "physnb-cpu"}}}`)
	if executed != plain {
		t.Errorf("outputs, execution counts, metadata, prose or lines-vs-string storage changed the hash")
	}
	for what, nb := range map[string]string{
		"a changed code cell": `{"cells": [{"cell_type": "code", "source": "%%\nfmt.Println(2)"}, {"cell_type": "code", "source": "x := 2"}]}`,
		"an added code cell":  `{"cells": [{"cell_type": "code", "source": "%%\nfmt.Println(1)"}, {"cell_type": "code", "source": "x := 2"}, {"cell_type": "code", "source": ""}]}`,
		"reordered cells":     `{"cells": [{"cell_type": "code", "source": "x := 2"}, {"cell_type": "code", "source": "%%\nfmt.Println(1)"}]}`,
		"a joined cell":       `{"cells": [{"cell_type": "code", "source": "%%\nfmt.Println(1)x := 2"}]}`,
	} {
		if hash(nb) == plain {
			t.Errorf("%s left the hash unchanged", what)
		}
	}
}

// Stale names each notebook that changed or was never published, with the command that republishes it.
func TestStaleNamesTheNotebookAndTheCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.ipynb"), `{"cells": [{"cell_type": "code", "source": "x := 1"}]}`)
	writeFile(t, filepath.Join(dir, "b.ipynb"), `{"cells": [{"cell_type": "code", "source": "y := 1"}]}`)
	ha, _ := CodeHash(filepath.Join(dir, "a.ipynb"))
	hb, _ := CodeHash(filepath.Join(dir, "b.ipynb"))
	m := &Manifest{Notebooks: []Entry{{Name: "a", CodeSHA256: ha}, {Name: "b", CodeSHA256: hb}}}
	if s, err := Stale(dir, m); err != nil || s != nil {
		t.Fatalf("a current gallery: %v, %v", s, err)
	}
	writeFile(t, filepath.Join(dir, "b.ipynb"), `{"cells": [{"cell_type": "code", "source": "y := 2"}]}`)
	writeFile(t, filepath.Join(dir, "c.ipynb"), `{"cells": []}`)
	s, err := Stale(dir, m)
	if err != nil || len(s) != 2 {
		t.Fatalf("want b (changed) and c (missing): %q, %v", s, err)
	}
	if !strings.HasPrefix(s[0], "b: its code cells changed") || !strings.HasSuffix(s[0], "notebooks run --publish b") {
		t.Errorf("changed: %q", s[0])
	}
	if !strings.HasPrefix(s[1], "c has no published copy") || !strings.HasSuffix(s[1], "notebooks run --publish c") {
		t.Errorf("missing: %q", s[1])
	}
}

// The published gallery (docs/gallery) is a record of the notebooks as they
// are: every notebook has a published copy made from its present code, and
// the whole gallery stays within its size.
func TestPublishedGalleryIsCurrent(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Skip("not inside a checkout")
	}
	gallery := filepath.Join(root, "docs", "gallery")
	if _, err := os.Stat(filepath.Join(gallery, ManifestFile)); err != nil {
		t.Fatalf("docs/gallery/%s is missing: publish the gallery with  bin/physnb notebooks run --publish  (full mode, about 2.5 h on 2 cores; or one notebook at a time: --publish NAME)", ManifestFile)
	}
	m, err := LoadManifest(gallery)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(filepath.Join(root, "notebooks"), m)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stale {
		t.Error(s)
	}
	for _, e := range m.Notebooks {
		t.Logf("%s: %s mode, %s, %s, commit %s, ok %v", e.Name, e.Mode, duration(e.Seconds), e.Date, e.Commit, e.OK)
		if !e.OK {
			t.Errorf("the published copy of %s failed at cell %d: republish it with  bin/physnb notebooks run --publish %s", e.Name, e.Cell, e.Name)
		}
		for _, f := range []string{e.HTML, e.Thumbnail} {
			if f == "" {
				continue
			}
			if _, err := os.Stat(filepath.Join(gallery, f)); err != nil {
				t.Errorf("the manifest names %s for %s, and it is not in docs/gallery", f, e.Name)
			}
		}
	}
	n, err := Size(gallery)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("docs/gallery: %.1f MB", float64(n)/(1<<20))
	if n > MaxPublishedBytes {
		t.Errorf("docs/gallery weighs %.1f MB, more than %d MB", float64(n)/(1<<20), MaxPublishedBytes>>20)
	}
}

func TestReadingOrder(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "00-getting-started.ipynb"), `{"cells": [
	 {"cell_type": "markdown", "source": "Next: [zeta](zeta.ipynb), then [alpha](alpha.ipynb#part-2), [gone](gone.ipynb), [zeta again](zeta.ipynb)."},
	 {"cell_type": "code", "source": "// [not a link](beta.ipynb)"}]}`)
	for _, n := range []string{"alpha", "beta", "zeta", "delta"} {
		writeFile(t, filepath.Join(dir, n+".ipynb"), `{"cells": []}`)
	}
	got := strings.Join(ReadingOrder(dir), " ")
	if want := "00-getting-started zeta alpha beta delta"; got != want {
		t.Errorf("reading order %q, want %q (getting started, its links in order, the rest by name)", got, want)
	}
	root, err := RepoRoot()
	if err != nil {
		return
	}
	order := ReadingOrder(filepath.Join(root, "notebooks"))
	all, _ := Find(filepath.Join(root, "notebooks"), nil)
	if len(order) != len(all) || order[0] != GettingStarted {
		t.Errorf("the notebooks' reading order %v must start with %s and hold all %d", order, GettingStarted, len(all))
	}
	t.Logf("reading order: %v", order)
}

func TestDescribe(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ nb, want string }{
		{`{"cells": [{"cell_type": "markdown", "source": "# T\n\nA **bold** claim, with [a link](https://e.org) and $\\mathbb{CP}^4$. This notebook computes ` + "`x`" + ` as in Phys. Rev. D 98 and S.-H. Li et al. (2018). Then more."}]}`,
			"This notebook computes x as in Phys. Rev. D 98 and S.-H. Li et al. (2018)."},
		{`{"cells": [{"cell_type": "markdown", "source": ["# T\n", "\n", "First sentence here.\n", "Second one."]}]}`, "First sentence here."},
		{`{"cells": [{"cell_type": "markdown", "source": "# T\n\nThis notebook does three things:\n\n1. one"}]}`, "This notebook does three things."},
		{`{"metadata": {"physnb": {"description": "Said by the metadata."}}, "cells": [{"cell_type": "markdown", "source": "# T\n\nProse."}]}`, "Said by the metadata."},
		{`{"cells": [{"cell_type": "markdown", "source": "# T\n\n` + strings.Repeat("word ", 60) + `$a b$ end."}]}`, strings.TrimSpace(strings.Repeat("word ", 48)) + " …"},
	}
	for i, c := range cases {
		p := filepath.Join(dir, "d.ipynb")
		writeFile(t, p, c.nb)
		if got := Describe(p); got != c.want {
			t.Errorf("case %d: Describe = %q\nwant %q", i, got, c.want)
		}
	}
	root, err := RepoRoot()
	if err != nil {
		return
	}
	all, _ := Find(filepath.Join(root, "notebooks"), nil)
	for _, p := range all {
		d := Describe(p)
		t.Logf("%s: %s", filepath.Base(p), d)
		if d == "" || len([]rune(d)) > maxDescription+2 || strings.ContainsAny(d, "\n[]*") {
			t.Errorf("%s: the description must be one plain line of at most %d characters: %q", p, maxDescription, d)
		}
	}
}

func TestStripANSI(t *testing.T) {
	in := "\x1b[1;31merror:\x1b[0m undefined: x\r\x1b[K 50% \x1b]0;title\x07done \x1b]8;;http://e.org\x1b\\link\x1b]8;;\x1b\\ \x1bMup"
	if got, want := StripANSI(in), "error: undefined: x\r 50% done link up"; got != want {
		t.Errorf("StripANSI = %q, want %q", got, want)
	}
}

// Downscale averages the source pixels under each output pixel: stripes
// finer than a pixel become their mean grey, flat colour stays itself,
// transparency lends no colour.
func TestDownscale(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 640, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 640; x++ {
			switch {
			case y < 50 && x%2 == 0:
				src.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255})
			case y < 50:
				src.SetNRGBA(x, y, color.NRGBA{255, 255, 255, 255})
			case x < 320:
				src.SetNRGBA(x, y, color.NRGBA{200, 30, 10, 255})
			case x%2 == 0:
				src.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 255})
			default:
				src.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 0}) // transparent red
			}
		}
	}
	dst := Downscale(src, 320)
	if b := dst.Bounds(); b.Dx() != 320 || b.Dy() != 50 {
		t.Fatalf("size %v, want 320x50", b)
	}
	near := func(got color.Color, want color.NRGBA) bool {
		g := color.NRGBAModel.Convert(got).(color.NRGBA)
		d := func(a, b uint8) bool { return int(a) >= int(b)-1 && int(a) <= int(b)+1 }
		return d(g.R, want.R) && d(g.G, want.G) && d(g.B, want.B) && d(g.A, want.A)
	}
	for _, c := range []struct {
		x, y int
		want color.NRGBA
	}{{10, 10, color.NRGBA{128, 128, 128, 255}}, {10, 40, color.NRGBA{200, 30, 10, 255}}, {200, 40, color.NRGBA{0, 0, 255, 128}}} {
		if got := dst.At(c.x, c.y); !near(got, c.want) {
			t.Errorf("pixel (%d,%d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
	if small := Downscale(src, 1000); small != image.Image(src) {
		t.Error("an image narrower than the width must stay as it is")
	}
}

func pngBase64(t *testing.T, w, h int) string {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// The key figure is the first figure of a cell tagged "thumbnail", else the
// first figure; a PNG key figure becomes a PNG ThumbWidth wide.
func TestKeyFigureAndThumbnail(t *testing.T) {
	svg := `<svg width="100pt" height="50pt" viewBox="0 0 100 50" xmlns="http://www.w3.org/2000/svg"><rect width="100" height="50" fill="red"/></svg>`
	big := pngBase64(t, 800, 400)
	nbText := `{"cells": [
	 {"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "stream", "name": "stdout", "text": "no figure"}]},
	 {"cell_type": "code", "metadata": {}, "source": "", "outputs": [{"output_type": "display_data", "data": {"text/html": "<div>` + strings.ReplaceAll(svg, `"`, `\"`) + `</div>"}}]},
	 {"cell_type": "code", "metadata": {"tags": ["thumbnail"]}, "source": "", "outputs": [{"output_type": "display_data", "data": {"text/html": "<img src=\"data:image/png;base64,` + big + `\">"}}]}]}`
	dir := t.TempDir()
	p := filepath.Join(dir, "x.ipynb")
	writeFile(t, p, nbText)
	nb, err := read(p)
	if err != nil {
		t.Fatal(err)
	}
	f := keyFigure(nb)
	if f == nil || f.png == nil {
		t.Fatalf("the tagged cell's PNG must be the key figure: %+v", f)
	}
	rel, err := writeThumbnail(nb, dir, "x")
	if err != nil || rel != "thumbs/x.png" {
		t.Fatalf("thumbnail %q, %v", rel, err)
	}
	r, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cfg, err := png.DecodeConfig(r)
	if err != nil || cfg.Width != ThumbWidth || cfg.Height != ThumbWidth/2 {
		t.Fatalf("thumbnail %dx%d (%v), want %dx%d", cfg.Width, cfg.Height, err, ThumbWidth, ThumbWidth/2)
	}
	nb.Cells[2].Metadata.Tags = nil
	if f := keyFigure(nb); f == nil || !strings.HasPrefix(f.svg, "<svg") {
		t.Fatalf("untagged, the first figure (the SVG) must be the key figure: %+v", f)
	}
	nb.Cells = nb.Cells[:1]
	if rel, err := writeThumbnail(nb, dir, "x"); rel != "" || err != nil {
		t.Fatalf("a notebook without figures has no thumbnail: %q, %v", rel, err)
	}
}

// A minimal page as nbconvert writes it.
func fakePage(title string, headings ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><title>x</title></head>\n<body class=\"jp-Notebook\">\n")
	b.WriteString(`<h1 id="` + strings.ReplaceAll(title, " ", "-") + `">` + title + `<a class="anchor-link" href="#x">&#182;</a></h1>` + "\n")
	for _, h := range headings {
		id := strings.ReplaceAll(h, " ", "-")
		b.WriteString(`<h2 id="` + id + `">` + h + `<a class="anchor-link" href="#` + id + `">&#182;</a></h2><p>text</p>` + "\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// The index lists the manifest in reading order, without terminal escapes;
// each page gets previous / index / next links to pages that exist and a
// table of contents whose links are the headings' own ids; rebuilding
// replaces the block rather than adding one.
func TestWriteGalleryIndexAndNavigation(t *testing.T) {
	out := t.TempDir()
	writeFile(t, filepath.Join(out, "a.html"), fakePage("Alpha", "1. First part", "Second & last"))
	writeFile(t, filepath.Join(out, "b.html"), fakePage("Beta", "Only"))
	writeFile(t, filepath.Join(out, "c.html"), fakePage("Gamma"))
	m := &Manifest{}
	for _, e := range []Entry{
		{Name: "c", Title: "Gamma", HTML: "c.html", OK: true, Mode: "full", Seconds: 4000, Date: "2026-01-02T03:04:05Z", Commit: "abc1234"},
		{Name: "a", Title: "Alpha", HTML: "a.html", OK: true, Mode: "quick", Seconds: 25, Date: "2026-01-02T03:04:05Z", Commit: "abc1234+dirty", Description: "About $x$."},
		{Name: "b", Title: "Beta", HTML: "b.html", OK: false, Cell: 3, Error: "\x1b[31mpanic\x1b[0m: boom", Mode: "quick", Seconds: 90},
		{Name: "d", Title: "Delta", OK: false, Error: "no page"},
	} {
		m.put(e)
	}
	for range 2 {
		if err := writeGallery(out, m, []string{"a", "b", "c", "d"}); err != nil {
			t.Fatal(err)
		}
	}
	index, _ := os.ReadFile(filepath.Join(out, "index.html"))
	ix := string(index)
	if strings.Contains(ix, "\x1b") || strings.Contains(ix, "[31m") || !strings.Contains(ix, "panic: boom") {
		t.Errorf("the index must show the error without its escapes")
	}
	pos := func(s string) int { return strings.Index(ix, s) }
	if !(pos(`id="a"`) < pos(`id="b"`) && pos(`id="b"`) < pos(`id="c"`) && pos(`id="c"`) < pos(`id="d"`)) || pos(`id="a"`) < 0 {
		t.Errorf("the index is not in reading order")
	}
	for _, want := range []string{"25 s", "1 h 6 min", "2026-01-02 03:04 UTC", "abc1234&#43;dirty", "failed at cell 3", "quick mode"} {
		if !strings.Contains(ix, want) {
			t.Errorf("the index lacks %q", want)
		}
	}
	saved, err := LoadManifest(out)
	if err != nil || len(saved.Notebooks) != 4 || saved.Notebooks[0].Name != "a" {
		t.Fatalf("manifest saved in reading order: %+v, %v", saved, err)
	}
	page := func(n string) string { b, _ := os.ReadFile(filepath.Join(out, n+".html")); return string(b) }
	a, b, c := page("a"), page("b"), page("c")
	if strings.Count(a, "<!-- physnb:nav -->") != 1 {
		t.Fatalf("rebuilding must replace the navigation, not add another")
	}
	if strings.Contains(a, "previous:") || !strings.Contains(a, `next: <a href="b.html">Beta</a>`) ||
		!strings.Contains(b, `previous: <a href="a.html">Alpha</a>`) || !strings.Contains(b, `next: <a href="c.html">Gamma</a>`) ||
		strings.Contains(c, "next:") || !strings.Contains(c, `href="index.html"`) {
		t.Errorf("previous / next links wrong:\n%s", navBlock.FindString(b))
	}
	if !strings.Contains(a, "<title>Alpha · physnb</title>") {
		t.Errorf("the page title must be the notebook's")
	}
	// Every table-of-contents link leads to a heading id of the page (a
	// browser percent-decodes a fragment before it looks for the id).
	links := regexp.MustCompile(`<li class="h2"><a href="#([^"]+)">([^<]*)</a>`).FindAllStringSubmatch(a, -1)
	if len(links) != 2 || links[1][2] != "Second &amp; last" {
		t.Fatalf("table of contents: %q", links)
	}
	for _, l := range links {
		id, err := url.PathUnescape(l[1])
		if err != nil || !strings.Contains(a, `<h2 id="`+id+`">`) {
			t.Errorf("contents link #%s has no heading", l[1])
		}
	}
}

// Publishing: a notebook that runs records its entry; run again with a
// failing cell, its published page and entry stay as they were, and the
// failed run's pages are kept elsewhere (needs Jupyter and the physnb-cpu kernel).
func TestPublishKeepsThePublishedCopyOfAFailedRun(t *testing.T) {
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("jupyter is not installed")
	}
	if out, err := exec.Command("jupyter", "kernelspec", "list").Output(); err != nil || !strings.Contains(string(out), "physnb-cpu") {
		t.Skip("the physnb-cpu kernel is not installed")
	}
	dir, out := t.TempDir(), t.TempDir()
	nb := func(code string) string {
		return `{"cells": [
 {"cell_type": "markdown", "metadata": {}, "source": ["# Tiny\n", "\n", "This notebook prints a line.\n", "\n", "## Part one"]},
 {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [], "source": ["%%\n", ` + code + `]}],
 "metadata": {"kernelspec": {"name": "physnb-cpu", "display_name": "Go (physnb, CPU)", "language": "go"}},
 "nbformat": 4, "nbformat_minor": 5}`
	}
	p := filepath.Join(dir, "tiny.ipynb")
	writeFile(t, p, nb(`"fmt.Println(\"published line\")"`))
	opts := Options{Dir: dir, Out: out, Kernel: "physnb-cpu", Timeout: 2 * time.Minute, Publish: true}
	rep, err := Run(opts)
	if err != nil || !rep.Notebooks[0].OK {
		t.Fatalf("first run: %+v, %v", rep, err)
	}
	m, _ := LoadManifest(out)
	first := m.Get("tiny")
	h, _ := CodeHash(p)
	if first == nil || first.CodeSHA256 != h || first.Description != "This notebook prints a line." || first.Mode != "full" || first.Cores < 1 || first.Machine == "" {
		t.Fatalf("entry after the first run: %+v", first)
	}
	writeFile(t, p, nb(`"panic(\"broken\")"`))
	rep, err = Run(opts)
	if err != nil || rep.Notebooks[0].OK || !strings.Contains(rep.Notebooks[0].Summary, "published copy of tiny is kept") {
		t.Fatalf("second run must fail and say the published copy is kept: %+v, %v", rep.Notebooks, err)
	}
	page, _ := os.ReadFile(filepath.Join(out, "tiny.html"))
	if !strings.Contains(string(page), "published line") || !strings.Contains(string(page), `href="#Part-one"`) {
		t.Error("the published page was replaced by the failed run, or lacks its contents")
	}
	if m, _ := LoadManifest(out); *m.Get("tiny") != *first {
		t.Errorf("the entry changed: %+v", m.Get("tiny"))
	}
	failed := rep.Notebooks[0].HTML
	if b, err := os.ReadFile(failed); err != nil || !strings.Contains(string(b), "broken") {
		t.Errorf("the failed run's page %s must be kept: %v", failed, err)
	} else {
		os.RemoveAll(filepath.Dir(failed))
	}
	if s, _ := Stale(dir, m); len(s) != 1 {
		t.Errorf("the changed notebook must show as stale: %q", s)
	}
}
