package forcefield

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/num"
	"github.com/physnb/physnb/lib/potentials/lj"
)

// feed runs the decay and stopping rules of cfg on given per-epoch losses
// (validation, mean training) and returns the trajectory when it stops or the
// losses run out.
func feed(cfg Config, valid, fit []float64) *trajectory {
	r := newTrajectory(&problem{train: &Dataset{D: [][]float64{{0, 1}, {1, 0}}}}, cfg, rand.New(rand.NewPCG(1, 2)))
	for e := range valid {
		r.validLoss, r.epochLoss, r.lrs = append(r.validLoss, valid[e]), append(r.epochLoss, fit[e]), append(r.lrs, r.lr)
		cfg.afterEpoch(r)
		if r.stopped {
			break
		}
	}
	return r
}

// sawtooth is a validation loss that keeps falling on average but never rises
// two epochs in a row: 10, 11, 9, 10, 8, ...
func sawtooth(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1000 - float64(i/2) + float64(i%2)*1.5
	}
	return out
}

func TestLessonStopRuleCountsRisesInARow(t *testing.T) {
	cfg := Lesson()
	cfg.Patience = 3
	// Alternating noise never gives 4 non-decreasing epochs in a row: no stop,
	// even though the best (epoch 0's 5) is never beaten again.
	noisy := []float64{5, 6, 5.5, 6, 5.5, 6, 5.5, 6, 5.5, 6, 5.5, 6}
	if r := feed(cfg, noisy, noisy); r.stopped {
		t.Errorf("lesson rule stopped on alternating noise after %d epochs", len(r.validLoss))
	}
	// A steady rise from epoch 2: epochs 3,4,5,6 do not improve on their
	// predecessor, so the 4th of them (epoch 6, the 7th epoch) ends training.
	rise := []float64{5, 4, 4.5, 4.6, 4.7, 4.8, 4.9, 5, 5.1}
	r := feed(cfg, rise, rise)
	if !r.stopped || len(r.validLoss) != 6 || r.bestEpoch != 1 {
		t.Errorf("lesson rule: stopped %v after %d epochs (want after 6), best epoch %d (want 1)", r.stopped, len(r.validLoss), r.bestEpoch)
	}
}

func TestBestStopRuleCountsEpochsSinceBest(t *testing.T) {
	cfg := Lesson()
	cfg.Stop, cfg.Patience = StopNoNewBest, 3
	// The same alternating noise: the best is epoch 0, so the rule fires once
	// 4 epochs have passed without beating it.
	noisy := []float64{5, 6, 5.5, 6, 5.5, 6, 5.5, 6, 5.5, 6, 5.5, 6}
	r := feed(cfg, noisy, noisy)
	if !r.stopped || len(r.validLoss) != 5 || r.bestEpoch != 0 {
		t.Errorf("best rule: stopped %v after %d epochs (want 5), best %d", r.stopped, len(r.validLoss), r.bestEpoch)
	}
	// A loss that keeps making new bests, however noisily, is never stopped.
	saw := sawtooth(40)
	if r := feed(cfg, saw, saw); r.stopped {
		t.Errorf("best rule stopped a still-improving run at epoch %d", len(r.validLoss))
	}
}

