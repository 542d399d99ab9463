package nb

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// EarlierFailure is the error of a [Cached] call whose result an earlier
// cell tried to compute and failed: it names that cell by the statement
// that asked for the result, and gives the first error.
type EarlierFailure struct {
	Key  string    // the result's key
	Site string    // the statement of the cell whose computation failed
	Err  string    // that computation's error (or panic)
	Time time.Time // when it failed
}

func (e *EarlierFailure) Error() string {
	return fmt.Sprintf("nb: the result %q failed in an earlier cell, the one with `%s` (at %s): %s; "+
		"fix the cause there and run that cell again, then this one", e.Key, e.Site, e.Time.Format("15:04:05"), e.Err)
}

// maxErrLen bounds the recorded error, so the message stays a few lines.
const maxErrLen = 600

func recordFailure(path, key, site, msg string) {
	if len(msg) > maxErrLen {
		msg = msg[:maxErrLen] + " …"
	}
	b, err := json.Marshal(EarlierFailure{Key: key, Site: site, Err: msg, Time: time.Now()})
	if err == nil {
		// Best effort: without the record a later cell computes again, as it would anyway.
		_ = writeAtomic(path, b)
	}
}

func readFailure(path string) (*EarlierFailure, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var f EarlierFailure
	if json.Unmarshal(b, &f) != nil || f.Site == "" {
		return nil, false
	}
	return &f, true
}

// callSite names the cell that is asking for a result: the statement of the
// program's main function, which in GoNB is the cell's own code, read from
// the generated main.go ($GONB_TMP_DIR/main.go). Outside main (a goroutine,
// a test) it is the first statement outside this package. The text, not the
// line number, is kept: the line moves when other cells add declarations.
func callSite() string {
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Dir(self)
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	var outside, inMain *runtime.Frame
	for {
		f, more := frames.Next()
		ours := filepath.Dir(f.File) == dir && !strings.HasSuffix(f.File, "_test.go")
		if !ours && outside == nil {
			f := f
			outside = &f
		}
		if f.Function == "main.main" && !strings.HasSuffix(f.File, "_testmain.go") { // not go test's own main
			f := f
			inMain = &f
		}
		if !more {
			break
		}
	}
	site := inMain
	if site == nil {
		site = outside
	}
	if site == nil {
		return "?"
	}
	if text := sourceLine(site.File, site.Line); text != "" {
		return text
	}
	return fmt.Sprintf("%s:%d", filepath.Base(site.File), site.Line)
}

// sourceLine returns line n of file, trimmed and shortened; "" if unreadable.
func sourceLine(file string, n int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			s := strings.TrimSpace(sc.Text())
			if len(s) > 100 {
				s = s[:100] + " …"
			}
			return s
		}
	}
	return ""
}

// interactive reports whether a student is at the notebook: a GoNB kernel
// not run by `physnb notebooks run` or the tests ([EnvStrict]).
func interactive() bool { return gonbui.IsNotebook && os.Getenv(EnvStrict) != "1" }

// exit ends the cell's program; tests replace it.
var exit = os.Exit

// stop ends a notebook cell with err. In an interactive notebook it shows
// the message in a box and exits (GoNB then marks the cell failed, and the
// student reads one message, not a goroutine trace); elsewhere it panics,
// so that the run and the tests fail with the message and its trace.
func stop(err error) {
	if !interactive() {
		panic(err)
	}
	gonbui.DisplayHTML(errorBox(err))
	gonbui.Sync()
	exit(1)
}

// errorBox is the HTML of an error that stops a cell in an interactive notebook.
func errorBox(err error) string {
	title := "This cell stopped:"
	msg := err.Error()
	var ef *EarlierFailure
	if errors.As(err, &ef) {
		title = "This cell needs a result that an earlier cell failed to compute."
		msg = fmt.Sprintf("The result %q failed in the cell with <code>%s</code> (at %s):<br><code>%s</code><br>"+
			"Fix the cause there (a parameter, a missing file) and run that cell again, then this one.",
			ef.Key, html.EscapeString(ef.Site), ef.Time.Format("15:04:05"), html.EscapeString(ef.Err))
	} else {
		msg = html.EscapeString(msg)
	}
	return `<div style="border:1px solid #c00;border-left:6px solid #c00;background:#fdecec;` +
		`padding:8px 12px;margin:6px 0;font-family:sans-serif;font-size:14px;white-space:pre-wrap">` +
		`<b>` + title + `</b> ` + msg + `</div>`
}
