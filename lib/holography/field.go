package holography

import (
	"math"

	"github.com/physnb/physnb/lib/holography/blackhole"
	"github.com/physnb/physnb/lib/holography/ode"
)

// Profile holds H(η) at the three RK4 stage points (start, middle, end) of
// each layer: all the network ever needs of a metric.
type Profile [][3]float64

// TrueProfile samples the black hole's H(η) at the stage points of cfg.
func TrueProfile(cfg Config, bh *blackhole.Background) Profile {
	return hostProfile(cfg, bh.HAt)
}

// stageIndex maps a stage time inside layer i back to 0, 1, 2.
func stageIndex(cfg Config, i int, t float64) int {
	h := cfg.Step()
	x := (t - cfg.LayerEta(i)) / (h / 2)
	switch {
	case x < 0.5:
		return 0
	case x < 1.5:
		return 1
	}
	return 2
}

// Propagate integrates the scalar-field equation on the host (float64) with
// the given metric profile, from (φ, Π) at η_UV through the N RK4 layers, and
// returns (φ, Π) at η_IR.
func Propagate(cfg Config, prof Profile, phi, pi float64) (float64, float64) {
	p, q := PropagateBatch(cfg, prof, []float64{phi}, []float64{pi})
	return p[0], q[0]
}

// PropagateBatch is Propagate for many boundary points at once: the state
// handed to the RK4 step is [φ₁…φ_B, Π₁…Π_B].
func PropagateBatch(cfg Config, prof Profile, phi, pi []float64) (phiIR, piIR []float64) {
	B := len(phi)
	y := append(append(make([]float64, 0, 2*B), phi...), pi...)
	h := cfg.Step()
	for i := 0; i < cfg.Layers; i++ {
		layer := i
		field := func(t float64, y []float64) []float64 {
			H := prof[layer][stageIndex(cfg, layer, t)]
			d := make([]float64, 2*B)
			for k := 0; k < B; k++ {
				phi, pi := y[k], y[B+k]
				d[k] = pi
				d[B+k] = -H*pi + cfg.MassSq*phi + cfg.DV(phi)
			}
			return d
		}
		y = ode.RK4Host(field, cfg.LayerEta(i), h, y)
	}
	return y[:B], y[B:]
}

// HostLoss is the training MSE of the smooth final layer (width w) for a
// metric profile, computed on the host in float64: the objective the network
// minimises, without regularisers, for landscape scans and checks.
func HostLoss(cfg Config, prof Profile, d *Dataset, w float64) float64 {
	p, q := PropagateBatch(cfg, prof, d.Phi, d.Pi)
	s := 0.0
	for i := range p {
		t := SmoothT(cfg.F(p[i], q[i]), w)
		if math.IsNaN(t) { // |F| overflowed: t → 1
			t = 1
		}
		s += (t - d.Label[i]) * (t - d.Label[i])
	}
	return s / float64(len(p))
}

// HostProfile evaluates the ansatz with coefficients d at the RK4 stage points.
func (a *Ansatz) HostProfile(cfg Config, d []float64) Profile {
	return hostProfile(cfg, func(eta float64) float64 { return a.EvalHost(d, eta) })
}

// hostProfile samples a host function H(η) at the RK4 stage points of cfg.
func hostProfile(cfg Config, h func(eta float64) float64) Profile {
	st := cfg.StageEtas()
	p := make(Profile, len(st))
	for i := range st {
		for s := 0; s < 3; s++ {
			p[i][s] = h(st[i][s])
		}
	}
	return p
}

// Landscape returns HostLoss of the K = 2 ansatz on the grid d0s × d1s
// (rows: d1, columns: d0) and the grid point with the lowest loss.
func (a *Ansatz) Landscape(cfg Config, d *Dataset, w float64, d0s, d1s []float64) (loss [][]float64, best []float64, bestLoss float64) {
	bestLoss = math.Inf(1)
	loss = make([][]float64, len(d1s))
	for i, d1 := range d1s {
		loss[i] = make([]float64, len(d0s))
		for j, d0 := range d0s {
			l := HostLoss(cfg, a.HostProfile(cfg, []float64{d0, d1}), d, w)
			loss[i][j] = l
			if l < bestLoss {
				bestLoss, best = l, []float64{d0, d1}
			}
		}
	}
	return loss, best, bestLoss
}

// BestOnGrid scans HostLoss (width w) of the ansatz over the product grid
// center_j + k·step_j, |k·step_j| ≤ halfWidth_j, and returns the best
// coefficients and their loss. It is the K-dimensional version of
// [Ansatz.Landscape], for a local search around a known good point.
func (a *Ansatz) BestOnGrid(cfg Config, d *Dataset, w float64, center, halfWidth, step []float64) ([]float64, float64) {
	K := len(center)
	best, bestLoss := append([]float64{}, center...), math.Inf(1)
	cur := make([]float64, K)
	var rec func(j int)
	rec = func(j int) {
		if j == K {
			if l := HostLoss(cfg, a.HostProfile(cfg, cur), d, w); l < bestLoss {
				bestLoss = l
				copy(best, cur)
			}
			return
		}
		n := int(math.Round(halfWidth[j] / step[j]))
		for k := -n; k <= n; k++ {
			cur[j] = center[j] + float64(k)*step[j]
			rec(j + 1)
		}
	}
	rec(0)
	return best, bestLoss
}
