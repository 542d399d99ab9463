package nb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/physnb/physnb/lib/checkpoints"
)

// Cached returns fn's result for key and params, computing it once per kernel.
//
// GoNB runs every cell as a new program, so a result computed in one cell is
// gone in the next. Cached keeps it, as JSON, in the state folder of this
// kernel ([StateDir]) under key and a hash of params: the first call runs fn and
// stores what it returns; later calls with the same key and equal params read
// it back. A changed parameter gives another hash, hence a new computation, and
// a new kernel has a new state folder, so a stale result is never returned.
//
//	rep := nb.MustCached("training", exp, func() (*holography.Report, error) {
//		return exp.Run(ctx, b)
//	})
//
// params is anything encoding/json can write (an experiment's configuration);
// T must survive a JSON round trip.
//
// When fn fails (returns an error or panics) nothing is stored but the
// failure is recorded, with the statement of the cell that asked for the
// result. A later call from another cell, with the same key and params, does
// not start the same computation again only to fail the same way (a training
// can take an hour): it returns an [*EarlierFailure] naming that cell and the
// first error, so the student knows which cell to fix and run. That cell run
// again, or a changed parameter, computes anew. Cells are told apart by the
// text of that statement: if the student edits the statement itself, the
// edited cell counts as another one and is told of the failure too (a
// restart of the kernel clears it).
func Cached[T any](key string, params any, fn func() (T, error)) (T, error) {
	var zero T
	p, err := cachePath(key, params)
	if err != nil {
		return zero, err
	}
	if b, err := os.ReadFile(p); err == nil {
		var v T
		if err := json.Unmarshal(b, &v); err == nil {
			return v, nil
		}
		// An unreadable entry (a type changed under the same key) is recomputed.
	}
	site := callSite()
	failed := strings.TrimSuffix(p, ".json") + ".failed"
	if f, ok := readFailure(failed); ok && f.Site != site {
		return zero, f
	}
	finished := false
	defer func() {
		if finished {
			return
		}
		// fn panicked (GoMLX reports graph errors so): record it, and let
		// the panic go on with its trace. (r is nil for runtime.Goexit.)
		if r := recover(); r != nil {
			recordFailure(failed, key, site, fmt.Sprint(r))
			panic(r)
		}
	}()
	v, err := fn()
	finished = true
	if err != nil {
		recordFailure(failed, key, site, err.Error())
		return zero, err
	}
	os.Remove(failed) // computed this time
	b, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("nb: caching %q: %w", key, err)
	}
	if err := writeAtomic(p, b); err != nil {
		return zero, fmt.Errorf("nb: caching %q: %w", key, err)
	}
	return v, nil
}

// MustCached is [Cached] for notebook cells: on error an interactive
// notebook shows the message in a box and stops the cell, without a
// goroutine trace; under `physnb notebooks run`, the tests and outside a
// notebook it panics (see [Must]).
func MustCached[T any](key string, params any, fn func() (T, error)) T {
	return Must(Cached(key, params, fn))
}

// cachePath is StateDir()/cache/KEY-HASH.json, the hash covering the mode
// and params.
func cachePath(key string, params any) (string, error) {
	if !stateName.MatchString(key) {
		return "", fmt.Errorf("nb: cache key %q must use only letters, digits, '.', '_' and '-'", key)
	}
	pj, err := json.Marshal(struct {
		Mode   string
		Params any
	}{Mode(), params})
	if err != nil {
		return "", fmt.Errorf("nb: cache key %q: its parameters cannot be hashed: %w", key, err)
	}
	sum := sha256.Sum256(pj)
	return filepath.Join(StateDir(), "cache", key+"-"+hex.EncodeToString(sum[:8])+".json"), nil
}

// Dir returns a folder for this kernel's run outputs (checkpoints, exported
// figures), below the kernel's state folder and one per mode, created if
// needed: Dir("wine-checkpoint") in one cell is the same folder in the next,
// and a new kernel starts with empty ones.
func Dir(parts ...string) string {
	for _, p := range parts {
		if !stateName.MatchString(p) {
			panic(fmt.Sprintf("nb: folder name %q must use only letters, digits, '.', '_' and '-'", p))
		}
	}
	d := filepath.Join(append([]string{StateDir(), "run-" + Mode()}, parts...)...)
	if err := os.MkdirAll(d, 0o755); err != nil {
		panic(fmt.Errorf("nb: run folder: %w", err))
	}
	return d
}

// DirFor returns a run folder for key and params, like [Dir]: the same
// folder for the same parameters in this kernel and mode, another for other
// parameters. A checkpoint kept there is never resumed by a run with
// changed parameters:
//
//	e.Out = nb.DirFor("flow", e) // the checkpoint of this configuration
func DirFor(key string, params any) string {
	p, err := cachePath(key, params)
	if err != nil {
		panic(err)
	}
	return Dir(strings.TrimSuffix(filepath.Base(p), ".json"))
}

// writeAtomic writes b to p with [checkpoints.WriteFile] (a temporary file
// in the same folder, fsync, rename, fsync of the folder), so a reader never
// sees half a file, even after a crash.
func writeAtomic(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return checkpoints.WriteFile(p, b, 0o644)
}
