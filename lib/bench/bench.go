// Package bench is the registry of performance workloads that `physnb bench`
// runs on the current backend. Each walkthrough registers the steps that
// matter for it (a training step, a descriptor evaluation, ...), so that speed
// is measured in one place and never asserted in timed tests.
//
// A workload reports a throughput (for example GFLOP/s or samples/s); the
// command adds the wall time and the peak resident memory of the process that
// ran it (each workload runs in its own process, so peaks do not mix).
//
//	bench.Register(bench.Workload{
//		Name: "matmul-f32", Description: "1024x1024 f32 matrix product", Unit: "GFLOP/s",
//		Run: func(b compute.Backend, quick bool) (bench.Result, error) { ... },
//	})
package bench

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/gomlx/compute"
)

// Result is what one workload measured.
type Result struct {
	// Throughput in Workload.Unit (higher is better).
	Throughput float64 `json:"throughput"`
	// Iterations measured (after warm-up) and the seconds they took.
	Iterations int     `json:"iterations"`
	Seconds    float64 `json:"seconds"`
	// Extra holds workload-specific figures with stable snake_case names.
	Extra map[string]float64 `json:"extra,omitempty"`
}

// Workload is one registered benchmark.
type Workload struct {
	Name        string
	Description string
	Unit        string
	// ParallelOps asks for the backend that runs independent operations at
	// the same time (backend.Parallel), the one its users train with.
	ParallelOps bool
	// Run measures on backend b; quick asks for a short measurement (tests).
	Run func(b compute.Backend, quick bool) (Result, error)
}

var (
	mu        sync.Mutex
	workloads = map[string]Workload{}
)

// Register adds a workload; it panics on a duplicate or empty name (a
// programming error caught at start-up).
func Register(w Workload) {
	mu.Lock()
	defer mu.Unlock()
	if w.Name == "" || w.Run == nil {
		panic("bench.Register: workload needs a Name and a Run function")
	}
	if _, dup := workloads[w.Name]; dup {
		panic(fmt.Sprintf("bench.Register: workload %q registered twice", w.Name))
	}
	workloads[w.Name] = w
}

// All returns the registered workloads sorted by name.
func All() []Workload {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Workload, 0, len(workloads))
	for _, w := range workloads {
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Get returns the workload called name.
func Get(name string) (Workload, error) {
	mu.Lock()
	defer mu.Unlock()
	w, ok := workloads[name]
	if !ok {
		names := make([]string, 0, len(workloads))
		for n := range workloads {
			names = append(names, n)
		}
		sort.Strings(names)
		return Workload{}, fmt.Errorf("no benchmark workload %q; registered: %v", name, names)
	}
	return w, nil
}

// Repeat calls step once to warm up (compilation, caches), then repeatedly
// until at least minTime has passed and minIters calls were made, and returns
// the number of timed calls and their total seconds.
func Repeat(minTime time.Duration, minIters int, step func() error) (iters int, seconds float64, err error) {
	if err := step(); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	for iters < minIters || time.Since(start) < minTime {
		if err := step(); err != nil {
			return iters, time.Since(start).Seconds(), err
		}
		iters++
	}
	return iters, time.Since(start).Seconds(), nil
}

// Budget returns the measuring time for a workload: short in quick mode.
func Budget(quick bool) time.Duration {
	if quick {
		return 200 * time.Millisecond
	}
	return 3 * time.Second
}
