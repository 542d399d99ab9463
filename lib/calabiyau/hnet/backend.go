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
// backend's parallel executor deadlocks on the η graph (reproduced with
// TestGraphEtaMatchesHost under GOMLX_BACKEND=go: the executor waits forever
// for a free worker while no worker runs); the sequential executor runs it
// correctly, and for graphs of this size it is not slower.
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
