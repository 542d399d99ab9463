package flows

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/physnb/physnb/lib/backend"
)

func testBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := backend.Default()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nonTrivial is a block far from the identity, so the tests exercise s and t.
func nonTrivial(dim int) RealNVP {
	return RealNVP{Dim: dim, Couplings: 3, MLPLayers: 2, Hidden: 8, ScaleBound: 2, Activation: "tanh", OutputInit: 0.6}
}

func randomRows(rng *rand.Rand, rows, n int) []float64 {
	v := make([]float64, rows*n)
	for i := range v {
		v[i] = 1.5 * rng.NormFloat64()
	}
	return v
}

// logAbsDet is ln|det M| by Gaussian elimination with partial pivoting (an
// independent reference for the flow's tracked log-determinant).
func logAbsDet(m []float64, n int) float64 {
	a := append([]float64(nil), m...)
	ld := 0.0
	for c := 0; c < n; c++ {
		p := c
		for i := c + 1; i < n; i++ {
			if math.Abs(a[i*n+c]) > math.Abs(a[p*n+c]) {
				p = i
			}
		}
		for j := 0; j < n; j++ {
			a[c*n+j], a[p*n+j] = a[p*n+j], a[c*n+j]
		}
		piv := a[c*n+c]
		ld += math.Log(math.Abs(piv))
		for i := c + 1; i < n; i++ {
			f := a[i*n+c] / piv
			for j := c; j < n; j++ {
				a[i*n+j] -= f * a[c*n+j]
			}
		}
	}
	return ld
}

// checkBijection runs forward and inverse maps f, finv on rows of dimension n
// (float64) and checks inverse(forward(x)) = x, that the two log-dets cancel,
// and that the forward log-det equals ln|det J| of a central-difference Jacobian.
func checkBijection(t *testing.T, name string, n int,
	run func(x []float64, rows int, inverse bool) (y, logDet []float64)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const rows = 3
	x := randomRows(rng, rows, n)
	y, ldF := run(x, rows, false)
	back, ldI := run(y, rows, true)
	maxErr, moved := 0.0, 0.0
	for i := range x {
		maxErr = math.Max(maxErr, math.Abs(back[i]-x[i]))
		moved = math.Max(moved, math.Abs(y[i]-x[i]))
	}
	if maxErr > 1e-10 {
		t.Errorf("%s: |inverse(forward(x)) - x| = %.3g", name, maxErr)
	}
	if moved < 0.1 {
		t.Errorf("%s: the map is almost the identity (max |y-x| = %.3g): the test would be vacuous", name, moved)
	}
	// Central differences: 2n perturbed copies of each row in one batch.
	const h = 1e-4
	for r := 0; r < rows; r++ {
		if math.Abs(ldF[r]+ldI[r]) > 1e-10 {
			t.Errorf("%s row %d: forward log-det %.12f and inverse %.12f do not cancel", name, r, ldF[r], ldI[r])
		}
		// Fourth-order central differences, f' = [-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)]/12h:
		// 4n perturbed copies of the row in one batch.
		offsets := []float64{2, 1, -1, -2}
		weights := []float64{-1, 8, -8, 1}
		pert := make([]float64, 4*n*n)
		for k := 0; k < n; k++ {
			for s, o := range offsets {
				row := pert[(4*k+s)*n : (4*k+s+1)*n]
				copy(row, x[r*n:(r+1)*n])
				row[k] += o * h
			}
		}
		yp, _ := run(pert, 4*n, false)
		jac := make([]float64, n*n) // jac[i*n+k] = ∂y_i/∂x_k
		for k := 0; k < n; k++ {
			for i := 0; i < n; i++ {
				d := 0.0
				for s, w := range weights {
					d += w * yp[(4*k+s)*n+i]
				}
				jac[i*n+k] = d / (12 * h)
			}
		}
		if num := logAbsDet(jac, n); math.Abs(num-ldF[r]) > 1e-7*math.Max(1, math.Abs(num)) {
			t.Errorf("%s row %d: tracked log|det J| = %.9f, numerical Jacobian gives %.9f", name, r, ldF[r], num)
		}
	}
}

