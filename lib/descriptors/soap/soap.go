// Package soap computes the Smooth Overlap of Atomic Positions (SOAP) power
// spectrum exactly as DScribe 2.x defines it for its GTO radial basis, together
// with its analytic derivatives with respect to the atom positions.
//
// Around a centre c, the atoms of species Z make a Gaussian-smeared density
//
//	ρ^Z(r) = Σ_{i∈Z} exp(−|r − R_i|² / 2σ²),   R_i = r_i − c,
//
// expanded on radial functions g_nl (DScribe's orthonormalised GTOs, see
// [GTOBasis]) times real spherical harmonics Y_lm:
//
//	c^Z_nlm = ∫ dV g_nl(r) Y_lm(r̂) ρ^Z(r).
//
// For GTOs the integral is analytic. With η = 1/2σ² and the plane-wave-like
// expansion of the Gaussian in modified spherical Bessel functions i_l,
//
//	c^Z_nlm = Σ_{i∈Z} Σ_k π^{3/2} η^{−3/2} β_lnk (1+α_lk/η)^{−(l+3/2)}
//	          · exp(−α_lk |R_i|² / (1+α_lk/η)) · |R_i|^l Y_lm(R̂_i).
//
// The power spectrum is rotation invariant:
//
//	p^{Z Z'}_{n n' l} = π √(8/(2l+1)) Σ_m c^Z_nlm c^{Z'}_n'lm,
//
// laid out as DScribe does: species pairs Z ≤ Z' (sorted by atomic number), then
// l, then n, then n' (n' ≥ n when Z = Z'). The prefactor π√(8/(2l+1)) is
// DScribe's (from the erratum to Bartók et al.). Atoms farther from the centre
// than r_cut + σ√(2 ln 1000) are left out, as DScribe's neighbour search does;
// there is no smooth cut-off function.
//
// References: A. P. Bartók, R. Kondor, G. Csányi, Phys. Rev. B 87, 184115 (2013),
// arXiv:1209.3140; L. Himanen et al., "DScribe: Library of descriptors for
// machine learning in materials science", Comput. Phys. Commun. 247, 106949
// (2020), arXiv:1904.08875. The definitions were checked against DScribe 2.1's
// soap.py (get_basis_gto) and soapGTO.cpp (getP).
//
// Example, the lesson's H2 dimer seen from its midpoint:
//
//	desc := soap.MustNew(soap.New("H").RCut(5).Sigma(0.5).NMax(3).LMax(0))
//	sys := descriptors.System{Numbers: []int{1, 1}, Positions: [][3]float64{{-1.5, 0, 0}, {1.5, 0, 0}}}
//	d, dd, err := desc.Derivatives(sys, [][3]float64{{0, 0, 0}})
//	// d[0] has 6 features; dd[0][atom][xyz][feature] = ∂d_feature/∂r_atom,xyz.
package soap

import (
	"fmt"
	"math"

	"github.com/physnb/physnb/lib/descriptors"
)

// Builder collects SOAP parameters. Defaults: r_cut 5 Å, σ 0.5 Å, n_max 3,
// l_max 0 (the lesson's values), crossover on.
type Builder struct {
	species   []string
	rCut      float64
	sigma     float64
	nMax      int
	lMax      int
	crossover bool
}

// New starts a SOAP descriptor for the given species (symbols or atomic numbers).
func New(species ...string) *Builder {
	return &Builder{species: species, rCut: 5, sigma: 0.5, nMax: 3, lMax: 0, crossover: true}
}

// RCut sets the cut-off radius (Å); DScribe requires r_cut > 1 for GTOs.
func (b *Builder) RCut(r float64) *Builder { b.rCut = r; return b }

// Sigma sets the width σ (Å) of the Gaussians smearing each atom.
func (b *Builder) Sigma(s float64) *Builder { b.sigma = s; return b }

