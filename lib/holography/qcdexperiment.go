package holography

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/progress"
)

// QCDFitDegree is the degree of the polynomial fitted through the lattice
// points: the curve around which the positive QCD data are drawn.
const QCDFitDegree = 3

// MinQCDPerClass is the fewest samples per class a [QCDExperiment] accepts:
// 80% of 2×63 samples make one training batch of 100.
const MinQCDPerClass = 63

// QCDExperiment configures one run of the holographic QCD network
// (arXiv:1809.10536) on the lattice chiral-condensate data: a cubic fit of
// the lattice points, data in a band around it, optionally a start found by
// [SearchQCDStart], then [TrainQCD]. The zero value is not useful: start
// from [DefaultQCD].
type QCDExperiment struct {
	Epochs   int    `json:"epochs"`
	PerClass int    `json:"samples_per_class"`
	Seed     uint64 `json:"seed"` // data, initial metric, search and batches
	// InitRadius is the initial AdS radius L in GeV⁻¹ (the paper's code: 0.8);
	// a search replaces it.
	InitRadius   float64 `json:"initial_radius_gev_inv"`
	LearningRate float64 `json:"learning_rate"` // Adam step
	// Search is the number of random smooth metrics SearchQCDStart tries for
	// the start (0: the paper's start H ≈ 4; otherwise at least 8).
	Search int `json:"search_trials"`
	// DevStart anneals the final layer's edge width from this value down to
	// the config's 0.01 (0: fixed 0.01).
	DevStart float64           `json:"dev_start"`
	OnStep   progress.OnStepFn `json:"-"` // called after every Adam step
}

// DefaultQCD returns the command line's defaults: 100 epochs, 1000 samples
// per class, seed 1, and [DefaultQCDTraining]'s start L = 0.8 GeV⁻¹ and Adam
// step 0.01, without search or annealing.
func DefaultQCD() QCDExperiment {
	tr := DefaultQCDTraining()
	return QCDExperiment{Epochs: tr.Epochs, PerClass: 1000, Seed: 1, InitRadius: tr.InitRadius, LearningRate: tr.LearningRate}
}

// Validate reports the first parameter outside its valid range.
func (e QCDExperiment) Validate() error {
	pos := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) }
	switch {
	case e.Epochs < 1:
		return fmt.Errorf("holography: qcd --epochs %d: want at least 1", e.Epochs)
	case e.PerClass < MinQCDPerClass:
		return fmt.Errorf("holography: qcd --n %d samples per class: want at least %d (one training batch of 100)", e.PerClass, MinQCDPerClass)
	case !pos(e.InitRadius):
		return fmt.Errorf("holography: qcd --radius %g: want an initial AdS radius L > 0 GeV⁻¹, finite", e.InitRadius)
	case !pos(e.LearningRate):
		return fmt.Errorf("holography: qcd --lr %g: want a finite learning rate > 0", e.LearningRate)
	case e.Search != 0 && e.Search < 2*qcdSearchRounds:
		return fmt.Errorf("holography: qcd --search %d: want 0 (no search) or at least %d trials", e.Search, 2*qcdSearchRounds)
	case math.IsNaN(e.DevStart) || math.IsInf(e.DevStart, 0) || e.DevStart < 0:
		return fmt.Errorf("holography: qcd --dev-start %g: want 0 (off) or a finite width > 0", e.DevStart)
	case e.Search > maxSearch:
		return fmt.Errorf("holography: qcd --search %d: want at most %d trials", e.Search, maxSearch)
	}
	return budget(e.PerClass, e.Epochs, 100)
}

// maxSearch is the most random metrics a QCD search may try (each is a
// short training run).
const maxSearch = 100000

// QCDData is the lattice, its fit and the labelled data of a QCD experiment.
type QCDData struct {
	Lattice *QCDLattice
	Curve   func(float64) float64 // the fitted ⟨q̄q⟩(m_q)
	Coef    []float64             // its coefficients, constant term first (GeV units)
	// MaxMiss is the largest |fit - lattice| over the lattice points, in GeV³.
	MaxMiss     float64
	All         *Dataset // m_q in Phi, ⟨q̄q⟩ in Pi
	Train, Test *Dataset // the 80/20 split of All
}

