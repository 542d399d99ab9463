package flows

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Bijector is a hierarchical NeuralRG bijector: the layers of a [Layout], each
// with its own RealNVP block shared by all the layer's plaquettes (the weights
// are translation invariant, like a convolution), stacked into one invertible
// map x = g(z) of N = L² variables with tractable ln|det ∂g/∂z|.
type Bijector struct {
	Layout Layout
	Block  RealNVP
	DType  dtypes.DType
	store  *model.Store
	blocks []*block
	// order[l] is the column order of the variables while layer l acts:
	// its blocks' sites first (block-major), then the untouched sites.
	order [][]int
}

// NewBijector creates the bijector's variables in store (under scope "flow"),
// initialised reproducibly from seed. dtype is Float32 (training) or Float64 (tests).
func NewBijector(store *model.Store, layout Layout, blockCfg RealNVP, dtype dtypes.DType, seed uint64) (*Bijector, error) {
	if err := blockCfg.Validate(); err != nil {
		return nil, err
	}
	if len(layout.Layers) == 0 {
		return nil, fmt.Errorf("flows: layout has no layers")
	}
	if err := layout.validate(); err != nil {
		return nil, err
	}
	if dtype != dtypes.Float32 && dtype != dtypes.Float64 {
		return nil, fmt.Errorf("flows: dtype %s not supported (use Float32 or Float64)", dtype)
	}
	for li, layer := range layout.Layers {
		for _, b := range layer.Blocks {
			if len(b) != blockCfg.Dim {
				return nil, fmt.Errorf("flows: layer %d has blocks of %d sites but the RealNVP block has Dim=%d", li, len(b), blockCfg.Dim)
			}
		}
	}
	bj := &Bijector{Layout: layout, Block: blockCfg, DType: dtype, store: store}
	rng := rand.New(rand.NewPCG(seed, 0x6e657572616c7267)) // "neuralrg"
	N := layout.L * layout.L
	for li, layer := range layout.Layers {
		b, err := newBlock(store, fmt.Sprintf("/flow/layer_%02d_%s", li, layer.Kind), blockCfg, dtype, rng)
		if err != nil {
			return nil, err
		}
		bj.blocks = append(bj.blocks, b)
		inBlock := make([]bool, N)
		var ord []int
		for _, blk := range layer.Blocks {
			for _, s := range blk {
				ord = append(ord, s)
				inBlock[s] = true
			}
		}
		for s := 0; s < N; s++ {
			if !inBlock[s] {
				ord = append(ord, s)
			}
		}
		bj.order = append(bj.order, ord)
	}
	return bj, nil
}

// N is the number of variables, L².
func (bj *Bijector) N() int { return bj.Layout.L * bj.Layout.L }

// Store is the model store holding the bijector's weights.
func (bj *Bijector) Store() *model.Store { return bj.store }

// NumParameters counts the trainable weights.
func (bj *Bijector) NumParameters() int {
	n := 0
	for v := range bj.store.IterVariables() {
		if v.Trainable && len(v.Scope()) >= 5 && v.Scope()[:5] == "/flow" {
			n += v.Shape().Size()
		}
	}
	return n
}

// permute reorders the columns of x (rows, N) from order `from` to order `to`
// (both lists of site indices) by multiplying with a 0/1 permutation matrix:
// exact in floating point, differentiable, and fast for the N of a lattice.
func permute(x *Node, from, to []int) *Node {
	N := len(from)
	same := true
	for i := range from {
		if from[i] != to[i] {
			same = false
			break
		}
	}
	if same {
		return x
	}
	pos := make([]int, N)
	for i, s := range from {
		pos[s] = i
	}
	m := make([]float64, N*N)
	for j, s := range to {
		m[pos[s]*N+j] = 1
	}
	g := x.Graph()
	return MatMul(x, Const(g, tensorOf(m, x.DType(), N, N)))
}

func identityOrder(N int) []int {
	o := make([]int, N)
	for i := range o {
		o[i] = i
	}
	return o
}

// applyLayer runs layer li on x given in column order ord[li]: the first
// nb·Dim columns are reshaped to (rows·nb, Dim), moved by the block and put back.
func (bj *Bijector) applyLayer(li int, x *Node, inverse bool) (y, logDet *Node) {
	rows := x.Shape().Dimensions[0]
	N := bj.N()
	D := bj.Block.Dim
	nb := len(bj.Layout.Layers[li].Blocks)
	w := nb * D
	head := Reshape(Slice(x, AxisRange(), AxisRange(0, w)), rows*nb, D)
	var moved, ld *Node
	if inverse {
		moved, ld = bj.blocks[li].inverse(head)
	} else {
		moved, ld = bj.blocks[li].forward(head)
	}
	moved = Reshape(moved, rows, w)
	logDet = ReduceSum(Reshape(ld, rows, nb), -1)
	if w == N {
		return moved, logDet
	}
	return Concatenate([]*Node{moved, Slice(x, AxisRange(), AxisRange(w, N))}, -1), logDet
}

// Generate maps latent z (rows, N) to configurations x = g(z) and returns
// ln|det ∂x/∂z| per row. Both are in site order y*L + x.
func (bj *Bijector) Generate(z *Node) (x, logDet *Node) {
	x, logDet, _ = bj.generate(z, false)
	return x, logDet
}

// GenerateLevels is Generate that also returns x after every layer (in site
// order): the configuration as the generator builds it, coarse to fine.
func (bj *Bijector) GenerateLevels(z *Node) (x, logDet *Node, levels []*Node) {
	return bj.generate(z, true)
}

func (bj *Bijector) generate(z *Node, keep bool) (x, logDet *Node, levels []*Node) {
	N := bj.N()
	id := identityOrder(N)
	cur := id
	x = z
	logDet = ZerosLike(ReduceSum(z, -1))
	for li := range bj.Layout.Layers {
		x = permute(x, cur, bj.order[li])
		cur = bj.order[li]
		var ld *Node
		x, ld = bj.applyLayer(li, x, false)
		logDet = Add(logDet, ld)
		if keep {
			levels = append(levels, permute(x, cur, id))
		}
	}
	return permute(x, cur, id), logDet, levels
}

// Infer is the exact inverse: z = g⁻¹(x) and ln|det ∂z/∂x| = -ln|det ∂x/∂z| per row.
func (bj *Bijector) Infer(x *Node) (z, logDet *Node) {
	N := bj.N()
	id := identityOrder(N)
	cur := id
	z = x
	logDet = ZerosLike(ReduceSum(x, -1))
	for li := len(bj.Layout.Layers) - 1; li >= 0; li-- {
		z = permute(z, cur, bj.order[li])
		cur = bj.order[li]
		var ld *Node
		z, ld = bj.applyLayer(li, z, true)
		logDet = Add(logDet, ld)
	}
	return permute(z, cur, id), logDet
}

// LogPrior is ln N(z; 0, 1) = -½|z|² - (N/2) ln 2π per row.
func LogPrior(z *Node) *Node {
	n := z.Shape().Dimensions[1]
	return AddScalar(MulScalar(ReduceSum(Square(z), -1), -0.5), -0.5*float64(n)*math.Log(2*math.Pi))
}

// LogProb is ln q(x) = ln N(g⁻¹(x)) + ln|det ∂z/∂x| per row, the flow's exact density.
func (bj *Bijector) LogProb(x *Node) *Node {
	z, ld := bj.Infer(x)
	return Add(LogPrior(z), ld)
}
