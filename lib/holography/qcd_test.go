package holography

import (
	"math"
	"os"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/backend"
)

// The boundary expansion must solve φ” + 4φ' + 3φ = λφ³ (AdS₅, m² = -3)
// up to the first neglected order: Π must be dφ/dη (checked by central
// differences), and the residual, computed with φ” = Π' written out by hand,
// must approach -3λα²(β + cη) e^{-5η} with c = -λα³/2 (the cross term of φ³).
func TestQCDBoundaryExpansion(t *testing.T) {
	mq, cond, L, lambda := 0.9, 0.05, 2.0, 0.7
	alpha, beta := BoundaryCoefficients(mq, cond, L)
	c := -lambda * alpha * alpha * alpha / 2
	for _, eta := range []float64{2, 3} {
		phi, pi := BoundaryField(eta, mq, cond, L, lambda)
		const h = 1e-5
		pPlus, _ := BoundaryField(eta+h, mq, cond, L, lambda)
		pMinus, _ := BoundaryField(eta-h, mq, cond, L, lambda)
		if fd := (pPlus - pMinus) / (2 * h); math.Abs(fd-pi) > 1e-8*math.Abs(pi) {
			t.Errorf("η=%g: Π = %g, dφ/dη by differences %g", eta, pi, fd)
		}
		e1, e3 := math.Exp(-eta), math.Exp(-3*eta)
		dPi := alpha*e1 + 9*beta*e3 + c*(9*eta-6)*e3
		residual := dPi + 4*pi + 3*phi - lambda*phi*phi*phi
		want := -3 * lambda * alpha * alpha * (beta + c*eta) * math.Exp(-5*eta)
		tol := map[float64]float64{2: 0.05, 3: 0.01}[eta] // next order is e^{-2η} smaller
		if math.Abs(residual/want-1) > tol {
			t.Errorf("η=%g: residual %g, leading neglected term %g", eta, residual, want)
		}
	}
	if _, err := GenerateQCD(QCDConfig{Layers: 15, EtaUV: 0.1, EtaIR: 1, Epsilon: 0.1, Dev: 0.01, MassMax: 1, CondMax: 1, Noise: 1}, nil, 1, 1); err == nil || !strings.Contains(err.Error(), "out of order") {
		t.Errorf("swapped cut-offs: %v", err)
	}
}

// The graph network must reproduce the host propagation (same Euler layers).
func TestQCDGraphMatchesHost(t *testing.T) {
	cfg := DefaultQCDConfig()
	tr := DefaultQCDTraining()
	tr.InitHStd, tr.InitRadius, tr.InitLambda = 2, 3, 0.3
	net, err := NewQCDNetwork(cfg, tr)
	if err != nil {
		t.Fatal(err)
	}
	mq := []float64{0, 0.005, 0.01, 0.02}
	cond := []float64{0.01, 0.04, 0.07, 0.1}
	exec := model.MustNewExec(backend.Must(), net.Store, func(scope *model.Scope, m, c *Node) *Node {
		return net.Forward(m, c)
	})
	got := tensors.MustCopyFlatData[float64](exec.MustCall(mq, cond)[0])
	h, lambda, radius := net.Params()
	for i := range mq {
		if want := PropagateQCD(cfg, h, radius, lambda, mq[i], cond[i]); math.Abs(got[i]-want) > 1e-10*math.Max(1, math.Abs(want)) {
			t.Errorf("Π(η_IR) at (%g, %g): graph %g, host %g", mq[i], cond[i], got[i], want)
		}
	}
}

// The polynomial fit recovers a cubic from points on it, and the lattice
// file reads as 7 points whose cubic fit passes within 1e-3 GeV³ of each.
func TestQCDLatticeFit(t *testing.T) {
	exact := &QCDLattice{}
	for _, m := range []float64{0, 0.003, 0.007, 0.012, 0.02} {
		exact.Mass = append(exact.Mass, m)
		exact.Cond = append(exact.Cond, 0.001+7*m-150*m*m+1200*m*m*m)
	}
	_, coef, err := exact.Fit(3)
	if err != nil {
		t.Fatal(err)
	}
	for j, w := range []float64{0.001, 7, -150, 1200} {
		if math.Abs(coef[j]-w) > 1e-6*math.Max(1, math.Abs(w)) {
			t.Errorf("coefficient %d: %g, want %g", j, coef[j], w)
		}
	}
	if _, _, err := exact.Fit(5); err == nil {
		t.Error("degree 5 through 5 points should fail")
	}
	if os.Getenv("PHYSNB_DATA") == "" {
		t.Setenv("PHYSNB_DATA", "../../../shared/data")
	}
	lat, err := LoadQCDLattice()
	if err != nil {
		t.Skipf("lattice data not available: %v", err)
	}
	curve, _, err := lat.Fit(3)
	if err != nil || len(lat.Mass) != 7 {
		t.Fatalf("%d points, %v", len(lat.Mass), err)
	}
	for i := range lat.Mass {
		if d := math.Abs(curve(lat.Mass[i]) - lat.Cond[i]); d > 1e-3 {
			t.Errorf("cubic fit misses lattice point %d by %g GeV³", i, d)
		}
	}
	data, err := GenerateQCD(DefaultQCDConfig(), curve, 300, 2)
	if err != nil || data.Positives() != 300 || data.Len() != 600 {
		t.Fatalf("QCD data: %v", err)
	}
	for i := range data.Phi {
		if data.Label[i] == 0 && math.Abs(data.Pi[i]-curve(data.Phi[i])) > 5*DefaultQCDConfig().Noise {
			t.Errorf("positive %d (%g, %g) lies %g from the curve", i, data.Phi[i], data.Pi[i], data.Pi[i]-curve(data.Phi[i]))
		}
	}
}

// The searched start must classify its data as well as it reports, its
// metric must be AdS at the boundary end of the family (H → 4 as x → 0),
// and bad input is refused.
func TestSearchQCDStart(t *testing.T) {
	cfg := DefaultQCDConfig()
	curve := func(m float64) float64 { return 8 * m }
	d, err := GenerateQCD(cfg, curve, 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	st, err := SearchQCDStart(cfg, d, 400, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := qcdAccuracy(cfg, st.H, st.Radius, st.Lambda, d); got != st.Accuracy || got < 0.5 {
		t.Errorf("reported accuracy %g, recomputed %g (want equal and ≥ 0.5)", st.Accuracy, got)
	}
	if len(st.H) != cfg.Layers || math.Abs(st.H[0]-QCDDim) > 0.2*math.Abs(st.H[len(st.H)-1]-QCDDim)+1e-9 {
		t.Errorf("searched H %v should start near 4 and bend away from it toward the horizon", st.H)
	}
	if _, err := SearchQCDStart(cfg, d, 1, 1); err == nil || !strings.Contains(err.Error(), "trials") {
		t.Errorf("one trial: %v", err)
	}
}
