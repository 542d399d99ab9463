package nb

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/janpfeifer/gonb/gonbui"
)

// trainCell and plotCell stand for two notebook cells asking for the same
// result: each call is on a line of its own, which is how Cached tells the
// cells apart (in GoNB, by the statement of the cell's main function).
func trainCell(fn func() (int, error)) (int, error) { return Cached("fit", 1, fn) }
func plotCell(fn func() (int, error)) (int, error)  { return Cached("fit", 1, fn) }

func TestALaterCellNamesTheCellWhoseComputationFailed(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	calls := 0
	fail := func() (int, error) { calls++; return 0, errors.New("wine.csv: no such file") }
	ok := func() (int, error) { calls++; return 7, nil }

	if _, err := trainCell(fail); err == nil || err.Error() != "wine.csv: no such file" {
		t.Fatalf("the failing cell must get fn's own error, got %v", err)
	}
	// Another cell does not train again: it says which cell failed and why.
	_, err := plotCell(ok)
	var ef *EarlierFailure
	if !errors.As(err, &ef) || calls != 1 {
		t.Fatalf("a later cell must not recompute a failed result: %d calls, error %v", calls, err)
	}
	if ef.Key != "fit" || ef.Err != "wine.csv: no such file" || !strings.Contains(ef.Site, "trainCell") {
		t.Fatalf("the failure must name the key, the failing statement and the error: %+v", ef)
	}
	for _, want := range []string{`"fit"`, "earlier cell", "return Cached(\"fit\", 1, fn) }", "wine.csv: no such file", "run that cell again"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %s", want, err)
		}
	}
	// The failing cell run again computes anew; its result then serves every cell.
	if v, err := trainCell(ok); err != nil || v != 7 || calls != 2 {
		t.Fatalf("the failed cell run again must compute: %v %v, %d calls", v, err, calls)
	}
	if v, err := plotCell(fail); err != nil || v != 7 || calls != 2 {
		t.Fatalf("after the retry the later cell must read the result: %v %v, %d calls", v, err, calls)
	}
}

func TestAChangedParameterIsNotBlockedByAnEarlierFailure(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	if _, err := Cached("fit", 1, func() (int, error) { return 0, errors.New("diverged") }); err == nil {
		t.Fatal("want the error")
	}
	v, err := Cached("fit", 2, func() (int, error) { return 5, nil })
	if err != nil || v != 5 {
		t.Fatalf("other parameters are another computation: %v %v", v, err)
	}
}

func TestAPanicIsRecordedAndGoesOn(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	func() {
		defer func() {
			if r := recover(); r != "graph: shapes (3) and (4) differ" {
				t.Fatalf("the panic must go on unchanged, recovered %v", r)
			}
		}()
		trainCell(func() (int, error) { panic("graph: shapes (3) and (4) differ") })
	}()
	_, err := plotCell(func() (int, error) { return 1, nil })
	var ef *EarlierFailure
	if !errors.As(err, &ef) || ef.Err != "graph: shapes (3) and (4) differ" {
		t.Fatalf("a panicking computation must be recorded as failed: %v", err)
	}
}

func TestMustStopsAnInteractiveCellWithABox(t *testing.T) {
	// Outside a notebook (and under physnb notebooks run) Must panics with the error.
	func() {
		defer func() {
			if r, ok := recover().(error); !ok || r.Error() != "boom" {
				t.Fatalf("outside a notebook Must must panic with the error, got %v", r)
			}
		}()
		Must(0, errors.New("boom"))
	}()
	// In an interactive kernel it exits the cell instead (the box goes to GoNB).
	was := gonbui.IsNotebook
	gonbui.IsNotebook = true
	defer func() { gonbui.IsNotebook, exit = was, os.Exit }()
	t.Setenv("GONB_PIPE", "") // no pipe to GoNB: the box is dropped, the exit remains
	code := -1
	exit = func(c int) { code = c; panic("exited") }
	t.Setenv(EnvStrict, "")
	func() {
		defer func() { recover() }()
		Must(0, errors.New("boom"))
	}()
	if code != 1 {
		t.Fatalf("an interactive cell must exit with status 1, got %d", code)
	}
	// Strict mode (physnb notebooks run) panics, even in a kernel.
	t.Setenv(EnvStrict, "1")
	code = -1
	func() {
		defer func() {
			if r, ok := recover().(error); !ok || r.Error() != "boom" {
				t.Fatalf("in strict mode Must must panic with the error, got %v", r)
			}
		}()
		Must(0, errors.New("boom"))
	}()
	if code != -1 {
		t.Fatal("strict mode must not exit")
	}
}

func TestErrorBoxNamesTheCellToRun(t *testing.T) {
	ef := &EarlierFailure{Key: "cnn", Site: `rep := cnn(e) // <x>`, Err: "cnn.json: no such file & more"}
	h := errorBox(ef)
	for _, want := range []string{"earlier cell failed", `"cnn"`, "rep := cnn(e) // &lt;x&gt;", "no such file &amp; more", "run that cell again"} {
		if !strings.Contains(h, want) {
			t.Errorf("box lacks %q: %s", want, h)
		}
	}
	if h := errorBox(errors.New("a < b")); !strings.Contains(h, "a &lt; b") || !strings.Contains(h, "This cell stopped") {
		t.Errorf("box of a plain error: %s", h)
	}
}