// NMax sets the number of radial basis functions (>= 1).
func (b *Builder) NMax(n int) *Builder { b.nMax = n; return b }

// LMax sets the maximum degree of the spherical harmonics (0..20).
func (b *Builder) LMax(l int) *Builder { b.lMax = l; return b }

// Crossover sets whether cross-species blocks Z ≠ Z' are included (DScribe's default: yes).
func (b *Builder) Crossover(on bool) *Builder { b.crossover = on; return b }

// Done validates the parameters with DScribe's ranges and computes the basis.
func (b *Builder) Done() (*SOAP, error) {
	species, err := descriptors.ParseSpecies(b.species)
	if err != nil {
		return nil, fmt.Errorf("soap: %w", err)
	}
	switch {
	case math.IsNaN(b.sigma) || b.sigma <= 0:
		return nil, fmt.Errorf("soap: sigma=%g must be > 0", b.sigma)
	case math.IsNaN(b.rCut) || b.rCut <= 1 || b.rCut > MaxRCut:
		return nil, fmt.Errorf("soap: r_cut=%g: want 1 Å < r_cut ≤ %g Å for the GTO basis", b.rCut, MaxRCut)
	case b.nMax < 1 || b.nMax > MaxNMax:
		return nil, fmt.Errorf("soap: n_max=%d: want 1 to %d radial basis functions", b.nMax, MaxNMax)
	case b.lMax < 0 || b.lMax > 20:
		return nil, fmt.Errorf("soap: l_max=%d must lie in 0..20", b.lMax)
	}
	basis, err := NewGTOBasis(b.rCut, b.nMax, b.lMax)
	if err != nil {
		return nil, err
	}
	s := &SOAP{Species: species, RCut: b.rCut, Sigma: b.sigma, NMax: b.nMax, LMax: b.lMax, Crossover: b.crossover, Basis: basis}
	s.index = map[int]int{}
	for i, z := range species {
		s.index[z] = i
	}
	return s, nil
}

// MaxRCut and MaxNMax bound the cut-off (Å) and the number of radial
// functions: beyond about 12 functions the GTO overlap matrix is singular at
// any cut-off, and far beyond the 5 Å of the lesson (100 Å) it is singular
// for any n_max > 1 (the Gaussians all look alike).
const (
	MaxRCut = 100.0
	MaxNMax = 16
)

// MustNew is [Builder.Done] that panics on error, for notebook cells.
func MustNew(b *Builder) *SOAP {
	s, err := b.Done()
	if err != nil {
		panic(err)
	}
	return s
}

// SOAP is a configured descriptor. Build it with [New].
type SOAP struct {
	Species   []int // sorted atomic numbers
	RCut      float64
	Sigma     float64
	NMax      int
	LMax      int
	Crossover bool
	Basis     *GTOBasis
	index     map[int]int
}

// NumFeatures is the length of one centre's power spectrum (DScribe's
// get_number_of_features): with S species,
// crossover: (S n_max)(S n_max + 1)/2 · (l_max+1); without: S n_max(n_max+1)/2 · (l_max+1).
func (s *SOAP) NumFeatures() int {
	ns := len(s.Species)
	if s.Crossover {
		k := ns * s.NMax
		return k * (k + 1) / 2 * (s.LMax + 1)
	}
	return ns * s.NMax * (s.NMax + 1) / 2 * (s.LMax + 1)
}

// CutoffPadding is how far beyond r_cut atoms still count: where a Gaussian of
// width σ has decayed to 10⁻³ (DScribe's get_cutoff_padding).
func (s *SOAP) CutoffPadding() float64 { return s.Sigma * math.Sqrt(-2*math.Log(gtoThreshold)) }

// Create returns the power spectrum at each centre: [center][feature].
func (s *SOAP) Create(sys descriptors.System, centers [][3]float64) ([][]float64, error) {
	d, _, err := s.compute(sys, centers, false)
	return d, err
}

