// Package nb holds the few helpers every physnb notebook shares: quick mode,
// result checks that fail the notebook test, and a reproducible seed.
//
// Quick mode is what the tests and CI run: the same walkthrough with small
// sizes, minutes instead of hours. A notebook chooses its mode in its
// parameter cell with GoNB's %env, which takes effect at once and for the
// cells after it, with no restart:
//
//	%env PHYSNB_MODE=quick
//
// ("full" for the reproduction), and its parameters read
//
//	epochs := nb.Pick(20, 300)   // quick, full
//
// so that both sets of values stand side by side. PHYSNB_QUICK, when set
// (`physnb notebooks run` sets it: 1 with --quick, 0 without), wins over the
// notebook's choice, so the tests and the gallery run the mode they ask for.
//
// GoNB compiles and runs each cell as a new program: declarations carry over
// to later cells, values do not. [Cached] keeps a result (an experiment's
// report) from one cell to the next, keyed by its parameters and the kernel;
// [Dir] is a per-kernel folder for checkpoints and other files; [Save] and
// [Load] pass a named value on by hand.
//
// A notebook guides rather than dumps traces. In an interactive kernel a
// failed [Check] shows a warning box and the notebook goes on; [Must] and
// the other Must functions stop the cell with the error in a box. A result
// whose computation failed is not computed again by every later cell that
// needs it: those cells say which cell failed, with its error, and that the
// student should fix it and run that cell again ([EarlierFailure]). Under
// `physnb notebooks run` and the tests ([EnvStrict]) all of these fail the
// run with a panic, as outside a notebook.
package nb

import (
	"fmt"
	"html"
	"os"
	"strconv"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// EnvQuick, when set, decides the mode: quick for "1", "true", "yes" or
// "on", full for anything else. It wins over [EnvMode].
const EnvQuick = "PHYSNB_QUICK"

// EnvMode is the notebook's own choice, "quick" or "full" (set with
// %env PHYSNB_MODE=quick in its parameter cell); full when unset.
const EnvMode = "PHYSNB_MODE"

// EnvSeed overrides the default random seed of the notebooks.
const EnvSeed = "PHYSNB_SEED"

// Quick reports whether the notebook runs in quick mode.
func Quick() bool {
	if v, set := os.LookupEnv(EnvQuick); set && strings.TrimSpace(v) != "" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "1", "true", "yes", "on":
			return true
		}
		return false
	}
	return strings.EqualFold(strings.TrimSpace(os.Getenv(EnvMode)), "quick")
}

// Pick returns quick in quick mode and full otherwise.
func Pick[T any](quick, full T) T {
	if Quick() {
		return quick
	}
	return full
}

// Mode returns "quick" or "full", for printing next to results.
func Mode() string { return Pick("quick", "full") }

// Seed returns the random seed notebooks use: $PHYSNB_SEED if set, else 42.
func Seed() uint64 {
	if s := os.Getenv(EnvSeed); s != "" {
		if v, err := strconv.ParseUint(s, 10, 64); err == nil {
			return v
		}
	}
	return 42
}

// CheckError is the panic value of a failed [Check]: the notebook test reports its message.
type CheckError struct{ Msg string }

func (e *CheckError) Error() string { return "result check failed: " + e.Msg }

// EnvStrict makes a failed [Check] stop the notebook ("1"): `physnb notebooks
// run` and the tests set it.
const EnvStrict = "PHYSNB_STRICT"

// Check states what a notebook expects of its result, so that executing the
// notebook is a test; the message names the measured and the expected value:
//
//	nb.Check(acc > 0.97, "test accuracy %.3f, expected > 0.97", acc)
//
// When ok is false, under `physnb notebooks run`, the tests or any program
// outside a notebook it panics with a [CheckError], failing the run. In an
// interactive notebook (a student who changed a parameter) it shows a
// warning box with the message instead, and the notebook goes on.
func Check(ok bool, format string, args ...any) {
	if ok {
		return
	}
	err := &CheckError{Msg: fmt.Sprintf(format, args...)}
	if !gonbui.IsNotebook || os.Getenv(EnvStrict) == "1" {
		panic(err)
	}
	gonbui.DisplayHTML(warningBox(err.Msg))
	gonbui.Sync()
}

// warningBox is the HTML of a failed check in an interactive notebook.
func warningBox(msg string) string {
	return `<div style="border:1px solid #d08700;border-left:6px solid #d08700;background:#fff8e6;` +
		`padding:8px 12px;margin:6px 0;font-family:sans-serif;font-size:14px">` +
		`<b>The result differs from what this notebook expects:</b> ` + html.EscapeString(msg) +
		`<br><span style="color:#555;font-size:12px">With the parameters as published this check holds; ` +
		`the notebook goes on with the values you chose. Under <code>physnb notebooks run</code> ` +
		`and the tests this check fails the run.</span></div>`
}

// Must returns v, or stops the cell with err: for notebook cells. In an
// interactive notebook the cell shows err in a box and stops, with no
// goroutine trace; under `physnb notebooks run`, the tests and outside a
// notebook it panics with err, failing the run.
func Must[T any](v T, err error) T {
	if err != nil {
		stop(err)
	}
	return v
}
