package ising

import (
	"fmt"
	"math"
)

// Exact holds thermal averages of the discrete model computed exactly by
// enumeration ([BruteForce]).
type Exact struct {
	L, N int
	T    float64
	// LnZ is ln Σ_s exp(-E(s)/T).
	LnZ float64
	// EnergyPerSite is <E>/N.
	EnergyPerSite float64
	// AbsMagnetisation is <|m|> with m = Σ_i s_i / N.
	AbsMagnetisation float64
	// StructureFactor is S(0) = <(Σ_i s_i)²>/N = N <m²>.
	StructureFactor float64
}

// MaxBruteForceSites bounds [BruteForce]: 2^25 configurations take about a
// second; beyond that use [KaufmanLnZ].
const MaxBruteForceSites = 25

// BruteForce sums over all 2^N spin configurations of the L x L torus (N = L²
// <= [MaxBruteForceSites]) and returns lnZ with the exact averages of the
// energy, |m| and the structure factor. Configurations are visited in Gray-code
// order, so each step flips one spin and updates E and M in O(1).
func BruteForce(L int, T float64) (Exact, error) {
	if err := checkLT(L, T); err != nil {
		return Exact{}, err
	}
	N := L * L
	if N > MaxBruteForceSites {
		return Exact{}, fmt.Errorf("ising: brute force over 2^%d configurations is too slow: need L*L <= %d (use KaufmanLnZ)", N, MaxBruteForceSites)
	}
	right, down := Neighbours(L)
	// nbr[k] lists the neighbours of k with multiplicity (4 entries).
	nbr := make([][4]int, N)
	left, up := make([]int, N), make([]int, N)
	for i := 0; i < N; i++ {
		left[right[i]] = i
		up[down[i]] = i
	}
	for i := 0; i < N; i++ {
		nbr[i] = [4]int{right[i], down[i], left[i], up[i]}
	}
	s := make([]int8, N)
	for i := range s {
		s[i] = 1
	}
	beta := 1 / T
	e := -2 * N // all up: the ground state, so every weight exp(-β(E-E0)) <= 1
	e0 := float64(e)
	m := N
	var z, ze, zm, zm2 float64
	add := func() {
		w := math.Exp(-beta * (float64(e) - e0))
		z += w
		ze += w * float64(e)
		zm += w * math.Abs(float64(m))
		zm2 += w * float64(m) * float64(m)
	}
	add()
	total := uint64(1) << N
	for g := uint64(1); g < total; g++ {
		// Gray code: step g flips the bit at the position of g's lowest set bit.
		k := 0
		for (g>>k)&1 == 0 {
			k++
		}
		h := 0
		for _, j := range nbr[k] {
			h += int(s[j])
		}
		e += 2 * int(s[k]) * h
		m -= 2 * int(s[k])
		s[k] = -s[k]
		add()
	}
	fn := float64(N)
	return Exact{
		L: L, N: N, T: T,
		LnZ:              math.Log(z) - beta*e0,
		EnergyPerSite:    ze / z / fn,
		AbsMagnetisation: zm / z / fn,
		StructureFactor:  zm2 / z / fn,
	}, nil
}

// BruteForceLnZ is lnZ from [BruteForce].
func BruteForceLnZ(L int, T float64) (float64, error) {
	ex, err := BruteForce(L, T)
	return ex.LnZ, err
}

// MaxTransferMatrixL bounds [TransferMatrixLnZ] (a 2^L x 2^L matrix, L products).
const MaxTransferMatrixL = 9

// TransferMatrixLnZ computes lnZ = ln Tr(T^L) with the row-to-row transfer
// matrix T_ab = exp(β[½h(a) + ½h(b) + Σ_x a_x b_x]), h(a) = Σ_x a_x a_(x+1)
// the bonds inside a row. It is exact and independent of Kaufman's
// fermionic solution; the cost grows as L·8^L, so L <= [MaxTransferMatrixL].
func TransferMatrixLnZ(L int, T float64) (float64, error) {
	if err := checkLT(L, T); err != nil {
		return 0, err
	}
	if L > MaxTransferMatrixL {
		return 0, fmt.Errorf("ising: transfer matrix of size 2^%d is too large: need L <= %d", L, MaxTransferMatrixL)
	}
	beta := 1 / T
	M := 1 << L
	spin := func(a, x int) int { return 2*((a>>x)&1) - 1 }
	h := make([]float64, M)
	for a := 0; a < M; a++ {
		for x := 0; x < L; x++ {
			h[a] += float64(spin(a, x) * spin(a, (x+1)%L))
		}
	}
	t := make([]float64, M*M)
	for a := 0; a < M; a++ {
		for b := 0; b < M; b++ {
			v := 0.5*h[a] + 0.5*h[b]
			for x := 0; x < L; x++ {
				v += float64(spin(a, x) * spin(b, x))
			}
			// Subtract the largest possible exponent (3L: all aligned) to keep entries <= 1.
			t[a*M+b] = math.Exp(beta * (v - 3*float64(L)))
		}
	}
	// P = T^L, renormalised after each product; the scales are accumulated in logScale.
	p := append([]float64(nil), t...)
	logScale := 0.0
	tmp := make([]float64, M*M)
	for step := 1; step < L; step++ {
		for i := range tmp {
			tmp[i] = 0
		}
		for a := 0; a < M; a++ {
			for k := 0; k < M; k++ {
				pak := p[a*M+k]
				if pak == 0 {
					continue
				}
				row := t[k*M : (k+1)*M]
				out := tmp[a*M : (a+1)*M]
				for b, v := range row {
					out[b] += pak * v
				}
			}
		}
		mx := 0.0
		for _, v := range tmp {
			mx = math.Max(mx, v)
		}
		for i := range tmp {
			tmp[i] /= mx
		}
		logScale += math.Log(mx)
		p, tmp = tmp, p
	}
	tr := 0.0
	for a := 0; a < M; a++ {
		tr += p[a*M+a]
	}
	return math.Log(tr) + logScale + beta*3*float64(L)*float64(L), nil
}

