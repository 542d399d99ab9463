package forcefield

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/descriptors/soap"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/potentials/lj"
)

func TestEvenlySpacedMatchesNumpy(t *testing.T) {
	// numpy.linspace(0, 199, 30).astype(int), the lesson's training indices
	// (evaluated as int(i*199/29) for i = 0..29).
	want := []int{0, 6, 13, 20, 27, 34, 41, 48, 54, 61, 68, 75, 82, 89, 96, 102, 109, 116, 123, 130, 137, 144, 150, 157, 164, 171, 178, 185, 192, 199}
	got := EvenlySpaced(200, 30)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("EvenlySpaced(200, 30) = %v\nwant %v", got, want)
		}
	}
}

func TestScaler(t *testing.T) {
	// Mean and population standard deviation by hand; a constant column keeps scale 1
	// (scikit-learn's StandardScaler behaviour for zero variance).
	d := [][]float64{{1, 5}, {3, 5}, {5, 5}}
	s := FitScaler(d)
	if s.Mean[0] != 3 || math.Abs(s.Scale[0]-math.Sqrt(8.0/3)) > 1e-15 || s.Mean[1] != 5 || s.Scale[1] != 1 {
		t.Errorf("scaler %+v", s)
	}
	ds := &Dataset{R: []float64{0, 1, 2}, D: d, E: []float64{0, 0, 0},
		DD: [][][][]float64{{{{2, 7}, {0, 0}, {0, 0}}}, {{{2, 7}, {0, 0}, {0, 0}}}, {{{2, 7}, {0, 0}, {0, 0}}}},
		F:  [][][3]float64{{{}}, {{}}, {{}}}}
	out := s.Transform(ds)
	if math.Abs(out.D[2][0]-2/math.Sqrt(8.0/3)) > 1e-15 || out.D[0][1] != 0 {
		t.Errorf("transformed D %v", out.D)
	}
	if math.Abs(out.DD[0][0][0][0]-2/math.Sqrt(8.0/3)) > 1e-15 || out.DD[0][0][0][1] != 7 {
		t.Errorf("derivatives must be divided by the same scales: %v", out.DD[0][0][0])
	}
}

// forwardGo evaluates the model in float64 by hand, with its analytic gradient
// ∂E/∂D = W₁ (w₂ ⊙ σ'(z)), σ' = σ(1−σ).
func forwardGo(m *Model, d []float64) (e float64, grad []float64) {
	grad = make([]float64, m.NFeatures)
	e = float64(m.B2)
	for h := 0; h < m.NHidden; h++ {
		z := float64(m.B1[h])
		for f := 0; f < m.NFeatures; f++ {
			z += d[f] * float64(m.W1[f*m.NHidden+h])
		}
		s := 1 / (1 + math.Exp(-z))
		e += float64(m.W2[h]) * s
		for f := 0; f < m.NFeatures; f++ {
			grad[f] += float64(m.W2[h]) * s * (1 - s) * float64(m.W1[f*m.NHidden+h])
		}
	}
	return e, grad
}

