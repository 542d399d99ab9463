package main

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/calabiyau"
)

// `calabiyau sigma` reports the volume of the Dwork quintic at ψ = 10+3i in
// agreement with cyjax's 0.947 ± 0.001, and a σ at H = 1 that Donaldson
// iterations lower (cyjax, k = 4: 0.725 -> 0.156; here k = 2, small samples).
func TestCalabiYauSigmaAndDonaldsonCommands(t *testing.T) {
	var s calabiyau.SigmaReport
	if err := runJSON(t, runCalabiYau, &s, "sigma", "--family", "dwork", "--psi", "10+3i", "--k", "2", "--points", "20000"); err != nil {
		t.Fatal(err)
	}
	if s.Sections != 15 || s.Points != 20000 || !(s.Sigma > 0) || !(s.SigmaStderr > 0) {
		t.Errorf("report %+v", s)
	}
	if math.Abs(s.Volume-0.947) > 3*math.Hypot(s.VolumeStderr, 0.001) {
		t.Errorf("volume %g ± %g, cyjax 0.947 ± 0.001", s.Volume, s.VolumeStderr)
	}
	var d calabiyau.DonaldsonReport
	if err := runJSON(t, runCalabiYau, &d, "donaldson", "--psi", "10+3i", "--k", "2", "--iterations", "2", "--points", "3000", "--eval-points", "3000"); err != nil {
		t.Fatal(err)
	}
	if len(d.SigmaPerIteration) != 2 || !(d.SigmaFinal < 0.8*d.SigmaInitial) || !(d.SecondsPerIteration > 0) {
		t.Errorf("donaldson report %+v", d)
	}
}

// `donaldson --symmetric` projects onto the quintic's symmetries: with few
// points per iteration it ends at a clearly lower σ than the plain iteration
// (library test: TestSymmetricDonaldsonNeedsFewerPoints).
func TestCalabiYauSymmetricDonaldson(t *testing.T) {
	final := func(symmetric string) calabiyau.DonaldsonReport {
		var d calabiyau.DonaldsonReport
		if err := runJSON(t, runCalabiYau, &d, "donaldson", "--k", "3", "--iterations", "4", "--points", "800",
			"--eval-points", "3000", "--symmetric="+symmetric); err != nil {
			t.Fatal(err)
		}
		return d
	}
	plain, sym := final("false"), final("true")
	if !sym.Symmetric || plain.Symmetric || !(sym.SigmaFinal < plain.SigmaFinal-0.02) {
		t.Errorf("symmetric %v sigma %.4f, plain %v sigma %.4f", sym.Symmetric, sym.SigmaFinal, plain.Symmetric, plain.SigmaFinal)
	}
}

// Bad input gets an error naming the problem.
func TestCalabiYauBadInput(t *testing.T) {
	cases := map[string][]string{
		"singular":           {"sigma", "--psi", "1"},
		"--k 0: want 1 to 8": {"sigma", "--k", "0"},
		"too few":            {"sigma", "--points", "10"},
		"unknown":            {"sigma", "--family", "k3"},
		"complex":            {"sigma", "--psi", "ten"},
	}
	for want, args := range cases {
		var v map[string]any
		err := runJSON(t, runCalabiYau, &v, args...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v does not mention %q", args, err, want)
		}
	}
}

// The walkthrough's benchmarks, which live in the library, are registered.
func TestCalabiYauBenchWorkloads(t *testing.T) {
	for _, name := range []string{"cy-donaldson-step", "cy-sigma", "cy-sigma-graph", "cy-train-step"} {
		if _, err := bench.Get(name); err != nil {
			t.Error(err)
		}
	}
}
