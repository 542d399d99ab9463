// Package nb holds the few helpers every physnb notebook shares: quick mode,
// result checks that fail the notebook test, and a reproducible seed.
//
// Quick mode is what the tests and CI run: the same walkthrough with small sizes.
// It is switched on by the environment variable PHYSNB_QUICK=1 (the command
// `physnb notebooks run --quick` sets it), and a notebook's parameter cell reads
//
//	epochs := nb.Pick(20, 300)   // quick, full
//
// so that both sets of values stand side by side.
//
// GoNB compiles and runs each cell as a new program: declarations carry over
// to later cells, values do not. [Cached] keeps a result (an experiment's
// report) from one cell to the next, keyed by its parameters and the kernel;
// [Dir] is a per-kernel folder for checkpoints and other files; [Save] and
// [Load] pass a named value on by hand.
package nb

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// EnvQuick is the variable that turns quick mode on ("1", "true", "yes").
const EnvQuick = "PHYSNB_QUICK"

// EnvSeed overrides the default random seed of the notebooks.
const EnvSeed = "PHYSNB_SEED"

// Quick reports whether the notebook runs in quick mode.
func Quick() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv(EnvQuick))) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
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

// Check panics with the formatted message when ok is false. Notebooks use it to
// assert on what they computed, so that executing the notebook is a test:
//
//	nb.Check(acc > 0.97, "test accuracy %.3f, expected > 0.97", acc)
func Check(ok bool, format string, args ...any) {
	if !ok {
		panic(&CheckError{Msg: fmt.Sprintf(format, args...)})
	}
}

// Must returns v, or panics with err: for notebook cells, where a panic shows well.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
