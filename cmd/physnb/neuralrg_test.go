package main

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/flows/mnistrg"
)

// `physnb ising exact`: Kaufman's lnZ equals the brute-force sum on 4x4 and
// the bound is Fix - lnZ.
func TestIsingExactCommand(t *testing.T) {
	var r nrgExactReport
	if err := runJSON(t, runIsing, &r, "exact", "--L", "4"); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.LnZ-r.LnZBruteForce) > 1e-9 || math.Abs(r.ExactBound-(r.Fix-r.LnZ)) > 1e-12 || r.LnZ == 0 {
		t.Errorf("lnz %v, brute force %v, fix %v, bound %v", r.LnZ, r.LnZBruteForce, r.Fix, r.ExactBound)
	}
}

// `physnb neuralrg train --quick`: the report's JSON fields are there and the
// loss lies above the exact bound and well below its starting value.
func TestNeuralRGTrainQuick(t *testing.T) {
	var raw map[string]any
	if err := runJSON(t, runNeuralRG, &raw, "train", "--quick", "--out", t.TempDir()+"/run"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"loss", "loss_per_site", "exact_bound", "rel_err", "acceptance", "ess", "epochs", "seconds", "samples_per_second", "backend"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	loss, bound, rel := raw["loss"].(float64), raw["exact_bound"].(float64), raw["rel_err"].(float64)
	if !(loss > bound-0.5 && rel < 0.15) {
		t.Errorf("quick run: loss %v, bound %v, rel_err %v", loss, bound, rel)
	}
	// The hybrid chain's energy agrees with Kaufman's within its error bar, which is informative.
	e, se, exact := raw["energy_per_site"].(float64), raw["energy_per_site_err"].(float64), raw["energy_per_site_exact"].(float64)
	if math.Abs(e-exact) > 5*se || se > 0.05 || se <= 0 {
		t.Errorf("quick run: E/N %v ± %v, exact %v", e, se, exact)
	}
}

func TestNeuralRGBadArguments(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--L", "6"}, "power of two"},
		{[]string{"train", "--L", "5", "--arch", "tebd"}, "even L"},
		{[]string{"train", "--T", "0"}, "temperature"},
		{[]string{"train", "--L", "8", "--depth", "4"}, "log2 L = 3"},
		{[]string{"train", "--d", "3"}, "two-dimensional"},
		{[]string{"fit"}, "unknown subcommand"},
		{[]string{"mnist", "--depth", "6"}, "depth"},
	}
	for _, c := range cases {
		err := runNeuralRG(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("physnb neuralrg %v: error %v, want one mentioning %q", c.args, err, c.want)
		}
	}
	if err := runIsing([]string{"exact", "--T", "-1"}); err == nil || !strings.Contains(err.Error(), "temperature") {
		t.Errorf("ising exact --T -1: %v", err)
	}
}

// `physnb neuralrg mnist --quick`: the trained flow beats the untrained one on test images by bits.
func TestNeuralRGMNISTQuick(t *testing.T) {
	if _, _, err := mnistrg.Load(""); err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	var r mnistrg.Report
	if err := runJSON(t, runNeuralRG, &r, "mnist", "--quick"); err != nil {
		t.Fatal(err)
	}
	if !(r.TestBPD < r.UntrainedBPD-2 && r.TestBPD > 0 && r.TestImages == 256) {
		t.Errorf("quick MNIST run: test bits/dim %v, untrained %v, %d test images", r.TestBPD, r.UntrainedBPD, r.TestImages)
	}
}