// Derivatives returns the power spectrum [center][feature] and its derivatives
// [center][atom][xyz][feature] with respect to every atom's position, the centres
// held fixed (DScribe's derivatives(..., method="analytical", attach=False)).
func (s *SOAP) Derivatives(sys descriptors.System, centers [][3]float64) ([][]float64, [][][][]float64, error) {
	return s.compute(sys, centers, true)
}

// MustDerivatives is [SOAP.Derivatives] that panics on error.
func (s *SOAP) MustDerivatives(sys descriptors.System, centers [][3]float64) ([][]float64, [][][][]float64) {
	d, dd, err := s.Derivatives(sys, centers)
	if err != nil {
		panic(err)
	}
	return d, dd
}

// coefficients holds c^Z_nlm for one centre, indexed [Z][n][lm] with lm = l² + l + m,
// and optionally their gradients with respect to each atom: grad[atom][n][lm][xyz]
// (an atom only moves its own species' coefficients).
type coefficients struct {
	c    [][][]float64
	grad [][][][3]float64
}

func (s *SOAP) compute(sys descriptors.System, centers [][3]float64, withGrad bool) ([][]float64, [][][][]float64, error) {
	if err := sys.Validate(); err != nil {
		return nil, nil, fmt.Errorf("soap: %w", err)
	}
	for i, z := range sys.Numbers {
		if _, ok := s.index[z]; !ok {
			return nil, nil, fmt.Errorf("soap: atom %d is %s (Z=%d), not among the descriptor's species %v", i, descriptors.Symbol(z), z, s.Species)
		}
	}
	if len(centers) == 0 {
		return nil, nil, fmt.Errorf("soap: no centres given")
	}
	nf := s.NumFeatures()
	out := make([][]float64, len(centers))
	var dout [][][][]float64
	if withGrad {
		dout = make([][][][]float64, len(centers))
	}
	for ic, c := range centers {
		co := s.expand(sys, c, withGrad)
		out[ic] = s.powerSpectrum(co)
		if withGrad {
			dout[ic] = make([][][]float64, len(sys.Numbers))
			for a := range sys.Numbers {
				dout[ic][a] = make([][]float64, 3)
				for k := 0; k < 3; k++ {
					dout[ic][a][k] = make([]float64, nf)
				}
				s.powerSpectrumGrad(co, a, s.index[sys.Numbers[a]], dout[ic][a])
			}
		}
	}
	return out, dout, nil
}

