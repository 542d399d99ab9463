package flows

import (
	"fmt"
	"math/bits"
)

// Layer is one layer of a hierarchical bijector: disjoint blocks of sites of
// an L x L lattice (site index y*L + x), each moved by the same RealNVP block.
// Sites in no block pass through unchanged.
type Layer struct {
	// Kind is "disentangler" or "decimator".
	Kind string
	// Level is the RG level: block corners are 2^Level sites apart (0 for TEBD layers).
	Level int
	// Blocks lists the sites of each block in the block's variable order.
	Blocks [][]int
}

// Layout is the arrangement of RealNVP blocks on the lattice, in the order the
// generator applies them (latent z -> configuration x).
type Layout struct {
	// Arch is "tebd" or "mera".
	Arch string
	// L is the lattice size; the bijector acts on N = L² variables.
	L int
	// Depth is the number of TEBD layers or of MERA RG levels.
	Depth int
	// Layers in generation order.
	Layers []Layer
}

// plaquettes returns the 2x2 blocks with corners (off + stride·i, off + stride·j)
// and spacing d between the corners, each ordered (top-left, bottom-right,
// top-right, bottom-left) so the two halves of a RealNVP split are the diagonals.
func plaquettes(L, stride, d, off int) [][]int {
	var out [][]int
	site := func(y, x int) int { return (y%L)*L + x%L }
	for y := off; y < L+off; y += stride {
		for x := off; x < L+off; x += stride {
			out = append(out, []int{site(y, x), site(y+d, x+d), site(y, x+d), site(y+d, x)})
		}
	}
	return out
}

// TEBD returns the TEBD-like layout of NeuralRG: depth layers of disentanglers
// on 2x2 plaquettes tiling the lattice, every other layer shifted by one site
// along both axes so that successive layers straddle each other's boundaries,
// like the brick-wall circuits of time-evolving block decimation.
// L must be even and >= 4, depth >= 1.
func TEBD(L, depth int) (Layout, error) {
	if L < 4 || L%2 != 0 {
		return Layout{}, fmt.Errorf("flows: TEBD layout needs an even L >= 4, got L=%d", L)
	}
	if depth < 1 {
		return Layout{}, fmt.Errorf("flows: TEBD depth=%d must be >= 1", depth)
	}
	lay := Layout{Arch: "tebd", L: L, Depth: depth}
	for i := 0; i < depth; i++ {
		lay.Layers = append(lay.Layers, Layer{Kind: "disentangler", Blocks: plaquettes(L, 2, 1, i%2)})
	}
	return lay, nil
}

// MaxMERADepth is log2 L, the number of RG levels of a MERA on an L x L lattice.
func MaxMERADepth(L int) int { return bits.Len(uint(L)) - 1 }

// MERA returns the MERA-like layout of NeuralRG for L a power of two (>= 4).
// Level k (k = depth-1 down to 0 in generation order) works on the sites whose
// coordinates are multiples of s = 2^k. Its decimators act on 2x2 blocks with
// corners s apart, aligned to multiples of 2s: the top-left site of each block
// carries the coarse variable from level k+1 and the other three receive fresh
// latent noise (in the inference direction, the decimator keeps one variable
// per block and passes three out as latent variables). Its disentanglers act
// on the same blocks shifted by s, mixing across the decimators' boundaries.
// Each level has repeat (decimator, disentangler) pairs. depth must lie in
// 1..log2 L; with depth < log2 L the coarsest 2^depth-spaced sites stay
// independent latent Gaussians.
func MERA(L, depth, repeat int) (Layout, error) {
	if L < 4 || L&(L-1) != 0 {
		return Layout{}, fmt.Errorf("flows: MERA layout needs L a power of two >= 4, got L=%d", L)
	}
	if maxD := MaxMERADepth(L); depth < 1 || depth > maxD {
		return Layout{}, fmt.Errorf("flows: MERA depth=%d out of range for L=%d: need 1 <= depth <= log2 L = %d", depth, L, maxD)
	}
	if repeat < 1 {
		return Layout{}, fmt.Errorf("flows: MERA repeat=%d must be >= 1", repeat)
	}
	lay := Layout{Arch: "mera", L: L, Depth: depth}
	for k := depth - 1; k >= 0; k-- {
		s := 1 << k
		for r := 0; r < repeat; r++ {
			lay.Layers = append(lay.Layers,
				Layer{Kind: "decimator", Level: k, Blocks: plaquettes(L, 2*s, s, 0)},
				Layer{Kind: "disentangler", Level: k, Blocks: plaquettes(L, 2*s, s, s)})
		}
	}
	return lay, nil
}

// NewLayout returns the layout for arch "tebd" or "mera" (repeat is used by MERA only).
func NewLayout(arch string, L, depth, repeat int) (Layout, error) {
	switch arch {
	case "tebd":
		return TEBD(L, depth)
	case "mera":
		return MERA(L, depth, repeat)
	}
	return Layout{}, fmt.Errorf("flows: unknown architecture %q (use tebd or mera)", arch)
}

// validate checks that every layer's blocks are disjoint sites of the lattice.
func (lay Layout) validate() error {
	N := lay.L * lay.L
	for li, layer := range lay.Layers {
		seen := make([]bool, N)
		for _, b := range layer.Blocks {
			for _, s := range b {
				if s < 0 || s >= N {
					return fmt.Errorf("flows: layer %d: site %d outside the %dx%d lattice", li, s, lay.L, lay.L)
				}
				if seen[s] {
					return fmt.Errorf("flows: layer %d: site %d in two blocks", li, s)
				}
				seen[s] = true
			}
		}
	}
	return nil
}
