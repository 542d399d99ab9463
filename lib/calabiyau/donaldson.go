package calabiyau

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/physnb/physnb/lib/calabiyau/cplx"
	"github.com/physnb/physnb/lib/progress"
)

// TOperator is Donaldson's T-operator estimated on a sample,
//
//	T(H)_αβ̄ = (N / Vol) E[ w s_α s̄_β / (s^T H s̄) ],
//
// an N x N Hermitian positive-definite matrix (row-major). Its fixed point
// H = (T(H)^{-1})^T is the balanced metric, which converges to the Ricci-flat
// metric as k → ∞ (Donaldson, math/0512625).
func (m *Metric) TOperator(s *Sample) ([]complex128, error) {
	if s.Len() < MinPoints {
		return nil, fmt.Errorf("calabiyau: %d points are too few for a T-operator estimate (need at least %d)", s.Len(), MinPoints)
	}
	n := m.Basis.Size()
	var mu sync.Mutex
	t := make([]complex128, n*n)
	parallelFor(s.Len(), func(lo, hi int) {
		local := make([]complex128, n*n)
		sec := make([]complex128, n)
		hs := make([]complex128, n)
		for p := lo; p < hi; p++ {
			m.Basis.Eval(s.Points[p], sec, nil)
			var psi complex128
			for a := 0; a < n; a++ {
				var v complex128
				for b := 0; b < n; b++ {
					v += m.H[a*n+b] * cmplx.Conj(sec[b])
				}
				hs[a] = v
				psi += sec[a] * v
			}
			f := complex(s.Weights[p]/real(psi), 0)
			// Upper triangle only; T is Hermitian.
			for a := 0; a < n; a++ {
				fa := f * sec[a]
				row := local[a*n:]
				for b := a; b < n; b++ {
					row[b] += fa * cmplx.Conj(sec[b])
				}
			}
		}
		mu.Lock()
		for i, v := range local {
			t[i] += v
		}
		mu.Unlock()
	})
	vol, _, _ := s.Volume()
	norm := complex(float64(n)/(vol*float64(s.Len())), 0)
	for a := 0; a < n; a++ {
		for b := a; b < n; b++ {
			t[a*n+b] *= norm
			t[b*n+a] = cmplx.Conj(t[a*n+b])
		}
		t[a*n+a] = complex(real(t[a*n+a]), 0)
	}
	return t, nil
}

// DonaldsonStep applies one T-operator iteration, H ← (T(H)^{-1})^T, and
// rescales H so that max |H_αβ| = 1 (the overall scale of H only shifts K by
// a constant). The result is Hermitian positive definite by construction:
// T is a sum of positive rank-one terms, and its inverse is formed through
// a Cholesky factor.
func (m *Metric) DonaldsonStep(s *Sample) (*Metric, error) {
	return m.SymmetricDonaldsonStep(s, nil)
}

// SymmetricDonaldsonStep is [Metric.DonaldsonStep] with the T-operator
// estimate projected onto the matrices invariant under sym before it is
// inverted (nil sym: no projection). The exact T(H) of an invariant H is
// invariant, so the projection only removes Monte Carlo noise.
func (m *Metric) SymmetricDonaldsonStep(s *Sample, sym *Symmetry) (*Metric, error) {
	t, err := m.TOperator(s)
	if err != nil {
		return nil, err
	}
	if sym != nil {
		if err := sym.Project(t); err != nil {
			return nil, err
		}
	}
	n := m.Basis.Size()
	inv, err := cplx.HermitianInverse(t, n)
	if err != nil {
		return nil, fmt.Errorf("calabiyau: T-operator not invertible (too few points for %d sections?): %w", n, err)
	}
	// (T^{-1})^T = conj(T^{-1}) for Hermitian T.
	var maxAbs float64
	for i := range inv {
		inv[i] = cmplx.Conj(inv[i])
		maxAbs = math.Max(maxAbs, cmplx.Abs(inv[i]))
	}
	for i := range inv {
		inv[i] /= complex(maxAbs, 0)
	}
	return &Metric{Quintic: m.Quintic, Basis: m.Basis, H: inv}, nil
}

// DonaldsonConfig configures [Donaldson].
type DonaldsonConfig struct {
	Iterations int // T-operator iterations
	Points     int // fresh sample points per iteration
	// Symmetric restricts H to the matrices invariant under the quintic's
	// permutation and phase symmetries (see [Symmetry]).
	Symmetric bool
	// Eval, if set, is a fixed sample on which σ is measured after every
	// iteration (reported in the step's Metrics as "sigma" and "sigma_stderr").
	Eval *Sample
	// OnStep, if set, is called after every iteration (Step counts from 1).
	// There is no loss (Loss is NaN); Metrics hold "h_change", the relative
	// change max|ΔH|/max|H| of the fixed-point iteration, "seconds", the time
	// of the iteration with its sampling, and σ on Eval when Eval is set. An
	// error it returns stops the iteration and is returned.
	OnStep progress.OnStepFn
}

// Donaldson iterates the T-operator from H = identity with a fresh sample per
// iteration (as cyjax does), returning the final metric.
func Donaldson(q *Quintic, b *MonomialBasis, rng *rand.Rand, cfg DonaldsonConfig) (*Metric, error) {
	if cfg.Iterations < 1 {
		return nil, fmt.Errorf("calabiyau: Donaldson needs at least one iteration, got %d", cfg.Iterations)
	}
	if cfg.Points < MinPoints || cfg.Points < b.Size() {
		return nil, fmt.Errorf("calabiyau: %d points per iteration are too few for %d sections (need at least max(%d, N))", cfg.Points, b.Size(), MinPoints)
	}
	var sym *Symmetry
	if cfg.Symmetric {
		var err error
		if sym, err = NewSymmetry(q, b); err != nil {
			return nil, err
		}
	}
	m := NewMetric(q, b)
	for i := 1; i <= cfg.Iterations; i++ {
		start := time.Now()
		s, err := q.Sample(rng, cfg.Points)
		if err != nil {
			return nil, err
		}
		prev := m
		if m, err = m.SymmetricDonaldsonStep(s, sym); err != nil {
			return nil, fmt.Errorf("iteration %d: %w", i, err)
		}
		if cfg.OnStep == nil {
			continue
		}
		metrics := map[string]float64{"h_change": hChange(prev.H, m.H), "seconds": time.Since(start).Seconds()}
		if cfg.Eval != nil {
			sig, se, err := m.Sigma(cfg.Eval)
			if err != nil {
				return nil, fmt.Errorf("iteration %d: %w", i, err)
			}
			metrics["sigma"], metrics["sigma_stderr"] = sig, se
		}
		if err := cfg.OnStep(progress.Step{Step: i, Total: cfg.Iterations, Loss: math.NaN(), Metrics: metrics}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// hChange is max|b - a| / max|b|: how far one iteration moved H.
func hChange(a, b []complex128) float64 {
	var d, n float64
	for i := range b {
		d = math.Max(d, cmplx.Abs(b[i]-a[i]))
		n = math.Max(n, cmplx.Abs(b[i]))
	}
	return d / n
}
