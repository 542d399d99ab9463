package netgraph_test

import (
	"math"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/transfer/internal/nettest"
	"github.com/physnb/physnb/lib/transfer/modelfile"
	"github.com/physnb/physnb/lib/transfer/netgraph"
)

// A network whose weights were damaged must fail its reference check: the
// check compares with a tolerance, and a NaN output never passes.
func TestCheckReferencesFailsOnDamagedWeights(t *testing.T) {
	p := nettest.MNIST8(t)
	for _, c := range []struct {
		name   string
		damage func(w []float32)
	}{
		{"intact", func([]float32) {}},
		{"scaled", func(w []float32) { // one conv kernel 1.5 times too large
			for i := range w {
				w[i] *= 1.5
			}
		}},
		{"one byte", func(w []float32) { // one weight's exponent byte changed
			b := math.Float32bits(w[3]) ^ 0x04000000
			w[3] = math.Float32frombits(b)
		}},
		{"NaN", func(w []float32) { w[0] = float32(math.NaN()) }},
	} {
		m, err := modelfile.ReadONNX(p)
		if err != nil {
			t.Fatal(err)
		}
		var biggest *modelfile.Tensor
		for _, w := range m.Initializers {
			if w.DataType == modelfile.TypeFloat && (biggest == nil || len(w.Float) > len(biggest.Float)) {
				biggest = w
			}
		}
		c.damage(biggest.Float)
		net, err := netgraph.New(m)
		if err != nil {
			t.Fatal(err)
		}
		refs, err := net.CheckReferences(backend.Must(), p)
		if c.name == "intact" {
			if err != nil {
				t.Errorf("intact mnist-8: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), "does not reproduce its reference output") {
			t.Errorf("%s weights: error %v, refs %+v", c.name, err, refs)
		}
	}
}
