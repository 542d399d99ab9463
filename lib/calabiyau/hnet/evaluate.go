package hnet

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/physnb/physnb/lib/calabiyau"
	"github.com/physnb/physnb/lib/calabiyau/cplx"
)

// EtaEvaluator computes η for a fixed metric H on many points in a GoMLX
// graph, the same [Eta] the network trains through. It is the accelerator
// path (XLA/CUDA) of calabiyau.Metric.Etas, which does the same on the host;
// the host prepares the H-independent inputs either way.
type EtaEvaluator struct {
	metric *calabiyau.Metric
	exec   *graph.Exec
	hRe    *tensors.Tensor
	hIm    *tensors.Tensor
}

// NewEtaEvaluator compiles (lazily, on first use) the η graph for a metric.
func NewEtaEvaluator(be compute.Backend, m *calabiyau.Metric) (*EtaEvaluator, error) {
	n := m.Basis.Size()
	if len(m.H) != n*n {
		return nil, fmt.Errorf("hnet: H has %d entries for %d sections", len(m.H), n)
	}
	hr, hi, err := cplx.ToTensors(m.H, 1, n, n)
	if err != nil {
		return nil, err
	}
	k := m.Basis.Degree
	exec, err := graph.NewExec(be, func(x []*graph.Node) *graph.Node {
		return Eta(cplx.New(x[0], x[1]), cplx.New(x[2], x[3]), cplx.New(x[4], x[5]), cplx.New(x[6], x[7]), x[8], k)
	})
	if err != nil {
		return nil, err
	}
	return &EtaEvaluator{metric: m, exec: exec, hRe: hr, hIm: hi}, nil
}

// Etas evaluates η at every point of a sample of the metric's quintic.
func (e *EtaEvaluator) Etas(s *calabiyau.Sample) ([]float64, error) {
	if s.Quintic.Psi != e.metric.Quintic.Psi {
		return nil, fmt.Errorf("hnet: sample of %v, metric of %v", s.Quintic, e.metric.Quintic)
	}
	pts, err := NewPoints(e.metric.Basis, []*calabiyau.Sample{s})
	if err != nil {
		return nil, err
	}
	in := pts.Tensors()
	out, err := e.exec.Exec(e.hRe, e.hIm, in[1], in[2], in[3], in[4], in[5], in[6], in[7])
	if err != nil {
		return nil, err
	}
	return tensors.CopyFlatData[float64](out[0])
}

// Sigma is the σ accuracy of the metric on a sample, with η from the graph.
func (e *EtaEvaluator) Sigma(s *calabiyau.Sample) (sigma, stderr float64, err error) {
	etas, err := e.Etas(s)
	if err != nil {
		return 0, 0, err
	}
	return calabiyau.SigmaOf(etas, s.Weights)
}