// Data loads the lattice points, fits them and draws the labelled data,
// the same for every call.
func (e QCDExperiment) Data() (*QCDData, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	lat, err := LoadQCDLattice()
	if err != nil {
		return nil, err
	}
	curve, coef, err := lat.Fit(QCDFitDegree)
	if err != nil {
		return nil, err
	}
	d := &QCDData{Lattice: lat, Curve: curve, Coef: coef}
	for i := range lat.Mass {
		d.MaxMiss = math.Max(d.MaxMiss, math.Abs(curve(lat.Mass[i])-lat.Cond[i]))
	}
	if d.All, err = GenerateQCD(DefaultQCDConfig(), curve, e.PerClass, e.Seed); err != nil {
		return nil, err
	}
	d.Train, d.Test = d.All.Split(0.8)
	return d, nil
}

// QCDReport is what a [QCDExperiment] measured.
type QCDReport struct {
	Epochs     int     `json:"epochs"`
	PerClass   int     `json:"samples_per_class"`
	Seed       uint64  `json:"seed"`
	InitRadius float64 `json:"initial_radius_gev_inv"` // the start's L (searched or given)
	Search     int     `json:"search_trials"`
	// SearchAccuracy is the training accuracy of the searched start (-1 without search).
	SearchAccuracy float64   `json:"search_train_accuracy"`
	FitCoef        []float64 `json:"fit_coefficients"`  // the lattice fit, constant term first
	FitMaxMiss     float64   `json:"fit_max_miss_gev3"` // its largest miss of a lattice point
	TrainLoss      float64   `json:"train_loss"`
	TrainAccuracy  float64   `json:"train_accuracy"`
	TestAccuracy   float64   `json:"test_accuracy"`
	Lambda         float64   `json:"lambda"`
	Radius         float64   `json:"radius_gev_inv"`
	H              []float64 `json:"h"`          // learned H per layer
	Etas           []float64 `json:"etas"`       // the layers' midpoints
	EpochLoss      []float64 `json:"epoch_loss"` // mean training loss per epoch
	Steps          int       `json:"steps"`
	Seconds        float64   `json:"seconds"`
	Backend        string    `json:"backend"`
}

// Result returns the report's run in the form [QCDMetricFigure] takes.
func (r *QCDReport) Result() *QCDResult {
	return &QCDResult{EpochLoss: r.EpochLoss, Etas: r.Etas, H: r.H, Lambda: r.Lambda, Radius: r.Radius,
		TrainAccuracy: r.TrainAccuracy, TestAccuracy: r.TestAccuracy, Steps: r.Steps}
}

// Run fits the lattice, draws the data, searches a start if asked to and
// trains the network.
func (e QCDExperiment) Run(ctx context.Context, b compute.Backend) (*QCDReport, error) {
	start := time.Now()
	d, err := e.Data()
	if err != nil {
		return nil, err
	}
	cfg := DefaultQCDConfig()
	tr := DefaultQCDTraining()
	tr.Epochs, tr.Seed, tr.InitRadius, tr.LearningRate, tr.DevStart = e.Epochs, e.Seed, e.InitRadius, e.LearningRate, e.DevStart
	tr.OnStep = progress.Chain(func(progress.Step) error { return ctx.Err() }, e.OnStep)
	searched := -1.0
	if e.Search > 0 {
		st, err := SearchQCDStart(cfg, d.Train, e.Search, e.Seed)
		if err != nil {
			return nil, err
		}
		tr.StartH, tr.InitRadius, tr.InitLambda, searched = st.H, st.Radius, st.Lambda, st.Accuracy
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, _, err := TrainQCD(b, cfg, tr, d.Train, d.Test)
	if err != nil {
		return nil, err
	}
	return &QCDReport{Epochs: tr.Epochs, PerClass: e.PerClass, Seed: e.Seed, InitRadius: tr.InitRadius, Search: e.Search,
		SearchAccuracy: searched, FitCoef: d.Coef, FitMaxMiss: d.MaxMiss,
		TrainLoss: res.EpochLoss[len(res.EpochLoss)-1], TrainAccuracy: res.TrainAccuracy, TestAccuracy: res.TestAccuracy,
		Lambda: res.Lambda, Radius: res.Radius, H: res.H, Etas: res.Etas, EpochLoss: res.EpochLoss, Steps: res.Steps,
		Seconds: time.Since(start).Seconds(), Backend: backend.Describe(b)}, nil
}