// expand computes the coefficients c^Z_nlm around centre c (and their gradients).
func (s *SOAP) expand(sys descriptors.System, c [3]float64, withGrad bool) coefficients {
	nlm := (s.LMax + 1) * (s.LMax + 1)
	eta := 1 / (2 * s.Sigma * s.Sigma)
	co := coefficients{c: make([][][]float64, len(s.Species))}
	for z := range co.c {
		co.c[z] = make([][]float64, s.NMax)
		for n := range co.c[z] {
			co.c[z][n] = make([]float64, nlm)
		}
	}
	if withGrad {
		co.grad = make([][][][3]float64, len(sys.Numbers))
		for a := range co.grad {
			co.grad[a] = make([][][3]float64, s.NMax)
			for n := range co.grad[a] {
				co.grad[a][n] = make([][3]float64, nlm)
			}
		}
	}
	// Radial prefactors b'_lnk and exponents a'_lk of the analytic integral.
	aP := make([][]float64, s.LMax+1)
	bP := make([][][]float64, s.LMax+1)
	for l := 0; l <= s.LMax; l++ {
		aP[l] = make([]float64, s.NMax)
		bP[l] = make([][]float64, s.NMax)
		for n := range bP[l] {
			bP[l][n] = make([]float64, s.NMax)
		}
		for k := 0; k < s.NMax; k++ {
			alpha := s.Basis.Alpha[l][k]
			q := 1 / (1 + alpha/eta)
			aP[l][k] = alpha * q
			pre := math.Pow(math.Pi, 1.5) * math.Pow(eta, -1.5) * math.Pow(q, float64(l)+1.5)
			for n := 0; n < s.NMax; n++ {
				bP[l][n][k] = pre * s.Basis.Beta[l][n][k]
			}
		}
	}
	reach := s.RCut + s.CutoffPadding()
	sh := make([]float64, nlm)
	shGrad := make([][3]float64, nlm)
	for a, pos := range sys.Positions {
		R := [3]float64{pos[0] - c[0], pos[1] - c[1], pos[2] - c[2]}
		r2 := R[0]*R[0] + R[1]*R[1] + R[2]*R[2]
		if r2 > reach*reach {
			continue
		}
		z := s.index[sys.Numbers[a]]
		solidHarmonics(s.LMax, R[0], R[1], R[2], sh, shGrad)
		for l := 0; l <= s.LMax; l++ {
			for n := 0; n < s.NMax; n++ {
				// f = Σ_k b' e^{−a' R²} and df/d(R²).
				var f, df float64
				for k := 0; k < s.NMax; k++ {
					e := bP[l][n][k] * math.Exp(-aP[l][k]*r2)
					f += e
					df -= aP[l][k] * e
				}
				for lm := l * l; lm < (l+1)*(l+1); lm++ {
					co.c[z][n][lm] += f * sh[lm]
					if withGrad {
						for k := 0; k < 3; k++ {
							co.grad[a][n][lm][k] = df*2*R[k]*sh[lm] + f*shGrad[lm][k]
						}
					}
				}
			}
		}
	}
	return co
}

// pairs lists the (Z, Z') species-index blocks in DScribe's order.
func (s *SOAP) pairs() [][2]int {
	var ps [][2]int
	for z1 := range s.Species {
		for z2 := z1; z2 < len(s.Species); z2++ {
			if z1 != z2 && !s.Crossover {
				continue
			}
			ps = append(ps, [2]int{z1, z2})
		}
	}
	return ps
}

// prefactor is DScribe's π √(8/(2l+1)).
func prefactor(l int) float64 { return math.Pi * math.Sqrt(8/(2*float64(l)+1)) }

func (s *SOAP) powerSpectrum(co coefficients) []float64 {
	p := make([]float64, 0, s.NumFeatures())
	for _, zz := range s.pairs() {
		for l := 0; l <= s.LMax; l++ {
			pre := prefactor(l)
			for n1 := 0; n1 < s.NMax; n1++ {
				start := 0
				if zz[0] == zz[1] {
					start = n1
				}
				for n2 := start; n2 < s.NMax; n2++ {
					var sum float64
					for lm := l * l; lm < (l+1)*(l+1); lm++ {
						sum += co.c[zz[0]][n1][lm] * co.c[zz[1]][n2][lm]
					}
					p = append(p, pre*sum)
				}
			}
		}
	}
	return p
}

// powerSpectrumGrad writes ∂p/∂r_atom into out[xyz][feature]; za is the atom's
// species index: only blocks containing it change.
func (s *SOAP) powerSpectrumGrad(co coefficients, atom, za int, out [][]float64) {
	g := co.grad[atom]
	f := 0
	for _, zz := range s.pairs() {
		for l := 0; l <= s.LMax; l++ {
			pre := prefactor(l)
			for n1 := 0; n1 < s.NMax; n1++ {
				start := 0
				if zz[0] == zz[1] {
					start = n1
				}
				for n2 := start; n2 < s.NMax; n2++ {
					for lm := l * l; lm < (l+1)*(l+1); lm++ {
						for k := 0; k < 3; k++ {
							var v float64
							if zz[0] == za {
								v += g[n1][lm][k] * co.c[zz[1]][n2][lm]
							}
							if zz[1] == za {
								v += co.c[zz[0]][n1][lm] * g[n2][lm][k]
							}
							out[k][f] += pre * v
						}
					}
					f++
				}
			}
		}
	}
}
