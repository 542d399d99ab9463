package nb

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestPickFollowsQuickMode(t *testing.T) {
	t.Setenv(EnvQuick, "1")
	if !Quick() || Pick(1, 2) != 1 || Mode() != "quick" {
		t.Fatal("PHYSNB_QUICK=1 must select quick values")
	}
	t.Setenv(EnvQuick, "0")
	if Quick() || Pick(1, 2) != 2 || Mode() != "full" {
		t.Fatal("PHYSNB_QUICK=0 must select full values")
	}
}

func TestModeFromTheNotebookUnlessTheRunnerSetsIt(t *testing.T) {
	t.Setenv(EnvQuick, "")
	t.Setenv(EnvMode, "quick")
	if !Quick() {
		t.Fatal("PHYSNB_MODE=quick must select quick mode")
	}
	t.Setenv(EnvMode, "full")
	if Quick() {
		t.Fatal("PHYSNB_MODE=full must select full mode")
	}
	t.Setenv(EnvQuick, "1") // physnb notebooks run --quick
	if !Quick() {
		t.Fatal("PHYSNB_QUICK=1 must win over the notebook's choice")
	}
	t.Setenv(EnvQuick, "0")
	t.Setenv(EnvMode, "quick")
	if Quick() {
		t.Fatal("PHYSNB_QUICK=0 must win over the notebook's choice")
	}
}

func TestCheckPanicsWithMessage(t *testing.T) {
	defer func() {
		r := recover()
		ce, ok := r.(*CheckError)
		if !ok || ce.Msg != "acc 0.5 < 0.9" {
			t.Fatalf("recovered %v", r)
		}
	}()
	Check(true, "never")
	Check(false, "acc %.1f < %.1f", 0.5, 0.9)
	t.Fatal("Check(false) returned")
}

func TestSeed(t *testing.T) {
	t.Setenv(EnvSeed, "")
	if Seed() != 42 {
		t.Fatal("default seed")
	}
	t.Setenv(EnvSeed, "7")
	if Seed() != 7 {
		t.Fatal("PHYSNB_SEED")
	}
}

func TestSaveLoadAcrossCells(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	type result struct {
		Losses []float64
		Acc    float64
	}
	var got result
	if err := Load("training", &got); err == nil {
		t.Fatal("Load before Save must fail, saying which cell to run")
	}
	want := result{Losses: []float64{3, 2, 1}, Acc: 0.97}
	MustSave("training", want)
	MustLoad("training", &got)
	if got.Acc != want.Acc || len(got.Losses) != 3 || got.Losses[2] != 1 {
		t.Fatalf("got %+v", got)
	}
	if err := Save("../escape", 1); err == nil {
		t.Fatal("names with path separators must be refused")
	}
}

func TestCachedComputesOncePerParams(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	type params struct{ Epochs int }
	calls := 0
	run := func(p params) func() ([]float64, error) {
		return func() ([]float64, error) { calls++; return []float64{float64(p.Epochs), 2}, nil }
	}
	a := MustCached("fit", params{3}, run(params{3}))
	b := MustCached("fit", params{3}, run(params{3}))
	if calls != 1 || a[0] != 3 || b[0] != 3 || len(b) != 2 {
		t.Fatalf("same key and params: %d calls, got %v then %v", calls, a, b)
	}
	if c := MustCached("fit", params{4}, run(params{4})); calls != 2 || c[0] != 4 {
		t.Fatalf("a changed parameter must recompute: %d calls, got %v", calls, c)
	}
	// A new kernel has a new state folder: nothing stale comes back.
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	if MustCached("fit", params{3}, run(params{3})); calls != 3 {
		t.Fatalf("a new kernel must recompute: %d calls", calls)
	}
	// The mode is part of the key.
	t.Setenv(EnvQuick, "1")
	if MustCached("fit", params{3}, run(params{3})); calls != 4 {
		t.Fatalf("quick and full mode must not share results: %d calls", calls)
	}
}

func TestCachedKeepsNothingOnError(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	calls := 0
	fail := func() (int, error) { calls++; return 0, errors.New("diverged") }
	cell := func(fn func() (int, error)) (int, error) { return Cached("fit", 1, fn) } // one cell, run twice
	if _, err := cell(fail); err == nil || err.Error() != "diverged" {
		t.Fatalf("want fn's error, got %v", err)
	}
	if v, err := cell(func() (int, error) { calls++; return 7, nil }); err != nil || v != 7 || calls != 2 {
		t.Fatalf("after an error the same cell run again must compute: %v %v %d", v, err, calls)
	}
	if _, err := Cached("../x", 1, fail); err == nil {
		t.Fatal("keys with path separators must be refused")
	}
	if _, err := Cached("f", func() {}, fail); err == nil || !strings.Contains(err.Error(), "cannot be hashed") {
		t.Fatalf("unhashable parameters: %v", err)
	}
}

func TestDirIsPerKernelAndMode(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	t.Setenv(EnvQuick, "1")
	q := Dir("wine-checkpoint")
	t.Setenv(EnvQuick, "0")
	f := Dir("wine-checkpoint")
	if q == f {
		t.Fatal("quick and full mode share a run folder")
	}
	if st, err := os.Stat(f); err != nil || !st.IsDir() {
		t.Fatalf("Dir must create the folder: %v", err)
	}
	if Dir("wine-checkpoint") != f {
		t.Fatal("Dir is not stable")
	}
}

func TestDirForFollowsTheParameters(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	type params struct{ Depth int }
	a, b := DirFor("flow", params{2}), DirFor("flow", params{3})
	if a == b || DirFor("flow", params{2}) != a {
		t.Fatalf("DirFor: %s %s", a, b)
	}
	if st, err := os.Stat(a); err != nil || !st.IsDir() {
		t.Fatal("DirFor must create the folder")
	}
}

func TestWarningBoxNamesTheValues(t *testing.T) {
	h := warningBox("test accuracy 0.812, expected > 0.9 <x>")
	if !strings.Contains(h, "test accuracy 0.812, expected &gt; 0.9 &lt;x&gt;") || !strings.Contains(h, "physnb notebooks run") {
		t.Fatalf("warning box: %s", h)
	}
}
