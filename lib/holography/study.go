package holography

import (
	"context"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/num"
)

// ChargeStudy asks whether the data know the charge: on DataSets independent
// data sets from each background of Charges (0 is Schwarzschild, Q > 0
// Reissner–Nordström), it runs Base and measures the RMS relative distance
// of each learned H to every background of Charges. Data set k uses
// Base.DataSeed + k for the data and Base.Seed + k for the training.
type ChargeStudy struct {
	Base     TrainExperiment `json:"base"` // Metric and Charge are set per run
	Charges  []float64       `json:"charges"`
	DataSets int             `json:"data_sets"`
}

// DefaultChargeStudy returns the notebook's test: the horizon series K = 2
// from the grid start on Schwarzschild and RN(0.9) data, five data sets each.
func DefaultChargeStudy() ChargeStudy {
	base := DefaultTrain()
	base.Param, base.K = ParamSeries, 2
	return ChargeStudy{Base: base, Charges: []float64{0, 0.9}, DataSets: 5}
}

// ChargeRun is one run of a [ChargeStudy].
type ChargeRun struct {
	DataSet int     `json:"data_set"`
	Charge  float64 `json:"charge"` // of the background that labelled the data
	// Dist[j] is the RMS relative distance of the learned H to Charges[j].
	Dist   []float64    `json:"dist_rms"`
	Report *TrainReport `json:"report"`
}

// ChargeStudyReport holds the runs of a [ChargeStudy] in order (data set by
// data set, each over Charges) and the statistics over data sets.
type ChargeStudyReport struct {
	Charges  []float64   `json:"charges"`
	DataSets int         `json:"data_sets"`
	Runs     []ChargeRun `json:"runs"`
	// DistMean[i][j] and DistStd[i][j] (sample standard deviation) are over
	// the data sets from Charges[i], of the distance to Charges[j].
	DistMean [][]float64 `json:"dist_mean"`
	DistStd  [][]float64 `json:"dist_std"`
}

// Validate reports the first parameter outside its valid range.
func (s ChargeStudy) Validate() error {
	if s.DataSets < 1 {
		return fmt.Errorf("holography: charge study with %d data sets: want at least 1", s.DataSets)
	}
	if len(s.Charges) < 1 {
		return fmt.Errorf("holography: charge study without charges: want at least one Q in [0, √3)")
	}
	for _, q := range s.Charges {
		if err := s.experiment(q, 0).Validate(); err != nil {
			return err
		}
	}
	return nil
}

// experiment is Base on data set k from the background of charge q.
func (s ChargeStudy) experiment(q float64, k int) TrainExperiment {
	e := s.Base
	e.Metric, e.Charge = MetricRN, q
	if q == 0 {
		e.Metric = MetricSchwarzschild
	}
	e.Seed, e.DataSeed = s.Base.Seed+uint64(k), s.Base.DataSeed+uint64(k)
	return e
}

// background is the metric of charge q (Schwarzschild's closed forms at 0).
func background(q float64) (*blackhole.Background, error) {
	if q == 0 {
		return blackhole.Schwarzschild(), nil
	}
	return blackhole.New(q)
}

// Run makes the DataSets × len(Charges) runs.
func (s ChargeStudy) Run(ctx context.Context, b compute.Backend) (*ChargeStudyReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	refs := make([]*blackhole.Background, len(s.Charges))
	for j, q := range s.Charges {
		var err error
		if refs[j], err = background(q); err != nil {
			return nil, err
		}
	}
	n := len(s.Charges)
	rep := &ChargeStudyReport{Charges: s.Charges, DataSets: s.DataSets}
	dist := make([][][]float64, n) // [data][reference] over data sets
	for i := range dist {
		dist[i] = make([][]float64, n)
	}
	for k := 0; k < s.DataSets; k++ {
		for i, q := range s.Charges {
			r, err := s.experiment(q, k).Run(ctx, b)
			if err != nil {
				return nil, fmt.Errorf("holography: charge study, data set %d from Q=%g: %w", k, q, err)
			}
			run := ChargeRun{DataSet: k, Charge: q, Report: r, Dist: make([]float64, n)}
			for j, ref := range refs {
				run.Dist[j], _ = RelErr(r.H, ref.H(r.Etas))
				dist[i][j] = append(dist[i][j], run.Dist[j])
			}
			rep.Runs = append(rep.Runs, run)
		}
	}
	rep.DistMean, rep.DistStd = make([][]float64, n), make([][]float64, n)
	for i := range dist {
		rep.DistMean[i], rep.DistStd[i] = make([]float64, n), make([]float64, n)
		for j := range dist[i] {
			rep.DistMean[i][j], rep.DistStd[i][j] = num.MeanStd(dist[i][j])
		}
	}
	return rep, nil
}

