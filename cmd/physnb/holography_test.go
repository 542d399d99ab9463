package main

import (
	"strings"
	"testing"
)

// A quick run of the horizon series on charged data must report the JSON
// fields the command has always printed and tell the charge apart: the
// learned H is closer to RN(0.9) than to Schwarzschild, which differs from
// it by 1.75% RMS.
func TestHolographyTrainSeriesJSON(t *testing.T) {
	m := mustRunJSON(t, runHolography, "train", "--metric", "rn", "--charge", "0.9", "--param", "series", "--quick", "--epochs", "3")
	for _, k := range []string{"train_loss", "test_accuracy", "h_rel_err_rms", "h_rel_err_max", "epochs", "seconds", "backend", "h_dist_schwarzschild_rms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report lacks %q: %v", k, m)
		}
	}
	toRN, toS := m["h_rel_err_rms"].(float64), m["h_dist_schwarzschild_rms"].(float64)
	if !(toRN < 0.008 && toS > 0.014) {
		t.Errorf("rn data, series: RMS distance to RN(0.9) %.4f, to Schwarzschild %.4f: want ≤ 0.008 and ≥ 0.014", toRN, toS)
	}
}

func TestHolographyBadArguments(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--metric", "rn", "--charge", "2"}, "Q"},
		{[]string{"train", "--layers", "0"}, "--layers 0: want 1 to 1000"},
		{[]string{"train", "--eta-uv", "0.1", "--eta-ir", "1"}, "out of order"},
		{[]string{"train", "--param", "spline"}, "use ansatz, series or perlayer"},
		{[]string{"train", "--param", "series", "--k", "1"}, "want 2 ≤ K ≤ 8"},
		{[]string{"fit"}, "usage"},
	}
	for _, c := range cases {
		err := runHolography(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("physnb holography %v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
}
