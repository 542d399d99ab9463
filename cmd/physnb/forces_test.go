package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestForcesLJCommand(t *testing.T) {
	out, err := captureStdout(t, func() error { return runForces([]string{"lj", "--distances", "2.5,3.0", "--json"}) })
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Cutoff float64 `json:"cutoff"`
		Dimers []struct {
			Distance float64      `json:"distance"`
			Energy   float64      `json:"energy"`
			Forces   [][3]float64 `json:"forces"`
		} `json:"dimers"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	// Closed form with the lesson's ε = 1, σ = 2.9 and ASE's shift at r_c = 3σ.
	u := func(r float64) float64 { return 4 * (math.Pow(2.9/r, 12) - math.Pow(2.9/r, 6)) }
	if rep.Cutoff != 8.7 || len(rep.Dimers) != 2 {
		t.Fatalf("report %+v", rep)
	}
	for _, d := range rep.Dimers {
		if want := u(d.Distance) - u(8.7); math.Abs(d.Energy-want) > 1e-12 {
			t.Errorf("d=%g: energy %g, want %g", d.Distance, d.Energy, want)
		}
	}
}

func TestDescriptorsCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"soap", "--positions", "0,0,0;0,0,0"}, "closer"},
		{[]string{"soap", "--positions", "0,0,0;1,0,0", "--n-max", "0"}, "--n-max 0: want 1 to 16"},
		{[]string{"soap", "--positions", "0,0,0;1,0,0", "--species", "H,Xx"}, "unknown chemical species"},
		{[]string{"soap", "--positions", "0,0;1,0,0"}, "3 coordinates"},
		{[]string{"sine", "--positions", "0,0,0;1,0,0"}, "--cell"},
	} {
		_, err := captureStdout(t, func() error { return runDescriptors(tc.args) })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.args, err, tc.want)
		}
	}
	out, err := captureStdout(t, func() error {
		return runDescriptors([]string{"soap", "--positions", "-1.5,0,0;1.5,0,0", "--centers", "0,0,0", "--derivatives", "--json"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Features    [][]float64     `json:"features"`
		Derivatives [][][][]float64 `json:"derivatives"`
		NFeatures   int             `json:"n_features"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	// DScribe's layout: [center][feature] and [center][atom][xyz][feature]; the lesson's 6 features.
	if rep.NFeatures != 6 || len(rep.Features) != 1 || len(rep.Features[0]) != 6 ||
		len(rep.Derivatives) != 1 || len(rep.Derivatives[0]) != 2 || len(rep.Derivatives[0][0]) != 3 || len(rep.Derivatives[0][0][0]) != 6 {
		t.Errorf("shapes: %+v", rep)
	}
	// Mirror symmetry of the centred dimer: ∂D/∂x_0 = −∂D/∂x_1.
	for f := 0; f < 6; f++ {
		if a, b := rep.Derivatives[0][0][0][f], rep.Derivatives[0][1][0][f]; math.Abs(a+b) > 1e-12 {
			t.Errorf("feature %d: ∂/∂x_0 = %g, ∂/∂x_1 = %g", f, a, b)
		}
	}
}

func TestForcesTrainRecipes(t *testing.T) {
	if _, err := captureStdout(t, func() error { return runForces([]string{"train", "--recipe", "fast"}) }); err == nil || !strings.Contains(err.Error(), "--recipe") {
		t.Errorf("unknown recipe: error %v, want one naming --recipe", err)
	}
	// A few epochs of each recipe: the report must say which recipe ran and
	// account for its epochs (the robust one trains 4 initialisations).
	for _, tc := range []struct {
		recipe        string
		totalPerEpoch int
	}{{"lesson", 1}, {"robust", 4}} {
		out, err := captureStdout(t, func() error {
			return runForces([]string{"train", "--recipe", tc.recipe, "--epochs", "8", "--seed", "3", "--json"})
		})
		if err != nil {
			t.Fatal(err)
		}
		var rep trainReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
		if rep.Recipe != tc.recipe || rep.Seed != 3 || rep.Epochs != 8 || rep.TotalEpochs != 8*tc.totalPerEpoch ||
			rep.EarlyStop || !strings.Contains(rep.StopReason, "MaxEpochs") || rep.BestEpoch >= 8 || rep.Restart >= tc.totalPerEpoch {
			t.Errorf("%s: report %+v", tc.recipe, rep)
		}
		if !(rep.EnergyMAE > 0) || !(rep.ForceMAE > 0) {
			t.Errorf("%s: MAEs %g, %g", tc.recipe, rep.EnergyMAE, rep.ForceMAE)
		}
	}
}