// SeedStudy measures the spread of the learned metric: Base on Seeds
// independent data sets (data set s uses Base.DataSeed + s for the data and
// Base.Seed + s for the training), once for each K of Ks on the same data.
type SeedStudy struct {
	Base  TrainExperiment `json:"base"`
	Seeds int             `json:"seeds"`
	Ks    []int           `json:"ks"` // coefficients to compare (nil: Base.K alone)
}

// DefaultSeedStudy returns the notebook's spread: the ansatz with K = 2 and
// K = 3 from the grid start on five Schwarzschild data sets.
func DefaultSeedStudy() SeedStudy {
	return SeedStudy{Base: DefaultTrain(), Seeds: 5, Ks: []int{2, 3}}
}

// SeedRun is one run of a [SeedStudy].
type SeedRun struct {
	DataSet int          `json:"data_set"`
	K       int          `json:"k"`
	Report  *TrainReport `json:"report"`
}

// SeedStats are the mean and sample standard deviation of a [SeedStudy]'s
// errors for one K.
type SeedStats struct {
	K          int     `json:"k"`
	RMSMean    float64 `json:"h_rel_err_rms_mean"`
	RMSStd     float64 `json:"h_rel_err_rms_std"`
	MaxMean    float64 `json:"h_rel_err_max_mean"`
	MaxStd     float64 `json:"h_rel_err_max_std"`
	TestAccMin float64 `json:"test_accuracy_min"`
}

// SeedStudyReport holds the runs of a [SeedStudy] (data set by data set,
// each over Ks) and the statistics per K.
type SeedStudyReport struct {
	Seeds int         `json:"seeds"`
	Runs  []SeedRun   `json:"runs"`
	Stats []SeedStats `json:"stats"`
}

// ks returns the numbers of coefficients the runs use (0 resolved to the
// parameterisation's default).
func (s SeedStudy) ks() []int {
	in := s.Ks
	if len(in) == 0 {
		in = []int{s.Base.K}
	}
	out := make([]int, len(in))
	for i, k := range in {
		e := s.Base
		e.K = k
		out[i] = e.k()
	}
	return out
}

// Validate reports the first parameter outside its valid range.
func (s SeedStudy) Validate() error {
	if s.Seeds < 1 {
		return fmt.Errorf("holography: seed study with %d data sets: want at least 1", s.Seeds)
	}
	for _, k := range s.ks() {
		e := s.Base
		e.K = k
		if err := e.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Run makes the Seeds × len(Ks) runs.
func (s SeedStudy) Run(ctx context.Context, b compute.Backend) (*SeedStudyReport, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	rep := &SeedStudyReport{Seeds: s.Seeds}
	for d := 0; d < s.Seeds; d++ {
		for _, k := range s.ks() {
			e := s.Base
			e.K, e.Seed, e.DataSeed = k, s.Base.Seed+uint64(d), s.Base.DataSeed+uint64(d)
			r, err := e.Run(ctx, b)
			if err != nil {
				return nil, fmt.Errorf("holography: seed study, data set %d, K=%d: %w", d, k, err)
			}
			rep.Runs = append(rep.Runs, SeedRun{DataSet: d, K: r.K, Report: r})
		}
	}
	for _, k := range s.ks() {
		var rms, mx []float64
		st := SeedStats{K: k, TestAccMin: math.Inf(1)}
		for _, r := range rep.Runs {
			if r.K == k {
				rms, mx = append(rms, r.Report.HRelErrRMS), append(mx, r.Report.HRelErrMax)
				st.TestAccMin = math.Min(st.TestAccMin, r.Report.TestAccuracy)
			}
		}
		st.RMSMean, st.RMSStd = num.MeanStd(rms)
		st.MaxMean, st.MaxStd = num.MeanStd(mx)
		rep.Stats = append(rep.Stats, st)
	}
	return rep, nil
}

// Band returns the range of the learned H over the data sets for K = k: the
// comparison points and the pointwise minimum and maximum (nil if no run has k).
func (r *SeedStudyReport) Band(k int) (etas, lo, hi []float64) {
	for _, run := range r.Runs {
		if run.K != k {
			continue
		}
		h := run.Report.H
		if lo == nil {
			etas, lo, hi = run.Report.Etas, append([]float64{}, h...), append([]float64{}, h...)
		}
		for i := range h {
			lo[i], hi[i] = math.Min(lo[i], h[i]), math.Max(hi[i], h[i])
		}
	}
	return etas, lo, hi
}