func TestDecayOnTrainingPlateau(t *testing.T) {
	cfg := Lesson()
	cfg.Stop, cfg.Patience = StopNoNewBest, 1000
	cfg.DecayFactor, cfg.DecayPatience, cfg.MinLearningRate = 0.5, 2, 0.002
	// The training loss improves for 3 epochs and then stays flat: the step is
	// halved after every 2 flat epochs (epochs 4, 6, 8), 0.01 -> 0.005 ->
	// 0.0025 -> 0.00125, and the third halving takes it below 0.002, which ends training.
	fit := []float64{3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	valid := make([]float64, len(fit))
	for i := range valid {
		valid[i] = 1 - float64(i)*0.01 // still improving: only the decay can stop it
	}
	r := feed(cfg, valid, fit)
	if !slices.Equal(r.decays, []int{4, 6, 8}) || !r.stopped || len(r.validLoss) != 9 {
		t.Errorf("decays at %v (want [4 6 8]), stopped %v after %d epochs (want 9)", r.decays, r.stopped, len(r.validLoss))
	}
	if want := []float64{0.01, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.0025, 0.0025}; !slices.Equal(r.lrs, want) {
		t.Errorf("learning rates %v, want %v", r.lrs, want)
	}
}

func TestKeepEndsSplit(t *testing.T) {
	ds := smallDataset(t)
	idx := EvenlySpaced(ds.Len(), 30)
	for seed := uint64(1); seed <= 40; seed++ {
		cfg := Robust()
		cfg.Seed = seed
		p, err := prepare(ds, cfg, rand.New(rand.NewPCG(seed, 3)))
		if err != nil {
			t.Fatal(err)
		}
		all := append(append([]int(nil), p.trainIdx...), p.validIdx...)
		slices.Sort(all)
		if len(p.validIdx) != 6 || !slices.Equal(all, idx) {
			t.Fatalf("seed %d: split %v / %v is not a partition of %v into 24 + 6", seed, p.trainIdx, p.validIdx, idx)
		}
		if slices.Contains(p.validIdx, idx[0]) || slices.Contains(p.validIdx, idx[29]) {
			t.Errorf("seed %d: an end structure is held out: %v", seed, p.validIdx)
		}
	}
}

func TestSpreadBiasesCentresUnitsOnQuantiles(t *testing.T) {
	// One feature with values 0..10 and weights 1, 2, −1, 0.5: unit h must have
	// w_h·D + b_h = 0 at the (h+½)/4 quantile of w_h·D, which sits at position
	// (h+½)/4·10 = 1.25, 3.75, 6.25, 8.75 in the sorted projections.
	var d [][]float64
	for x := 0; x <= 10; x++ {
		d = append(d, []float64{float64(x)})
	}
	m := &Model{NFeatures: 1, NHidden: 4, W1: []float32{1, 2, -1, 0.5}, B1: make([]float32, 4), W2: make([]float32, 4)}
	m.SpreadBiases(d)
	// Sorted projections are w·{0, 1, ..., 10} for w > 0 (quantile w·position)
	// and −10, ..., 0 for w = −1 (quantile −10 + 6.25).
	want := []float32{-1.25, -2 * 3.75, 10 - 6.25, -0.5 * 8.75}
	for h := range want {
		if diff := m.B1[h] - want[h]; diff > 1e-5 || diff < -1e-5 {
			t.Errorf("unit %d: bias %g, want %g", h, m.B1[h], want[h])
		}
	}
}

func TestRestartsKeepLowestValidationLoss(t *testing.T) {
	ds := smallDataset(t)
	cfg := Robust()
	cfg.MaxEpochs, cfg.Restarts = 12, 3
	res, err := Train(backend.Must(), ds, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RunLoss) != 3 || res.RunLoss[res.Restart] != slices.Min(res.RunLoss) || res.RunLoss[res.Restart] != res.ValidLoss[res.BestEpoch] {
		t.Errorf("kept initialisation %d (best epoch %d) with best validation losses %v", res.Restart, res.BestEpoch, res.RunLoss)
	}
	if res.Epochs != 12 || res.TotalEpochs != 3*12 || len(res.ValidLoss) != 12 || len(res.LearningRate) != 12 {
		t.Errorf("epochs %d, total %d, history %d: want 12, 36, 12", res.Epochs, res.TotalEpochs, len(res.ValidLoss))
	}
}

func TestLongestRise(t *testing.T) {
	// Counted by hand: 3 (2→2→3→4), then 1 (1→5).
	if got := LongestRise([]float64{5, 2, 2, 3, 4, 1, 5, 0}); got != 3 {
		t.Errorf("LongestRise = %d, want 3", got)
	}
	// The lesson's rule stops exactly when this exceeds the patience.
	cfg := Lesson()
	cfg.Patience = 2
	v := []float64{5, 2, 2, 3, 4, 1, 5, 0}
	if r := feed(cfg, v, v); !r.stopped || LongestRise(r.validLoss) != 3 {
		t.Errorf("stopped %v with longest rise %d", r.stopped, LongestRise(r.validLoss))
	}
}

func TestHiddenMatchesForward(t *testing.T) {
	// E = w₂·h + b₂ with h = Hidden(D), against the float64 forward pass by hand.
	m := NewModel(3, 4, rand.New(rand.NewPCG(3, 4)))
	d := []float64{0.3, -1.2, 2}
	e, _ := forwardGo(m, d)
	got := float64(m.B2)
	for i, h := range m.Hidden(d) {
		got += float64(m.W2[i]) * h
	}
	if diff := got - e; diff > 1e-9 || diff < -1e-9 {
		t.Errorf("w₂·Hidden + b₂ = %g, forward pass %g", got, e)
	}
}

func TestRobustAvoidsThePoorFit(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 5 networks for 400 epochs")
	}
	// The Sine matrix with seed 7: the lesson's recipe puts every hidden unit on
	// the repulsive wall (energy MAE 0.24 eV after its 5000 epochs, 0.28 after
	// 400); the robust recipe must do several times better in the same epochs.
	ds, err := Dimers(num.Linspace(2.5, 5, 200), lj.MustNew(lj.New(1, 2.9)), SineMatrix(sine.MustNew(sine.New(2).CubicCell(20))))
	if err != nil {
		t.Fatal(err)
	}
	run := func(cfg Config) Metrics {
		cfg.Seed, cfg.MaxEpochs = 7, 400
		res, err := Train(backend.Must(), ds, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return res.Metrics
	}
	lesson, robust := run(Lesson()), run(Robust())
	t.Logf("lesson %+v\nrobust %+v", lesson, robust)
	if !(robust.EnergyMAE < lesson.EnergyMAE/3 && robust.ForceMAE < lesson.ForceMAE/2) {
		t.Errorf("robust recipe %+v is not clearly better than the lesson's %+v", robust, lesson)
	}
}
