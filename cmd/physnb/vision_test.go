package main

import (
	"os"
	"strings"
	"testing"
)

// mustRunJSON is runJSON for commands that must succeed, decoded into a map.
func mustRunJSON(t *testing.T, run func([]string) error, args ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := runJSON(t, run, &m, args...); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return m
}

func visionData(t *testing.T) {
	if os.Getenv("PHYSNB_DATA") == "" {
		t.Setenv("PHYSNB_DATA", "../../../shared/data")
	}
}

// `physnb wine --epochs 5 --json`: the report's fields, a good classifier
// already (the lesson reaches 0.9969 in 100 epochs), and an exact checkpoint
// round trip.
func TestWineCommandJSON(t *testing.T) {
	visionData(t)
	m := mustRunJSON(t, runWine, "--epochs", "5", "--seed", "3")
	for _, k := range []string{"accuracy", "auc", "precision", "recall", "f1", "seconds", "confusion_matrix", "restored_max_abs_diff"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing: %v", k, m)
		}
	}
	if acc, _ := m["accuracy"].(float64); acc < 0.97 {
		t.Errorf("accuracy %v after 5 epochs", m["accuracy"])
	}
	if d, _ := m["restored_max_abs_diff"].(float64); d > 1e-6 {
		t.Errorf("checkpoint round trip differs by %v", d)
	}
}

// `physnb vision cnn` on a few hundred Fashion-MNIST images reports the
// report's fields; `vision` without a subcommand is an error naming them.
func TestVisionCNNCommandJSON(t *testing.T) {
	visionData(t)
	m := mustRunJSON(t, runVision, "cnn", "--dataset", "fashion", "--epochs", "1", "--train-limit", "256", "--test-limit", "128", "--batch", "64")
	for _, k := range []string{"test_accuracy", "train_accuracy", "images_per_second", "history"} {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
	if m["train_images"].(float64) != 256 || m["test_images"].(float64) != 128 {
		t.Errorf("image counts %v, %v", m["train_images"], m["test_images"])
	}
	if err := runVision(nil); err == nil {
		t.Error("physnb vision without a subcommand gave no error")
	}
}

// `physnb lesson wine --seed S` is `physnb wine --seed S`: the same model,
// trained the same way, and the seed is not ignored (another seed gives
// another split and initialisation, hence another training loss).
func TestLessonWineSeed(t *testing.T) {
	visionData(t)
	lesson := mustRunJSON(t, runLesson, "wine", "--epochs", "3", "--seed", "7")
	wine := mustRunJSON(t, runWine, "--epochs", "3", "--seed", "7")
	other := mustRunJSON(t, runLesson, "wine", "--epochs", "3", "--seed", "8")
	if lesson["seed"] != 7.0 || other["seed"] != 8.0 {
		t.Fatalf("seeds reported %v and %v, want 7 and 8", lesson["seed"], other["seed"])
	}
	for _, k := range []string{"accuracy", "auc", "f1", "final_train_loss"} {
		if lesson[k] != wine[k] {
			t.Errorf("%s: lesson wine %v, wine %v", k, lesson[k], wine[k])
		}
	}
	if lesson["final_train_loss"] == other["final_train_loss"] {
		t.Errorf("seeds 7 and 8 gave the same training loss %v", lesson["final_train_loss"])
	}
}

// Bad flags are refused with the valid range before any work: `--batch 0`
// used to panic with an integer divide by zero.
func TestVisionCNNAndWineBadFlags(t *testing.T) {
	visionData(t)
	for _, c := range []struct {
		run  func([]string) error
		args []string
		want string
	}{
		{runVision, []string{"cnn", "--dataset", "fashion", "--batch", "0"}, "--batch 0: want 1 to"},
		{runVision, []string{"cnn", "--dataset", "mnist"}, `dataset "mnist"`},
		{runVision, []string{"cnn", "--dataset", "fashion", "--train-limit", "-1"}, "want 0 (all) or more"},
		{runWine, []string{"--epochs", "0"}, "--epochs 0: want 1 to"},
		{runWine, []string{"--batch", "0"}, "--batch 0: want at least 1"},
	} {
		if err := c.run(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