func smallDataset(t *testing.T) *Dataset {
	t.Helper()
	ds, err := Dimers(num.Linspace(2.5, 5, 40), lj.MustNew(lj.New(1, 2.9)), SOAPAt(soap.MustNew(soap.New("H")), [3]float64{}))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestPredictForcesMatchAnalyticChainRule(t *testing.T) {
	ds := smallDataset(t)
	scaled := FitScaler(ds.D).Transform(ds)
	m := NewModel(ds.NumFeatures(), 5, rand.New(rand.NewPCG(1, 2)))
	p, err := Predict(backend.Must(), m, scaled)
	if err != nil {
		t.Fatal(err)
	}
	for i := range scaled.D {
		e, g := forwardGo(m, scaled.D[i])
		if math.Abs(p.E[i]-e) > 1e-4*math.Max(1, math.Abs(e)) {
			t.Errorf("sample %d: energy %g, by hand %g", i, p.E[i], e)
		}
		for a := range scaled.DD[i] {
			for k := 0; k < 3; k++ {
				var f float64
				for j := range g {
					f -= g[j] * scaled.DD[i][a][k][j]
				}
				if math.Abs(p.F[i][a][k]-f) > 1e-4*math.Max(1, math.Abs(f)) {
					t.Errorf("sample %d atom %d xyz %d: force %g, chain rule by hand %g", i, a, k, p.F[i][a][k], f)
				}
			}
		}
	}
}

// lossGo is the lesson's loss in float64 for a model on samples idx.
func lossGo(m *Model, ds *Dataset, idx []int, varE, varF float64) float64 {
	var le, lf float64
	var nf int
	for _, i := range idx {
		e, g := forwardGo(m, ds.D[i])
		le += (e - ds.E[i]) * (e - ds.E[i])
		for a := range ds.DD[i] {
			for k := 0; k < 3; k++ {
				var f float64
				for j := range g {
					f -= g[j] * ds.DD[i][a][k][j]
				}
				lf += (f - ds.F[i][a][k]) * (f - ds.F[i][a][k])
				nf++
			}
		}
	}
	return le/float64(len(idx))/varE + lf/float64(nf)/varF
}

func TestFirstAdamStepFollowsLossGradientSign(t *testing.T) {
	// Adam's first step is −lr · g/(|g| + ε) ≈ −lr · sign(g) for every parameter
	// (m̂ = g, v̂ = g²), so one epoch of one batch must move each parameter by lr
	// against the sign of ∂L/∂θ, which we get here by central finite differences
	// of the loss written by hand in float64.
	ds := smallDataset(t)
	scaled := FitScaler(ds.D).Transform(ds)
	cfg := Lesson()
	cfg.BatchSize = 4
	idx := []int{3, 11, 20, 37}
	train := scaled.Subset(idx)
	m := NewModel(ds.NumFeatures(), 3, rand.New(rand.NewPCG(5, 6)))
	varE, varF := 1.7, 40.0
	exec, err := NewExec(backend.Must(), epochGraph(cfg, 4))
	if err != nil {
		t.Fatal(err)
	}
	st := newAdamState(m)
	args := append(append(m.params(), st.args()...), matrix(train.D), tensor4(train.DD), vec32(train.E), forces32(train.F), []int32{0, 1, 2, 3})
	args = append(args, matrix(train.D), tensor4(train.DD), vec32(train.E), forces32(train.F), float32(varE), float32(varF), float32(cfg.LearningRate))
	out, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	next, _ := st.update(m, out)
	if got := tensors.ToScalar[float32](out[12]); got != 1 {
		t.Errorf("step count %g, want 1", got)
	}
	check := func(name string, before, after []float32, set func(i int, v float32)) {
		for i := range before {
			const h = 1e-3
			orig := before[i]
			set(i, orig+h)
			lp := lossGo(m, scaled, idx, varE, varF)
			set(i, orig-h)
			lm := lossGo(m, scaled, idx, varE, varF)
			set(i, orig)
			g := (lp - lm) / (2 * h)
			if math.Abs(g) < 1e-3 {
				continue // sign not resolvable in float32
			}
			step := float64(after[i] - before[i])
			if want := -cfg.LearningRate * math.Copysign(1, g); math.Abs(step-want) > 2e-4 {
				t.Errorf("%s[%d]: step %g, want %g (dL/dθ = %g)", name, i, step, want, g)
			}
		}
	}
	check("W1", m.W1, next.W1, func(i int, v float32) { m.W1[i] = v })
	check("B1", m.B1, next.B1, func(i int, v float32) { m.B1[i] = v })
	check("W2", m.W2, next.W2, func(i int, v float32) { m.W2[i] = v })
	b2 := []float32{m.B2}
	check("B2", b2, []float32{next.B2}, func(_ int, v float32) { m.B2 = v })
}

func TestShortTrainingLearns(t *testing.T) {
	// 400 epochs of the lesson's recipe on its data set: the model must beat
	// by far the best constant predictor (the mean energy, zero force).
	ds, err := Dimers(num.Linspace(2.5, 5, 200), lj.MustNew(lj.New(1, 2.9)), SOAPAt(soap.MustNew(soap.New("H")), [3]float64{}))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Lesson()
	cfg.MaxEpochs = 400
	res, err := Train(backend.Must(), ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mean, baseE, baseF float64
	for _, e := range ds.E {
		mean += e / float64(ds.Len())
	}
	for i := range ds.E {
		baseE += math.Abs(ds.E[i]-mean) / float64(ds.Len())
		baseF += math.Abs(ds.F[i][0][0]) / float64(ds.Len())
	}
	t.Logf("after %d epochs: %+v (constant predictor: E %.3f, F %.3f)", res.Epochs, res.Metrics, baseE, baseF)
	if res.Metrics.EnergyMAE > baseE/10 || res.Metrics.ForceMAE > baseF/5 {
		t.Errorf("energy MAE %.4f (baseline %.4f), force MAE %.4f (baseline %.4f): not learning", res.Metrics.EnergyMAE, baseE, res.Metrics.ForceMAE, baseF)
	}
	if len(res.TrainIdx) != 24 || len(res.ValidIdx) != 6 {
		t.Errorf("split %d/%d, want 24/6", len(res.TrainIdx), len(res.ValidIdx))
	}
}

func TestSineDatasetDerivativesConsistent(t *testing.T) {
	// The Sine-matrix data set: the only varying feature is M_01 = M_10, and the
	// LJ forces are antisymmetric.
	ds, err := Dimers(num.Linspace(2.5, 5, 5), lj.MustNew(lj.New(1, 2.9)), SineMatrix(sine.MustNew(sine.New(2).CubicCell(20))))
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds.D {
		if ds.D[i][0] != 0.5 || ds.D[i][1] != ds.D[i][2] || ds.F[i][0][0] != -ds.F[i][1][0] {
			t.Errorf("sample %d: D=%v F=%v", i, ds.D[i], ds.F[i])
		}
	}
}

func TestBadConfig(t *testing.T) {
	ds := smallDataset(t)
	for _, tc := range []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.NTrain = 100 }, "NTrain"},
		{func(c *Config) { c.ValidFraction = 1 }, "ValidFraction"},
		{func(c *Config) { c.LearningRate = math.NaN() }, "LearningRate"},
		{func(c *Config) { c.BatchSize = 0 }, "BatchSize"},
		{func(c *Config) { c.Hidden = 0 }, "Hidden"},
	} {
		cfg := Lesson()
		tc.mod(&cfg)
		if _, err := Train(backend.Must(), ds, cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one naming %s", err, tc.want)
		}
	}
}
