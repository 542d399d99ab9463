// Package backend chooses the GoMLX compute backend that physnb runs on and
// describes it in one line, so that a notebook and the command line agree on
// where the numbers were computed.
//
// There are two targets, and one switch between them:
//
//   - CPU (the default): GoMLX's pure-Go backend. It needs nothing but Go; its
//     matrix multiplication uses SIMD when the program is built with
//     GOEXPERIMENT=simd (the physnb kernels, the CLI and CI all set it).
//   - CUDA: GoMLX's XLA backend with a PJRT CUDA plugin. Set PHYSNB_DEVICE=cuda
//     (the "Go (physnb, CUDA)" kernel does) and the plugin is found with
//     [FindCUDAPlugin].
//
// An explicit GOMLX_BACKEND (for example "go:ops_sequential" or
// "xla:/abs/path/xla_cuda_plugin.so") always wins, as in GoMLX itself.
//
// Typical use in a notebook cell:
//
//	b := backend.Must()
//	fmt.Println(backend.Describe(b))
package backend

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // registers "go"
	"github.com/janpfeifer/gonb/gonbui"
)

const (
	// EnvBackend is GoMLX's own variable: a full backend configuration.
	EnvBackend = compute.ConfigEnvVar
	// EnvDevice selects the target by name: "cpu" (default) or "cuda".
	EnvDevice = "PHYSNB_DEVICE"

	// CPUConfig is the pure-Go backend configuration physnb uses by default.
	// ops_sequential runs a graph's operations one after another (each one may
	// still use several cores). The default parallel scheduler of compute
	// v0.1.6 can hang: a worker it waits for never starts (TestCPUDefaultDoesNotHang
	// reproduces it). Speeds of both are in docs/architecture.md.
	CPUConfig = "go:ops_sequential"
)

// Config returns the GoMLX backend configuration string that [New] would use,
// without creating a backend. It resolves PHYSNB_DEVICE=cuda to the XLA backend
// with an absolute plugin path, and fails with an explanation if no plugin is found.
func Config() (string, error) {
	if cfg, ok := os.LookupEnv(EnvBackend); ok && cfg != "" {
		name, rest, _ := strings.Cut(cfg, ":")
		if name == "xla" && (rest == "cuda" || strings.HasPrefix(rest, "cuda,")) {
			// A symbolic "xla:cuda" is resolved here: go-xla would otherwise try to download it.
			plugin, err := FindCUDAPlugin()
			if err != nil {
				return "", err
			}
			return "xla:" + plugin + strings.TrimPrefix(rest, "cuda"), nil
		}
		return cfg, nil
	}
	switch dev := strings.ToLower(os.Getenv(EnvDevice)); dev {
	case "", "cpu", "go":
		return CPUConfig, nil
	case "cuda", "gpu":
		plugin, err := FindCUDAPlugin()
		if err != nil {
			return "", err
		}
		return "xla:" + plugin, nil
	default:
		return "", fmt.Errorf("%s=%q is not a device physnb knows: use \"cpu\" or \"cuda\" (or set %s to a full GoMLX configuration)", EnvDevice, dev, EnvBackend)
	}
}

// New creates a backend following [Config]. Each call creates a new backend;
// notebooks and the CLI usually want the shared one from [Default].
func New() (compute.Backend, error) {
	cfg, err := Config()
	if err != nil {
		return nil, err
	}
	return newFromConfig(cfg)
}

// newFromConfig creates the backend for a resolved configuration, with the
// checks and the bookkeeping [Describe] needs; [New] and [Parallel] share it.
func newFromConfig(cfg string) (b compute.Backend, err error) {
	if strings.HasPrefix(cfg, "xla:") && os.Getenv("GOPJRT_CUDA_CHECKS") == "" {
		// The CUDA plugin otherwise insists on finding NVIDIA's pip packages next to it.
		_ = os.Setenv("GOPJRT_CUDA_CHECKS", "0")
	}
	if strings.HasPrefix(cfg, "xla:") && !xlaLinked {
		return nil, fmt.Errorf("backend %q needs the XLA backend, which this binary was built without (cgo is off: "+
			"install a C compiler, e.g. apt-get install gcc, and rebuild with CGO_ENABLED=1)", cfg)
	}
	defer func() {
		// compute.NewWithConfig panics on an unknown backend name.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("creating backend %q: %v", cfg, r)
		}
	}()
	b, err = newQuietly(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating backend %q: %w", cfg, err)
	}
	configs.Store(b, cfg)
	return b, nil
}

// configs remembers the configuration each backend was created with, for Describe.
var configs sync.Map

var (
	defaultOnce    sync.Once
	defaultBackend compute.Backend
	defaultErr     error
)

// Default returns the process-wide backend, created on first use with [New].
// Creating an XLA client is slow and holds device memory, so library code and
// notebook cells share this one.
func Default() (compute.Backend, error) {
	defaultOnce.Do(func() { defaultBackend, defaultErr = New() })
	return defaultBackend, defaultErr
}

// Must is [Default] for notebook cells. Without a backend nothing in the
// notebook can run: in a notebook the cell shows the error's explanation as
// one message and stops (no goroutine trace); elsewhere Must panics with it.
func Must() compute.Backend {
	b, err := Default()
	if err != nil {
		fail(err)
	}
	return b
}

// fail stops a notebook cell with err's explanation, or panics outside one.
func fail(err error) {
	if !gonbui.IsNotebook {
		panic(err)
	}
	fmt.Fprintf(os.Stderr, "physnb: %v\n", err)
	os.Exit(1)
}

// IsCPU reports whether b is the pure-Go backend.
func IsCPU(b compute.Backend) bool { return b.String() == "go" }

// Describe returns a one-line description of the backend and its devices,
// e.g. "pure-Go CPU backend (go:ops_sequential), 2 cores, SIMD on".
func Describe(b compute.Backend) string {
	cfg := b.String()
	if c, ok := configs.Load(b); ok {
		cfg = c.(string)
	}
	if IsCPU(b) {
		return fmt.Sprintf("pure-Go CPU backend (%s), %d cores, SIMD %s", cfg, runtime.NumCPU(), onOff(SIMDEnabled()))
	}
	devs := make([]string, 0, b.NumDevices())
	for i := 0; i < b.NumDevices(); i++ {
		devs = append(devs, b.DeviceDescription(compute.DeviceNum(i)))
	}
	return fmt.Sprintf("%s backend: %s; %d device(s): %s", b.String(), b.Description(), b.NumDevices(), strings.Join(devs, ", "))
}

func onOff(v bool) string {
	if v {
		return "on"
	}
	return "off"
}

// newQuietly creates the backend with the process's stdout discarded: the
// pure-Go backend prints notices such as "parallelism set to -1" on stdout,
// which would corrupt the JSON that `physnb ... --json` prints there and shows
// up in every notebook cell; [Describe] says the same in words.
func newQuietly(cfg string) (compute.Backend, error) {
	stdout := os.Stdout
	if null, err := os.Open(os.DevNull); err == nil {
		os.Stdout = null
		defer null.Close()
	} else {
		os.Stdout = os.Stderr
	}
	defer func() { os.Stdout = stdout }()
	return compute.NewWithConfig(cfg)
}
