package hnet

import (
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
)

var (
	seqOnce    sync.Once
	seqBackend compute.Backend
	seqErr     error
)

// Backend returns the backend to train and evaluate the network on: physnb's
// shared backend, except that GoMLX's pure-Go backend is used with sequential
// op execution ("go:ops_sequential"). With compute v0.1.6 the pure-Go
// backend's parallel executor hangs at random on the η graph: it waits in
// workerspool.WaitToStart with no worker goroutine alive. Two chained complex
// contractions (8 real Einsums and one Neg) hang in 7 of 20 runs under "go"
// and 0 of 10 under "go:ops_sequential" (docs/calabiyau.md). The sequential
// executor runs the graph correctly and, for graphs of this size, no slower.
func Backend() (compute.Backend, error) {
	cfg, err := backend.Config()
	if err != nil {
		return nil, err
	}
	name, opts, _ := strings.Cut(cfg, ":")
	if name != "go" || strings.Contains(opts, "ops_sequential") {
		return backend.Default()
	}
	seqOnce.Do(func() {
		c := "go:ops_sequential"
		if opts != "" {
			c += "," + opts
		}
		seqBackend, seqErr = compute.NewWithConfig(c)
	})
	return seqBackend, seqErr
}

// MustBackend is [Backend] that panics on error.
func MustBackend() compute.Backend {
	b, err := Backend()
	if err != nil {
		panic(err)
	}
	return b
}
