package mnistrg

import (
	"context"
	"strings"
	"testing"
)

// Every bad parameter is caught before any work, with its valid range.
func TestExperimentValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default: %v", err)
	}
	if err := Default().Quick().Validate(); err != nil {
		t.Fatalf("Quick: %v", err)
	}
	cases := []struct {
		mod  func(*Experiment)
		want string
	}{
		{func(e *Experiment) { e.Steps = -1 }, "steps -1: want at least 0"},
		{func(e *Experiment) { e.Batch = 0 }, "--batch 0: want 1 to 16384 images"},
		{func(e *Experiment) { e.LearningRate = -1 }, "--lr -1: want a positive, finite value"},
		{func(e *Experiment) { e.Depth = 6 }, "depth 6: want 1 to 5"},
		{func(e *Experiment) { e.Depth = 0 }, "depth 0: want 1 to 5"},
		{func(e *Experiment) { e.Hidden = 0 }, "--hidden 0: want 1 to 4096"},
		{func(e *Experiment) { e.TestImages = -1 }, "want at least 0 (0: all)"},
		{func(e *Experiment) { e.Alpha = 0.5 }, "alpha 0.5: want a value in [0, 0.5)"},
		{func(e *Experiment) { e.Generate = -1 }, "generate -1: want at least 0"},
		{func(e *Experiment) { e.Generate, e.Temperature = 2, 0 }, "temperature 0: want a positive value"},
	}
	for _, c := range cases {
		e := Default()
		c.mod(&e)
		err := e.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
		if _, err := e.Run(context.Background(), nil); err == nil {
			t.Errorf("Run accepted what Validate rejects (%q)", c.want)
		}
	}
}