// KaufmanLnZ is the exact lnZ of the L x L periodic Ising model from Kaufman's
// finite-lattice solution (Phys. Rev. 76, 1232 (1949), Eq. 39 in the form of
// e.g. Ferdinand & Fisher, Phys. Rev. 185, 832 (1969)):
//
//	Z = ½ (2 sinh 2K)^(N/2) [Π_r 2cosh(½Lγ_(2r+1)) + Π_r 2sinh(½Lγ_(2r+1))
//	                        + Π_r 2cosh(½Lγ_(2r))   + Π_r 2sinh(½Lγ_(2r))],
//
// r = 0..L-1, K = 1/T, cosh γ_q = cosh 2K* cosh 2K - sinh 2K* sinh 2K cos(πq/L)
// with tanh K* = exp(-2K), and γ_0 = 2(K - K*) keeping its sign (negative above
// T_c, which makes the last product negative). Works for any L >= 2 and costs O(L).
func KaufmanLnZ(L int, T float64) (float64, error) {
	if err := checkLT(L, T); err != nil {
		return 0, err
	}
	K := 1 / T
	Ks := math.Atanh(math.Exp(-2 * K))
	fl := float64(L)
	gamma := func(q int) float64 {
		if q == 0 {
			return 2 * (K - Ks)
		}
		c := math.Cosh(2*Ks)*math.Cosh(2*K) - math.Sinh(2*Ks)*math.Sinh(2*K)*math.Cos(math.Pi*float64(q)/fl)
		return math.Acosh(c)
	}
	// Each product is kept as (sign, ln|.|).
	type signedLog struct {
		sign float64
		log  float64
	}
	prod := func(odd, useSinh bool) signedLog {
		out := signedLog{sign: 1}
		for r := 0; r < L; r++ {
			q := 2 * r
			if odd {
				q++
			}
			a := 0.5 * fl * gamma(q)
			if useSinh {
				if a == 0 {
					return signedLog{sign: 0, log: math.Inf(-1)}
				}
				if a < 0 {
					out.sign = -out.sign
				}
				out.log += logTwoSinh(math.Abs(a))
			} else {
				out.log += logTwoCosh(a)
			}
		}
		return out
	}
	terms := []signedLog{prod(true, false), prod(true, true), prod(false, false), prod(false, true)}
	mx := math.Inf(-1)
	for _, t := range terms {
		if t.sign != 0 {
			mx = math.Max(mx, t.log)
		}
	}
	sum := 0.0
	for _, t := range terms {
		sum += t.sign * math.Exp(t.log-mx)
	}
	if !(sum > 0) {
		return 0, fmt.Errorf("ising: Kaufman sum lost all precision at L=%d, T=%v", L, T)
	}
	return -math.Ln2 + 0.5*fl*fl*math.Log(2*math.Sinh(2*K)) + mx + math.Log(sum), nil
}

// logTwoCosh is ln(2 cosh a) without overflow.
func logTwoCosh(a float64) float64 {
	a = math.Abs(a)
	return a + math.Log1p(math.Exp(-2*a))
}

// logTwoSinh is ln(2 sinh a) for a > 0 without overflow.
func logTwoSinh(a float64) float64 {
	return a + math.Log(-math.Expm1(-2*a))
}

// OnsagerLnZPerSite is the thermodynamic limit of lnZ/N (Onsager 1944), from
// the one-dimensional integral
//
//	lnZ/N = ln(2 cosh 2K) + (1/π) ∫_0^(π/2) ln[½(1 + √(1 - κ² sin²θ))] dθ,
//
// κ = 2 sinh 2K / cosh² 2K, evaluated with a 4000-point Gauss-free midpoint rule
// (the integrand is smooth except at T_c, where it has an integrable kink).
func OnsagerLnZPerSite(T float64) float64 {
	K := 1 / T
	kappa := 2 * math.Sinh(2*K) / (math.Cosh(2*K) * math.Cosh(2*K))
	const n = 4000
	h := (math.Pi / 2) / n
	s := 0.0
	for i := 0; i < n; i++ {
		th := (float64(i) + 0.5) * h
		sn := math.Sin(th)
		s += math.Log(0.5 * (1 + math.Sqrt(math.Max(0, 1-kappa*kappa*sn*sn))))
	}
	return math.Log(2*math.Cosh(2*K)) + s*h/math.Pi
}

// KaufmanEnergyPerSite is the exact <E>/N of the L x L torus at T, from
// <E> = T² ∂lnZ/∂T by a central difference of [KaufmanLnZ] (step 1e-5 T:
// truncation and rounding errors are both below 1e-8): the reference for the
// energy of samplers on lattices too large to enumerate.
func KaufmanEnergyPerSite(L int, T float64) (float64, error) {
	h := 1e-5 * T
	up, err := KaufmanLnZ(L, T+h)
	if err != nil {
		return 0, err
	}
	down, err := KaufmanLnZ(L, T-h)
	if err != nil {
		return 0, err
	}
	return T * T * (up - down) / (2 * h) / float64(L*L), nil
}