func toF64(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

func TestRealNVPBlockInverseAndLogDet(t *testing.T) {
	b := testBackend(t)
	for _, dim := range []int{2, 4, 6} {
		store := model.NewStore()
		blk, err := newBlock(store, "/blk", nonTrivial(dim), dtypes.Float64, rand.New(rand.NewPCG(7, 8)))
		if err != nil {
			t.Fatal(err)
		}
		fwd := model.MustNewExec(b, store, func(_ *model.Scope, x *Node) (*Node, *Node) { return blk.forward(x) })
		inv := model.MustNewExec(b, store, func(_ *model.Scope, x *Node) (*Node, *Node) { return blk.inverse(x) })
		checkBijection(t, "RealNVP dim "+string(rune('0'+dim)), dim, func(x []float64, rows int, inverse bool) ([]float64, []float64) {
			e := fwd
			if inverse {
				e = inv
			}
			out := e.MustExec(tensors.FromFlatDataAndDimensions(x, rows, dim))
			return toF64(out[0]), toF64(out[1])
		})
	}
}

func bijectorRunner(t *testing.T, b compute.Backend, bj *Bijector) func(x []float64, rows int, inverse bool) ([]float64, []float64) {
	gen := model.MustNewExec(b, bj.Store(), func(_ *model.Scope, z *Node) (*Node, *Node) { return bj.Generate(z) })
	inf := model.MustNewExec(b, bj.Store(), func(_ *model.Scope, x *Node) (*Node, *Node) { return bj.Infer(x) })
	n := bj.N()
	return func(x []float64, rows int, inverse bool) ([]float64, []float64) {
		e := gen
		if inverse {
			e = inf
		}
		out := e.MustExec(tensors.FromFlatDataAndDimensions(x, rows, n))
		return toF64(out[0]), toF64(out[1])
	}
}

func TestHierarchicalBijectorsInverseAndLogDet(t *testing.T) {
	b := testBackend(t)
	cases := []struct {
		name   string
		layout func() (Layout, error)
	}{
		{"TEBD L=4 depth 3", func() (Layout, error) { return TEBD(4, 3) }},
		{"MERA L=4 depth 2", func() (Layout, error) { return MERA(4, 2, 1) }},
		{"MERA L=8 depth 3", func() (Layout, error) { return MERA(8, 3, 1) }},
		{"MERA L=8 depth 2 repeat 2", func() (Layout, error) { return MERA(8, 2, 2) }},
	}
	for _, c := range cases {
		lay, err := c.layout()
		if err != nil {
			t.Fatal(err)
		}
		cfg := nonTrivial(4)
		cfg.Couplings = 2
		bj, err := NewBijector(model.NewStore(), lay, cfg, dtypes.Float64, 3)
		if err != nil {
			t.Fatal(err)
		}
		checkBijection(t, c.name, bj.N(), bijectorRunner(t, b, bj))
	}
}

// The layouts' geometry: TEBD layers tile the whole lattice with alternating
// offsets; MERA level k touches exactly the sites on the 2^k sublattice, and
// its decimators' first (kept) site lies on the 2^(k+1) sublattice.
func TestLayoutGeometry(t *testing.T) {
	lay, _ := TEBD(6, 2)
	for li, layer := range lay.Layers {
		if len(layer.Blocks) != 9 {
			t.Errorf("TEBD L=6 layer %d has %d plaquettes, want 9", li, len(layer.Blocks))
		}
	}
	if lay.Layers[0].Blocks[0][0] != 0 || lay.Layers[1].Blocks[0][0] != 7 {
		t.Errorf("TEBD plaquette corners %d, %d: want site 0 then the shifted site (1,1) = 7",
			lay.Layers[0].Blocks[0][0], lay.Layers[1].Blocks[0][0])
	}
	L := 16
	m, err := MERA(L, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 8 {
		t.Fatalf("MERA L=16 depth 4 has %d layers, want 8 (a decimator and a disentangler per level)", len(m.Layers))
	}
	for _, layer := range m.Layers {
		s := 1 << layer.Level
		want := (L / s) * (L / s)
		got := 0
		for _, blk := range layer.Blocks {
			for _, site := range blk {
				got++
				if (site/L)%s != 0 || (site%L)%s != 0 {
					t.Fatalf("level %d %s touches site (%d,%d) off the %d-sublattice", layer.Level, layer.Kind, site/L, site%L, s)
				}
			}
			if kept := blk[0]; layer.Kind == "decimator" && ((kept/L)%(2*s) != 0 || (kept%L)%(2*s) != 0) {
				t.Fatalf("level %d decimator keeps site (%d,%d), not on the coarser %d-sublattice", layer.Level, kept/L, kept%L, 2*s)
			}
		}
		if got != want {
			t.Errorf("level %d %s covers %d sites, want %d", layer.Level, layer.Kind, got, want)
		}
	}
	if m.Layers[0].Level != 3 || m.Layers[7].Level != 0 {
		t.Errorf("MERA generation must go coarse to fine: first level %d, last %d", m.Layers[0].Level, m.Layers[7].Level)
	}
}

func TestLayoutBadArguments(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"MERA odd L", errOf(MERA(5, 1, 1)), "power of two"},
		{"MERA L=12", errOf(MERA(12, 1, 1)), "power of two"},
		{"MERA depth too large", errOf(MERA(8, 4, 1)), "log2 L = 3"},
		{"MERA depth 0", errOf(MERA(8, 0, 1)), "1 <= depth"},
		{"TEBD odd L", errOf(TEBD(5, 2)), "even L"},
		{"TEBD depth 0", errOf(TEBD(4, 0)), "depth=0"},
		{"arch", errOf(NewLayout("peps", 4, 2, 1)), "unknown architecture"},
		{"odd Dim", RealNVP{Dim: 3, Couplings: 1, MLPLayers: 1, Hidden: 4, ScaleBound: 1, Activation: "tanh"}.Validate(), "even"},
		{"activation", RealNVP{Dim: 4, Couplings: 1, MLPLayers: 1, Hidden: 4, ScaleBound: 1, Activation: "wobble"}.Validate(), "activation"},
	}
	for _, c := range cases {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, c.err, c.want)
		}
	}
}

func errOf(_ Layout, err error) error { return err }
