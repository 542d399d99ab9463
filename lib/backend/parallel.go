package backend

import (
	"os"
	"sync"

	"github.com/gomlx/compute"
)

// ParallelCPUConfig is the pure-Go backend configuration for graphs made of a
// few large operations that can run side by side, such as a convolutional
// network's training step: independent operations (the two gradients of a
// convolution, the im2col copies, the optimizer's updates) run at the same
// time, where [CPUConfig] runs them one after another.
//
// Why "parallelism=-1" and not the backend's default parallel scheduler: in
// compute v0.1.6 the scheduler hands each ready operation a slot from a pool
// of 2 x cores slots, and an operation that is itself parallel (a matrix
// product, a windowed reduction) then waits for more slots while holding its
// own. When every slot is held by such an operation, none can proceed: that is
// the hang TestCPUDefaultDoesNotHang reproduces with eight independent
// einsums on 2 cores. With parallelism=-1 the pool has no limit, so no one
// waits for a slot; each matrix product still uses at most one goroutine per
// core. The same test runs this configuration.
//
// Measured on the 2-core development machine (docs/architecture.md): the
// lesson's ConvNet trains 1.6-1.8x faster than with [CPUConfig], with
// identical losses; small graphs (an MLP step, a force-field epoch) run 4-14x
// slower, because starting a goroutine per operation costs more than the
// operation. Hence two backends, and the choice is the caller's.
const ParallelCPUConfig = "go:parallelism=-1"

// ParallelConfig returns the configuration [Parallel] would use: on the CPU
// target, [ParallelCPUConfig]; otherwise (CUDA, or an explicit GOMLX_BACKEND,
// which always wins) the same as [Config].
func ParallelConfig() (string, error) {
	cfg, err := Config()
	if err != nil || cfg != CPUConfig {
		return cfg, err
	}
	if v, ok := os.LookupEnv(EnvBackend); ok && v != "" {
		return cfg, nil // the user asked for exactly this
	}
	return ParallelCPUConfig, nil
}

var (
	parallelOnce    sync.Once
	parallelBackend compute.Backend
	parallelErr     error
)

// Parallel returns the process-wide backend for convolutional networks and
// other graphs of large independent operations. On CUDA, or when
// GOMLX_BACKEND is set, it is the [Default] backend itself; on the pure-Go
// CPU backend it is a second backend that runs operations in parallel (see
// [ParallelCPUConfig]). Tensors and checkpoints move between the two like
// between any two backends: through the host.
func Parallel() (compute.Backend, error) {
	parallelOnce.Do(func() {
		cfg, err := ParallelConfig()
		if err != nil {
			parallelErr = err
			return
		}
		if def, _ := Config(); cfg == def {
			parallelBackend, parallelErr = Default()
			return
		}
		parallelBackend, parallelErr = newFromConfig(cfg)
	})
	return parallelBackend, parallelErr
}

// MustParallel is [Parallel] for notebook cells, failing as [Must] does.
func MustParallel() compute.Backend {
	b, err := Parallel()
	if err != nil {
		fail(err)
	}
	return b
}
