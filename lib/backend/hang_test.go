package backend

import (
	"os"
	"testing"
	"time"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestCPUDefaultDoesNotHang runs, many times, a small graph of complex-number
// einsums (the Calabi-Yau metric's inner product) that made the pure-Go
// backend's parallel executor (compute v0.1.6) hang in about one run in three
// on 2 cores: eight independent matrix products each held a worker slot and
// waited for more (see ParallelCPUConfig). Both configurations physnb uses
// must run it every time. With plain "go" this test fails on the first run on
// the 2-core development machine.
func TestCPUDefaultDoesNotHang(t *testing.T) {
	os.Unsetenv(EnvBackend)
	t.Setenv(EnvDevice, "cpu")
	runs := 30
	if testing.Short() {
		runs = 5
	}
	for _, cfg := range []string{CPUConfig, ParallelCPUConfig} {
		for i := 0; i < runs; i++ {
			b, err := newQuietly(cfg) // a fresh backend each time, as each GoNB cell has
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				z := func(d ...int) *tensors.Tensor {
					n := 1
					for _, x := range d {
						n *= x
					}
					return tensors.FromFlatDataAndDimensions(make([]float64, n), d...)
				}
				graph.MustExecOnceN(b, func(x []*graph.Node) []*graph.Node {
					hr, hi, sr, si, dr, di := x[0], x[1], x[2], graph.Neg(x[3]), x[4], x[5]
					e := graph.Einsum
					vr := graph.Sub(e("bac,bpc->bpa", hr, sr), e("bac,bpc->bpa", hi, si))
					vi := graph.Add(e("bac,bpc->bpa", hr, si), e("bac,bpc->bpa", hi, sr))
					pr := graph.Sub(e("bpai,bpa->bpi", dr, vr), e("bpai,bpa->bpi", di, vi))
					pi := graph.Add(e("bpai,bpa->bpi", dr, vi), e("bpai,bpa->bpi", di, vr))
					return []*graph.Node{pr, pi}
				}, z(2, 15, 15), z(2, 15, 15), z(2, 30, 15), z(2, 30, 15), z(2, 30, 15, 4), z(2, 30, 15, 4))
			}()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatalf("run %d of %d did not finish in 60 s with backend %q: the executor hangs", i+1, runs, cfg)
			}
			b.Finalize()
		}
	}
}
