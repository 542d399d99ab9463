package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// timingWords are the snake_case words that mark a JSON field as a
// measurement of time (a duration, a rate per second, a date), which two
// runs of the same computation do not share: a field whose name contains
// one of them as a word is removed before comparing (seconds,
// chain_seconds, seconds_per_step, images_per_second, steps_per_second,
// ...). No other field is removed: none of the commands below writes a
// folder, so no report names a temporary path, and a report that did would
// fail the test rather than be excused by it.
var timingWords = []string{"seconds", "second", "elapsed", "duration", "date", "time", "timestamp"}

// isTimingKey reports whether a JSON field name is a timing by the rule of
// timingWords, or ends in "_per_s" (images_per_s).
func isTimingKey(k string) bool {
	if strings.HasSuffix(k, "_per_s") {
		return true
	}
	for _, w := range strings.Split(strings.ToLower(k), "_") {
		if slices.Contains(timingWords, w) {
			return true
		}
	}
	return false
}

// withoutKeys returns v (decoded JSON) with every object field for which
// drop is true removed, at any depth; it also returns the paths removed.
func withoutKeys(v any, path string, drop func(string) bool, removed map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if drop(k) {
				removed[path+"."+k] = true
				continue
			}
			m[k] = withoutKeys(e, path+"."+k, drop, removed)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = withoutKeys(e, path+"[]", drop, removed)
		}
		return l
	}
	return v
}

// firstDiff names the first path where a and b (decoded JSON) differ.
func firstDiff(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path
		}
		keys := []string{}
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if d := firstDiff(x[k], y[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path
		}
		for i := range x {
			if d := firstDiff(x[i], y[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Sprintf("%s (%v vs %v)", path, a, b)
	}
	return ""
}

// Same seed, same JSON: one small command of each walkthrough, run twice
// with the same --seed and --json on the default backend (vision cnn on
// backend.Parallel, as the command always is), prints the same JSON once
// the timing fields (isTimingKey) are removed, down to the last bit of
// every float. A third run with another seed must print a different JSON
// even with the fields naming the seed removed, so that a command that
// ignored --seed (or printed nothing that depends on it) fails. ising exact
// and descriptors soap have no randomness and no --seed: they are only run
// twice. A command whose data is not installed is skipped, naming it.
func TestDeterminism(t *testing.T) {
	visionData(t)
	bin := buildCLI(t)
	for _, c := range []struct {
		name string
		args []string
		seed bool // takes --seed
	}{
		{"holography train", []string{"holography", "train", "--epochs", "2", "--n", "32"}, true},
		{"neuralrg train", []string{"neuralrg", "train", "--quick", "--epochs", "10"}, true},
		{"neuralrg mnist", []string{"neuralrg", "mnist", "--steps", "5", "--train-images", "64", "--test-images", "32",
			"--batch", "16", "--depth", "2", "--hidden", "8"}, true},
		{"ising exact", []string{"ising", "exact", "--L", "8"}, false},
		{"cy sigma", []string{"cy", "sigma", "--points", "200", "--k", "2"}, true},
		{"cy train", []string{"cy", "train", "--steps", "20", "--points", "20", "--k", "1"}, true},
		{"forces train", []string{"forces", "train", "--epochs", "20", "--n", "10"}, true},
		{"descriptors soap", []string{"descriptors", "soap", "--positions", "0,0,0;0,0,0.74;0.5,0.5,0", "--species", "H,H,O"}, false},
		{"wine", []string{"wine", "--epochs", "2", "--hidden", "4"}, true},
		{"vision cnn", []string{"vision", "cnn", "--dataset", "fashion", "--epochs", "1", "--train-limit", "128",
			"--test-limit", "64", "--batch", "32"}, true},
		{"vision transfer", []string{"vision", "transfer", "--epochs", "2", "--labels", "20", "--test-limit", "100"}, true},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			run := func(seed int) (any, map[string]bool) {
				t.Helper()
				args := append(slices.Clone(c.args), "--json")
				if c.seed {
					args = append(args, "--seed", fmt.Sprint(seed))
				}
				out, errOut, err := runBin(bin, args...)
				if err != nil {
					if strings.Contains(errOut, "or set PHYSNB_DATA to a folder that already holds") {
						t.Skipf("physnb %s: its data is not installed:\n%s", c.name, errOut)
					}
					t.Fatalf("physnb %s: %v\n%s", strings.Join(args, " "), err, errOut)
				}
				var v any
				if err := json.Unmarshal([]byte(out), &v); err != nil {
					t.Fatalf("physnb %s: the JSON: %v", strings.Join(args, " "), err)
				}
				removed := map[string]bool{}
				return withoutKeys(v, "", isTimingKey, removed), removed
			}
			a, removed := run(3)
			b, _ := run(3)
			if d := firstDiff(a, b, ""); d != "" {
				t.Errorf("two runs with the same seed differ at %s", d)
			}
			names := []string{}
			for k := range removed {
				names = append(names, k)
			}
			slices.Sort(names)
			t.Logf("timing fields removed: %v", names)
			if !c.seed {
				return
			}
			other, _ := run(4)
			noSeed := func(v any) any {
				return withoutKeys(v, "", func(k string) bool { return slices.Contains(strings.Split(k, "_"), "seed") }, map[string]bool{})
			}
			if firstDiff(noSeed(a), noSeed(other), "") == "" {
				t.Errorf("--seed 3 and --seed 4 print the same JSON (the seed fields and timings aside)")
			}
		})
	}
}

// The timing rule removes what varies between runs and keeps the results.
func TestDeterminismTimingRule(t *testing.T) {
	for k, want := range map[string]bool{
		"seconds": true, "chain_seconds": true, "seconds_per_step": true, "images_per_second": true,
		"steps_per_second": true, "samples_per_second": true, "images_per_s": true, "elapsed": true, "date": true,
		"loss": false, "loss_per_step": false, "energy_per_site": false, "test_accuracy": false, "sections": false,
		"seed": false, "steps": false, "lnz_per_site": false, "estimate": false, "eta_uv": false,
	} {
		if got := isTimingKey(k); got != want {
			t.Errorf("isTimingKey(%q) = %v, want %v", k, got, want)
		}
	}
}
