package ising

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Observables are thermal averages of the discrete model.
type Observables struct {
	// EnergyPerSite is <E>/N.
	EnergyPerSite float64 `json:"energy_per_site"`
	// AbsMagnetisation is <|m|>, m = Σ s_i / N.
	AbsMagnetisation float64 `json:"abs_magnetisation"`
	// StructureFactor is S(0) = <(Σ s_i)²>/N.
	StructureFactor float64 `json:"structure_factor"`
}

// SpinEstimates are per-sample estimators of the discrete observables read
// from one relaxed configuration x (len N). Given x the spins are independent
// with <s_i|x> = tanh(x_i), so
//
//   - the energy is estimated without sampling spins, -Σ_<ij> tanh(x_i) tanh(x_j) / N
//     (the two sites of a bond are distinct, so <s_i s_j|x> = tanh x_i tanh x_j);
//   - the structure factor likewise, 1 + [(Σ tanh x_i)² - Σ tanh² x_i]/N;
//   - |m| from one draw of the spins s_i ~ P(s_i|x).
//
// Averaged over x ~ π(x) these are unbiased for the Ising averages.
func SpinEstimates(L int, x []float64, rng *rand.Rand) Observables {
	N := L * L
	right, down := Neighbours(L)
	th := make([]float64, N)
	sum, sum2 := 0.0, 0.0
	m := 0
	for i, v := range x[:N] {
		th[i] = math.Tanh(v)
		sum += th[i]
		sum2 += th[i] * th[i]
		if rng.Float64() < SpinUpProbability(v) {
			m++
		} else {
			m--
		}
	}
	e := 0.0
	for i := 0; i < N; i++ {
		e -= th[i] * (th[right[i]] + th[down[i]])
	}
	fn := float64(N)
	return Observables{
		EnergyPerSite:    e / fn,
		AbsMagnetisation: math.Abs(float64(m)) / fn,
		StructureFactor:  1 + (sum*sum-sum2)/fn,
	}
}

// Wolff samples the discrete model with Wolff's single-cluster algorithm
// (U. Wolff, PRL 62, 361 (1989)), which has almost no critical slowing down,
// and returns the averages over `sweeps` measurements after `therm`
// thermalisation sweeps; between measurements it flips a fixed number of
// clusters that amounts to about N flipped spins on average. Together with their standard errors (binned), these
// are the long-MCMC references for lattices too large to enumerate.
func Wolff(L int, T float64, therm, sweeps int, seed uint64) (mean, stdErr Observables, err error) {
	if err := checkLT(L, T); err != nil {
		return mean, stdErr, err
	}
	if sweeps < 20 {
		return mean, stdErr, fmt.Errorf("ising: Wolff needs >= 20 measurement sweeps for error bars, got %d", sweeps)
	}
	N := L * L
	right, down := Neighbours(L)
	left, up := make([]int, N), make([]int, N)
	for i := 0; i < N; i++ {
		left[right[i]] = i
		up[down[i]] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x776f6c6666))
	s := make([]int8, N)
	for i := range s {
		s[i] = 1
	}
	pAdd := -math.Expm1(-2 / T)
	stack := make([]int, 0, N)
	flipCluster := func() int {
		i0 := rng.IntN(N)
		s0 := s[i0]
		s[i0] = -s0
		stack = append(stack[:0], i0)
		size := 1
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, j := range [4]int{right[i], down[i], left[i], up[i]} {
				if s[j] == s0 && rng.Float64() < pAdd {
					s[j] = -s0
					stack = append(stack, j)
					size++
				}
			}
		}
		return size
	}
	// Measure every `flips` cluster flips, a number fixed after thermalisation
	// so that about N spins flip between measurements. (Stopping after N
	// flipped spins instead would make the measurement time depend on the
	// state and bias the averages towards the ordered states of big clusters.)
	flipped := 0
	for k := 0; k < max(therm, 10)*N; k++ {
		if flipped >= therm*N {
			break
		}
		flipped += flipCluster()
	}
	flips := 1
	if therm > 0 {
		calls := 0
		sizes := 0
		for sizes < 10*N {
			sizes += flipCluster()
			calls++
		}
		flips = max(1, int(math.Round(float64(N)*float64(calls)/float64(sizes))))
	}
	sweep := func() {
		for k := 0; k < flips; k++ {
			flipCluster()
		}
	}
	e := make([]float64, sweeps)
	am := make([]float64, sweeps)
	sf := make([]float64, sweeps)
	for k := 0; k < sweeps; k++ {
		sweep()
		m := 0
		for _, v := range s {
			m += int(v)
		}
		e[k] = Energy(L, s) / float64(N)
		am[k] = math.Abs(float64(m)) / float64(N)
		sf[k] = float64(m*m) / float64(N)
	}
	me, se := binnedMean(e)
	mm, sm := binnedMean(am)
	ms, ss := binnedMean(sf)
	return Observables{me, mm, ms}, Observables{se, sm, ss}, nil
}

// binnedMean returns the mean and the standard error from 20 bins, which
// absorbs the residual autocorrelation between sweeps.
func binnedMean(v []float64) (mean, stdErr float64) {
	const bins = 20
	per := len(v) / bins
	bm := make([]float64, bins)
	for b := 0; b < bins; b++ {
		for _, x := range v[b*per : (b+1)*per] {
			bm[b] += x
		}
		bm[b] /= float64(per)
		mean += bm[b]
	}
	mean /= bins
	for _, x := range bm {
		stdErr += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(stdErr / (bins - 1) / bins)
}

// Reference returns the references a sampler of the L x L model at T is
// judged against, with their error bars: the exact averages (enumeration,
// zero error) when L*L <= [MaxBruteForceSites]; otherwise Kaufman's exact
// energy per site ([KaufmanEnergyPerSite], zero error) with <|m|> and S from a
// long Wolff run (1000 thermalisation sweeps, 100000 measurements).
func Reference(L int, T float64, seed uint64) (ref, refErr Observables, err error) {
	if L*L <= MaxBruteForceSites {
		ex, err := BruteForce(L, T)
		if err != nil {
			return ref, refErr, err
		}
		return Observables{EnergyPerSite: ex.EnergyPerSite, AbsMagnetisation: ex.AbsMagnetisation, StructureFactor: ex.StructureFactor}, refErr, nil
	}
	if ref, refErr, err = Wolff(L, T, 1000, 100000, seed); err != nil {
		return ref, refErr, err
	}
	if ref.EnergyPerSite, err = KaufmanEnergyPerSite(L, T); err != nil {
		return ref, refErr, err
	}
	refErr.EnergyPerSite = 0
	return ref, refErr, nil
}

// Sigmas is how many combined error bars separate an estimate got ± err from
// a reference ref ± refErr: |got - ref| / √(err² + refErr²).
func Sigmas(got, err, ref, refErr float64) float64 {
	return math.Abs(got-ref) / math.Hypot(err, refErr)
}
