// Package preflight holds the checks an experiment makes before any work
// starts: does the work fit in the machine's memory, does it finish in a
// sensible time, can its output folder be written. A bad value then stops
// the run at once with a message that names the flag, the estimate and the
// limit, instead of a Go out-of-memory crash an hour later or results lost
// because the output folder turned out to be a file.
//
// Memory is what the process may use: the MemTotal line of /proc/meminfo,
// lowered to the address-space limit (RLIMIT_AS) when one is set. An
// experiment may use at most [Share] of it. [CheckMemory] takes the
// experiment's estimate as a function of one parameter, so that it can also
// say the largest value that fits (by bisection, the estimate being
// non-decreasing):
//
//	err := preflight.CheckMemory("holography", "--n", e.PerClass, func(n int) float64 {
//		return 2 * float64(n) * bytesPerSample
//	})
//	// holography: --n 100000000 needs about 38.1 GB (the machine has 7.8 GB, ...); use at most 1500000
package preflight

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/physnb/physnb/lib/num"
)

// Share is the fraction of [Memory] one experiment may plan to use: the
// estimates are rough, and the backend, the runtime and other programs need
// the rest.
const Share = 0.75

var (
	memOnce  sync.Once
	memBytes int64
)

// Memory returns the bytes the process may use: MemTotal of /proc/meminfo,
// or the address-space limit (RLIMIT_AS) when that is lower; 0 when neither
// is known (then [CheckMemory] checks nothing).
func Memory() int64 {
	memOnce.Do(func() { memBytes = memory("/proc/meminfo") })
	return memBytes
}

func memory(meminfo string) int64 {
	total := memTotal(meminfo)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err == nil && lim.Cur != ^uint64(0) && lim.Cur > 0 && lim.Cur < math.MaxInt64 {
		if total == 0 || int64(lim.Cur) < total {
			total = int64(lim.Cur)
		}
	}
	return total
}

// memTotal reads "MemTotal: N kB" from a meminfo file (0 when absent).
func memTotal(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// CheckMemory returns nil when bytes(value) fits in [Share] of [Memory], and
// otherwise an error "PREFIX: FLAG VALUE needs about X (the machine has Y,
// an experiment may use Z); use at most N", N the largest value ≥ 1 that
// fits. bytes must not decrease as its argument grows.
func CheckMemory(prefix, flag string, value int, bytes func(int) float64) error {
	return checkMemory(prefix, flag, value, bytes, Memory())
}

func checkMemory(prefix, flag string, value int, bytes func(int) float64, mem int64) error {
	if mem <= 0 {
		return nil
	}
	limit := Share * float64(mem)
	need := bytes(value)
	if need <= limit {
		return nil
	}
	msg := fmt.Sprintf("%s: %s %d needs about %s (the machine has %s, an experiment may use %s)",
		prefix, flag, value, human(need), num.Bytes(mem), human(limit))
	if best := largest(value, func(v int) bool { return bytes(v) <= limit }); best > 0 {
		msg += fmt.Sprintf("; use at most %d", best)
	} else {
		msg += "; lower the other sizes"
	}
	return errors.New(msg)
}

// CheckSteps returns nil when steps (the work a value implies, in Adam steps,
// sites, evaluations...) is at most max, and otherwise an error naming the
// flag, the work and the largest value that stays within max.
func CheckSteps(prefix, flag string, value int, what string, steps func(int) float64, maxSteps float64) error {
	n := steps(value)
	if n <= maxSteps {
		return nil
	}
	msg := fmt.Sprintf("%s: %s %d means %s %s (more than the %s a run may take)", prefix, flag, value, count(n), what, count(maxSteps))
	if best := largest(value, func(v int) bool { return steps(v) <= maxSteps }); best > 0 {
		msg += fmt.Sprintf("; use at most %d", best)
	} else {
		msg += "; lower the other sizes"
	}
	return errors.New(msg)
}

// largest is the largest v in [1, value) with ok(v), ok being true below
// some threshold; 0 when ok(1) is false.
func largest(value int, ok func(int) bool) int {
	if !ok(1) {
		return 0
	}
	lo, hi := 1, value // ok(lo), !ok(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

func human(b float64) string {
	if b >= 1<<62 {
		return fmt.Sprintf("%.3g GB", b/(1<<30))
	}
	return num.Bytes(int64(b))
}

func count(n float64) string {
	switch {
	case n >= 1e12:
		return fmt.Sprintf("%.2g", n)
	case n >= 1e9:
		return fmt.Sprintf("%.3g billion", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3g million", n/1e6)
	}
	return fmt.Sprintf("%.0f", n)
}

// CheckOutputDir returns nil when dir can hold the run's output: it is a
// folder, or does not exist yet and would be created inside a folder that
// can be written. Otherwise the error names flag, dir and the problem. It
// creates nothing.
func CheckOutputDir(flag, dir string) error {
	if dir == "" {
		return nil
	}
	p := filepath.Clean(dir)
	for {
		fi, err := os.Stat(p)
		switch {
		case err == nil && !fi.IsDir():
			if p == filepath.Clean(dir) {
				return fmt.Errorf("%s %s: is a file, want a folder (existing or to be created)", flag, dir)
			}
			return fmt.Errorf("%s %s: %s is a file, so the folder cannot be created", flag, dir, p)
		case err == nil:
			if syscall.Access(p, 2 /* W_OK */) != nil {
				return fmt.Errorf("%s %s: folder %s cannot be written, want a writable folder", flag, dir, p)
			}
			return nil
		case !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return fmt.Errorf("%s %s: %v", flag, dir, err)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}
