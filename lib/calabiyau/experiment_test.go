package calabiyau

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// Every bad parameter is caught by Validate, with the valid range in the message.
func TestExperimentValidate(t *testing.T) {
	if err := DefaultSigma().Validate(); err != nil {
		t.Errorf("DefaultSigma: %v", err)
	}
	if err := DefaultDonaldson().Validate(); err != nil {
		t.Errorf("DefaultDonaldson: %v", err)
	}
	sigma := map[string]func(*SigmaExperiment){
		"singular":             func(e *SigmaExperiment) { e.Psi = "1" },
		"want fermat or dwork": func(e *SigmaExperiment) { e.Family = "k3" },
		"no modulus":           func(e *SigmaExperiment) { e.Family = "fermat" },
		"like 10+3i":           func(e *SigmaExperiment) { e.Psi = "ten" },
		"want 1 to 8":          func(e *SigmaExperiment) { e.K = 0 },
		"want at least 50":     func(e *SigmaExperiment) { e.Points = 10 },
		"want at least 0":      func(e *SigmaExperiment) { e.BalancedIterations = -1 },
		// 10¹² points of 256 + 64·35 bytes: beyond any machine.
		"--points 1000000000000 needs about": func(e *SigmaExperiment) { e.Points = 1_000_000_000_000 },
		// 10⁵ iterations x 10⁵ points x 35² products: 10¹³, over the 10¹² limit.
		"--iteration-points 100000 means 1.2e+13 point-section products": func(e *SigmaExperiment) { e.BalancedIterations, e.IterationPoints = 100_000, 100_000 },
		"--iteration-points 60 are too few for 70 sections: want at least 70": func(e *SigmaExperiment) {
			e.K, e.BalancedIterations, e.IterationPoints = 4, 1, 60
		},
	}
	for want, mod := range sigma {
		e := DefaultSigma()
		mod(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("sigma %q: error %v", want, err)
		}
		if _, err := e.Run(context.Background(), nil); err == nil {
			t.Errorf("sigma %q: Run accepted it", want)
		}
	}
	donaldson := map[string]func(*DonaldsonExperiment){
		"iterations 0: want at least 1": func(e *DonaldsonExperiment) { e.Iterations = 0 },
		"want at least 70":              func(e *DonaldsonExperiment) { e.Points = 60 },
		"--eval-points 10 are too few":  func(e *DonaldsonExperiment) { e.EvalPoints = 10 },
		"want 1 to 8":                   func(e *DonaldsonExperiment) { e.K = 9 },
	}
	for want, mod := range donaldson {
		e := DefaultDonaldson()
		mod(&e)
		if err := e.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("donaldson %q: error %v", want, err)
		}
	}
}

