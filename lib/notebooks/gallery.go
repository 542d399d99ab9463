package notebooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The gallery is a folder of pages (NAME.html), their key figures
// (thumbs/), the scripts they share (assets/), the executed notebooks
// (executed/), manifest.json and index.html. The index and each page's
// navigation are rebuilt from the manifest after every run, so that
// notebooks can be run one at a time and the gallery stays whole.

// GettingStarted is the notebook that opens the reading order.
const GettingStarted = "00-getting-started"

// ThumbsDir holds the gallery's thumbnails, relative to its pages.
const ThumbsDir = "thumbs"

var ipynbLink = regexp.MustCompile(`\]\(([A-Za-z0-9_-]+)\.ipynb[#)]`)

// ReadingOrder is the order a reader meets the notebooks of dir: the
// getting-started notebook first, then the notebooks in the order it links
// them, then any others by name. It returns names (no .ipynb).
func ReadingOrder(dir string) []string {
	paths, err := Find(dir, nil)
	if err != nil {
		return nil
	}
	exists := map[string]bool{}
	for _, p := range paths {
		exists[strings.TrimSuffix(filepath.Base(p), ".ipynb")] = true
	}
	var order []string
	seen := map[string]bool{}
	add := func(n string) {
		if exists[n] && !seen[n] {
			seen[n] = true
			order = append(order, n)
		}
	}
	add(GettingStarted)
	if nb, err := read(filepath.Join(dir, GettingStarted+".ipynb")); err == nil {
		for _, c := range nb.Cells {
			if c.CellType != "markdown" {
				continue
			}
			for _, m := range ipynbLink.FindAllStringSubmatch(JoinSource(c.Source), -1) {
				add(m[1])
			}
		}
	}
	rest := []string{}
	for n := range exists {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range rest {
		add(n)
	}
	return order
}

var (
	mdLink     = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	mdEmphasis = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\x60([^\x60]*)\x60`)
	spaces     = regexp.MustCompile(`\s+`)
	// A sentence ends at ". " unless the word before the dot is an abbreviation.
	sentenceEnd   = regexp.MustCompile(`([^\s]+)[.!?]\s+`)
	abbreviations = map[string]bool{"Phys": true, "Rev": true, "Lett": true, "al": true, "e.g": true, "i.e": true,
		"vs": true, "Fig": true, "Eq": true, "Ref": true, "cf": true, "Sec": true, "No": true, "Vol": true}
)

// maxDescription is the longest description, in characters, before it is cut at a word.
const maxDescription = 240

// Describe is a notebook's one-line description: its metadata's
// physnb.description if it has one, else the first sentence of its first
// markdown cell that says what "this notebook" does (a colon that opens a
// list becomes a full stop), else the first
// sentence of the first paragraph after the title; markdown links and
// emphasis become plain text (math stays, for MathJax).
func Describe(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var meta struct {
		Metadata struct {
			Physnb struct {
				Description string `json:"description"`
			} `json:"physnb"`
		} `json:"metadata"`
	}
	if json.Unmarshal(b, &meta) == nil && strings.TrimSpace(meta.Metadata.Physnb.Description) != "" {
		return strings.TrimSpace(meta.Metadata.Physnb.Description)
	}
	nb, err := read(path)
	if err != nil {
		return ""
	}
	for _, c := range nb.Cells {
		if c.CellType != "markdown" {
			continue
		}
		var paras []string
		for _, p := range strings.Split(JoinSource(c.Source), "\n\n") {
			p = strings.TrimSpace(p)
			if p == "" || strings.HasPrefix(p, "#") || strings.HasPrefix(p, "$$") || strings.HasPrefix(p, "1.") || strings.HasPrefix(p, "- ") {
				continue
			}
			paras = append(paras, plainText(p))
		}
		if len(paras) == 0 {
			continue
		}
		for _, p := range paras {
			for _, s := range sentences(p) {
				if strings.HasPrefix(s, "This notebook") {
					return shorten(endSentence(s))
				}
			}
		}
		return shorten(endSentence(sentences(paras[0])[0]))
	}
	return ""
}

// plainText turns a paragraph of markdown into one line of text.
func plainText(md string) string {
	md = mdLink.ReplaceAllString(md, "$1")
	md = mdEmphasis.ReplaceAllStringFunc(md, func(m string) string {
		return strings.Trim(m, "*_\x60")
	})
	return strings.TrimSpace(spaces.ReplaceAllString(md, " "))
}

// sentences splits a line of text at its sentence ends (keeping the stops).
func sentences(s string) []string {
	var out []string
	start := 0
	for _, m := range sentenceEnd.FindAllStringSubmatchIndex(s, -1) {
		word := strings.Trim(s[m[2]:m[3]], "(*_")
		if abbreviations[word] || len([]rune(word)) == 1 || strings.Contains(word, ".") {
			continue
		}
		out = append(out, strings.TrimSpace(s[start:m[1]]))
		start = m[1]
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// endSentence ends a sentence that introduces a list (with a colon) with a full stop.
func endSentence(s string) string {
	if strings.HasSuffix(s, ":") {
		return strings.TrimSuffix(s, ":") + "."
	}
	return s
}

// shorten cuts a description at a word before maxDescription characters,
// never inside $...$ math.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxDescription {
		return s
	}
	cut := string(r[:maxDescription])
	for i := len(cut) - 1; i > 0; i-- {
		if cut[i] == ' ' && strings.Count(cut[:i], "$")%2 == 0 {
			return strings.TrimRight(cut[:i], ",;:") + " …"
		}
	}
	return cut + " …"
}

// ansi matches terminal escape sequences: CSI (colours, cursor moves), OSC
// (titles, links) and the two-byte ones.
var ansi = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b[@-Z\\\\-_]")

// StripANSI removes terminal escape sequences (colours from a compiler or a
// progress bar) from text meant for a page.
func StripANSI(s string) string { return ansi.ReplaceAllString(s, "") }

// heading matches the headings nbconvert writes, with the id it gives them.
var heading = regexp.MustCompile(`(?s)<h([1-3]) id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>[^<]*</a>)?</h[1-3]>`)

type tocItem struct {
	Level int
	ID    string
	Text  string
}

// toc lists a page's headings of level 2 and 3 (level 1 is the title).
func toc(page []byte) []tocItem {
	var out []tocItem
	for _, m := range heading.FindAllSubmatch(page, -1) {
		level := int(m[1][0] - '0')
		if level == 1 {
			continue
		}
		text := strings.TrimSpace(html.UnescapeString(htmlTag.ReplaceAllString(string(m[3]), "")))
		out = append(out, tocItem{Level: level, ID: html.UnescapeString(string(m[2])), Text: text})
	}
	return out
}

var (
	navBlock  = regexp.MustCompile(`(?s)<!-- physnb:nav -->.*?<!-- /physnb:nav -->\n?`)
	bodyOpen  = regexp.MustCompile(`<body[^>]*>\n?`)
	pageTitle = regexp.MustCompile(`<title>[^<]*</title>`)
)

var navTemplate = template.Must(template.New("nav").Parse(`<style>
.physnb-nav{font-family:sans-serif;font-size:14px;max-width:1100px;margin:12px auto 0;padding:8px 16px;border:1px solid #ddd;border-radius:4px;background:#fafafa}
.physnb-nav .links{display:grid;grid-template-columns:1fr auto 1fr;gap:1em}.physnb-nav .links span:last-child{text-align:right}
.physnb-nav a{color:#0550ae;text-decoration:none}.physnb-nav a:hover{text-decoration:underline}
.physnb-nav details{margin-top:6px}.physnb-nav summary{cursor:pointer;font-weight:bold}
.physnb-nav ul{margin:4px 0 0;padding-left:1em;list-style:none}.physnb-nav li.h3{margin-left:1.5em}
.physnb-nav .meta{color:#555;font-size:12px;margin-top:4px}
</style>
<nav class="physnb-nav" aria-label="gallery">
<div class="links"><span>{{if .Prev}}← previous: <a href="{{.Prev.Name}}.html">{{.Prev.Title}}</a>{{end}}</span>
<span><a href="index.html">all notebooks</a></span>
<span>{{if .Next}}next: <a href="{{.Next.Name}}.html">{{.Next.Title}}</a> →{{end}}</span></div>
<div class="meta">{{.Entry.Name}}.ipynb · {{.Entry.Mode}} mode · {{.Duration}} · run {{.Date}} at commit {{.Entry.Commit}} on {{.Entry.Machine}} ({{.Entry.Cores}} cores)</div>
{{if .TOC}}<details open><summary>Contents</summary><ul>
{{range .TOC}}<li class="h{{.Level}}"><a href="#{{.ID}}">{{.Text}}</a></li>
{{end}}</ul></details>{{end}}
</nav>`))

// decoratePage gives a page its navigation block (previous, index, next,
// how it was made) and its table of contents, replacing the block of an
// earlier run, and the notebook's title as the page title.
func decoratePage(page []byte, e Entry, prev, next *Entry) ([]byte, error) {
	page = navBlock.ReplaceAll(page, nil)
	var nav bytes.Buffer
	nav.WriteString("<!-- physnb:nav -->") // html/template drops comments: the markers go round it
	err := navTemplate.Execute(&nav, map[string]any{"Entry": e, "Prev": prev, "Next": next, "TOC": toc(page),
		"Duration": duration(e.Seconds), "Date": shortDate(e.Date)})
	if err != nil {
		return nil, err
	}
	nav.WriteString("<!-- /physnb:nav -->\n")
	loc := bodyOpen.FindIndex(page)
	if loc == nil {
		return nil, fmt.Errorf("page of %s has no <body>: not an nbconvert page", e.Name)
	}
	out := append(append(append([]byte{}, page[:loc[1]]...), nav.Bytes()...), page[loc[1]:]...)
	if e.Title != "" {
		out = pageTitle.ReplaceAll(out, []byte("<title>"+template.HTMLEscapeString(e.Title)+" · physnb</title>"))
	}
	return out, nil
}

// duration is a run time for people: "25 s", "4 min 30 s", "1 h 53 min".
func duration(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// shortDate shows an RFC 3339 date as "2006-01-02 15:04 UTC".
func shortDate(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

var indexTemplate = template.Must(template.New("index").Funcs(template.FuncMap{"duration": duration, "date": shortDate}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>physnb notebooks</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}
.nb{display:flex;gap:1.2em;padding:1em 0;border-bottom:1px solid #ddd}
.thumb{flex:0 0 320px;width:320px;min-height:60px;display:flex;align-items:flex-start;justify-content:center}
.thumb img{max-width:320px;border:1px solid #eee}.thumb .none{color:#999;font-size:85%;padding-top:1em}
.nb h2{margin:0 0 .3em;font-size:1.2em}.nb h2 a{color:#0550ae;text-decoration:none}.nb h2 a:hover{text-decoration:underline}
.desc{margin:0 0 .5em}.meta{font-size:85%;color:#555}.meta code{font-size:95%}
.ok{color:#007a3d}.failed{color:#c00}pre{white-space:pre-wrap;font-size:80%;margin:.3em 0;max-height:12em;overflow:auto}
</style>
{{if .MathJax}}<script type="text/x-mathjax-config">MathJax.Hub.Config({tex2jax:{inlineMath:[['$','$'],["\\(","\\)"]],processEscapes:true}});</script>
<script src="assets/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"></script>{{end}}
</head><body>
<h1>physnb notebooks</h1>
<p>The executed notebooks, in reading order: start with the first. Each entry says in which mode it ran
(<em>quick</em>: small sizes, as the tests run; <em>full</em>: the reproduction), how long it took, when,
and at which commit; the figure is the notebook's key result.</p>
{{range .Entries}}<div class="nb" id="{{.Name}}">
<div class="thumb">{{if .Thumbnail}}<a href="{{.HTML}}"><img src="{{.Thumbnail}}" alt="key figure of {{.Name}}" loading="lazy"></a>{{else}}<span class="none">no figure</span>{{end}}</div>
<div><h2>{{if .HTML}}<a href="{{.HTML}}">{{end}}{{if .Title}}{{.Title}}{{else}}{{.Name}}{{end}}{{if .HTML}}</a>{{end}}</h2>
<p class="desc">{{.Description}}</p>
<div class="meta"><code>{{.Name}}.ipynb</code> · {{if .OK}}<span class="ok">ok</span>{{else}}<span class="failed">failed{{if .Cell}} at cell {{.Cell}}{{end}}</span>{{end}}
· {{.Mode}} mode · {{duration .Seconds}} · {{date .Date}} · commit <code>{{.Commit}}</code> · {{.Machine}}, {{.Cores}} cores</div>
{{if not .OK}}<pre>{{.Error}}</pre>{{end}}</div></div>
{{end}}</body></html>
`))

// writeGallery rebuilds the index and every page's navigation from the
// manifest, in reading order, and saves the manifest.
func writeGallery(out string, m *Manifest, order []string) error {
	m.sortBy(order)
	if err := m.save(out); err != nil {
		return err
	}
	var pages []int // entries with a page, for previous / next
	for i, e := range m.Notebooks {
		if e.HTML != "" {
			if _, err := os.Stat(filepath.Join(out, e.HTML)); err == nil {
				pages = append(pages, i)
			}
		}
	}
	for k, i := range pages {
		var prev, next *Entry
		if k > 0 {
			prev = &m.Notebooks[pages[k-1]]
		}
		if k+1 < len(pages) {
			next = &m.Notebooks[pages[k+1]]
		}
		p := filepath.Join(out, m.Notebooks[i].HTML)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		b, err = decoratePage(b, m.Notebooks[i], prev, next)
		if err != nil {
			return err
		}
		if b, err = shareStyles(b, out); err != nil { // nbconvert's stylesheet, once for all pages
			return err
		}
		if err := writeAtomic(p, b); err != nil {
			return err
		}
	}
	_, err := os.Stat(filepath.Join(out, AssetsDir, "mathjax", "MathJax.js"))
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, map[string]any{"Entries": m.Notebooks, "MathJax": err == nil}); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(out, "index.html"), []byte(StripANSI(buf.String())))
}

// Size is the total size in bytes of the files under dir.
func Size(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// MaxPublishedBytes is the most the published gallery may weigh, all files together.
const MaxPublishedBytes = 15 << 20