// A small Donaldson run lowers σ, keeps one row per iteration, and its report
// survives a JSON round trip (the notebook caches it).
func TestDonaldsonExperiment(t *testing.T) {
	e := DefaultDonaldson()
	e.K, e.Iterations, e.Points, e.EvalPoints, e.KeepEta = 2, 2, 3000, 3000, true
	r, err := e.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.SigmaPerIteration) != 2 || len(r.SigmaStderrPerIteration) != 2 || !(r.SigmaFinal < 0.8*r.SigmaInitial) ||
		len(r.EtaFinal) != 3000 || r.SigmaFinal != r.SigmaPerIteration[1] {
		t.Errorf("report %+v", r)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back DonaldsonReport
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(*r, back) {
		t.Errorf("JSON round trip: %v", err)
	}
	if f := r.SigmaFigure(); f.Err() != nil {
		t.Error(f.Err())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Run(ctx, nil); err == nil {
		t.Error("cancelled context accepted")
	}
}

// σ after balanced iterations is below σ at H = 1 on the same seed.
func TestSigmaExperiment(t *testing.T) {
	e := DefaultSigma()
	e.K, e.Points, e.IterationPoints = 2, 3000, 3000
	one, err := e.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.BalancedIterations, e.KeepEta = 2, true
	bal, err := e.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.Sections != 15 || !(bal.Sigma < 0.8*one.Sigma) || len(bal.Eta) != 3000 || one.Eta != nil {
		t.Errorf("H = 1: %+v\nbalanced: sigma %g, %d eta", one, bal.Sigma, len(bal.Eta))
	}
}

// The studies check every run's parameters first.
func TestStudyValidate(t *testing.T) {
	if err := DefaultSymmetryStudy().Validate(); err != nil {
		t.Errorf("DefaultSymmetryStudy: %v", err)
	}
	if err := DefaultDegreeStudy().Validate(); err != nil {
		t.Errorf("DefaultDegreeStudy: %v", err)
	}
	s := DefaultSymmetryStudy()
	s.Points = nil
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "want at least one value") {
		t.Errorf("no points: %v", err)
	}
	s.Points = []int{300, 40}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "points 40 per iteration are too few for 70 sections: want at least 70") {
		t.Errorf("40 points: %v", err)
	}
	d := DefaultDegreeStudy()
	for want, mod := range map[string]func(*DegreeStudy){
		"want at least one k in 1..8":      func(d *DegreeStudy) { d.Degrees = nil },
		"want 1 to 8":                      func(d *DegreeStudy) { d.Degrees = []int{1, 9} },
		"extra points -1: want at least 0": func(d *DegreeStudy) { d.ExtraPoints = -1 },
		"no modulus":                       func(d *DegreeStudy) { d.Base.Psi = "1+1i" },
	} {
		c := d
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", want, err)
		}
	}
}

// With few points per iteration the symmetric iteration ends clearly lower
// than the plain one (as TestSymmetricDonaldsonNeedsFewerPoints); on the
// Fermat quintic σ of the balanced metric falls from k = 1 to k = 3.
func TestStudies(t *testing.T) {
	s := DefaultSymmetryStudy()
	s.Base.K, s.Base.Iterations, s.Base.EvalPoints, s.Points = 3, 4, 3000, []int{800}
	r, err := s.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 1 || !(r.Rows[0].Symmetric < r.Rows[0].Plain-0.02) || r.Orbits < 1 {
		t.Errorf("symmetry study %+v", r)
	}
	d := DefaultDegreeStudy()
	d.Degrees, d.Base.Iterations, d.Base.EvalPoints, d.ExtraPoints = []int{1, 3}, 3, 3000, 2000
	dr, err := d.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(dr.Rows) != 2 || dr.Rows[1].Sections != 35 || dr.Rows[1].Points != 2*35*35+2000 || !(dr.Rows[1].Sigma < 0.7*dr.Rows[0].Sigma) {
		t.Errorf("degree study %+v", dr)
	}
	if f := dr.Figure(); f.Err() != nil {
		t.Error(f.Err())
	}
}

// The volume study matches cyjax's 0.947 ± 0.001 at ψ = 10+3i, with every
// point on the variety; bad sizes and moduli are rejected first.
func TestVolumeStudy(t *testing.T) {
	s := DefaultVolumeStudy()
	s.Sizes = []int{500, 20000}
	r, err := s.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	last := r.Rows[1]
	if len(r.Rows) != 2 || last.Residual > 1e-11 || math.Abs(last.Volume-CyjaxVolume) > 3*math.Hypot(last.Stderr, 0.001) {
		t.Errorf("report %+v", r)
	}
	if f := r.Figure(); f.Err() != nil {
		t.Error(f.Err())
	}
	for want, mod := range map[string]func(*VolumeStudy){
		"sample size 10 is too few: want at least 50": func(s *VolumeStudy) { s.Sizes = []int{10} },
		"want at least one":                           func(s *VolumeStudy) { s.Sizes = nil },
		"singular":                                    func(s *VolumeStudy) { s.Psi = "1" },
	} {
		c := DefaultVolumeStudy()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", want, err)
		}
	}
}
