package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
)

// envSections lets other files of this package add a section to `physnb env`
// (the data layer adds the data status). Each returns a JSON key, a value, and
// the lines of its readable form.
var envSections []func() (key string, value any, lines []string)

type envReport struct {
	Backend       string            `json:"backend"`
	BackendConfig string            `json:"backend_config"`
	Description   string            `json:"description"`
	Devices       []string          `json:"devices"`
	Error         string            `json:"error,omitempty"`
	GoVersion     string            `json:"go_version"`
	GOOS          string            `json:"goos"`
	GOARCH        string            `json:"goarch"`
	CPUs          int               `json:"cpus"`
	SIMD          bool              `json:"simd"`
	Modules       map[string]string `json:"modules"`
	Extra         map[string]any    `json:"extra,omitempty"`
}

func init() {
	register(command{name: "env", summary: "backend, devices, versions and data status", run: runEnv})
}

func runEnv(args []string) error {
	fs := flag.NewFlagSet("env", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := envReport{GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		CPUs: runtime.NumCPU(), SIMD: backend.SIMDEnabled(), Modules: moduleVersions(), Devices: []string{}}
	cfg, err := backend.Config()
	r.BackendConfig = cfg
	var b compute.Backend
	if err == nil {
		b, err = backend.Default()
	}
	if err != nil {
		r.Error = err.Error()
	} else {
		r.Backend = b.String()
		r.Description = backend.Describe(b)
		for i := 0; i < b.NumDevices(); i++ {
			r.Devices = append(r.Devices, b.DeviceDescription(compute.DeviceNum(i)))
		}
	}
	var extraLines []string
	for _, section := range envSections {
		key, value, lines := section()
		if r.Extra == nil {
			r.Extra = map[string]any{}
		}
		r.Extra[key] = value
		extraLines = append(extraLines, lines...)
	}
	if *asJSON {
		if err := printJSON(r); err != nil {
			return err
		}
	} else {
		if r.Error != "" {
			fmt.Printf("backend:  none: %s\n", r.Error)
		} else {
			fmt.Printf("backend:  %s\n", orDash(r.Description))
			fmt.Printf("config:   %s (set PHYSNB_DEVICE=cuda or GOMLX_BACKEND to change)\n", orDash(r.BackendConfig))
		}
		for i, d := range r.Devices {
			fmt.Printf("device %d: %s\n", i, d)
		}
		fmt.Printf("go:       %s %s/%s, %d CPUs, GOEXPERIMENT=simd %v\n", r.GoVersion, r.GOOS, r.GOARCH, r.CPUs, r.SIMD)
		for _, m := range []string{"github.com/gomlx/gomlx", "github.com/gomlx/compute", "github.com/gomlx/go-xla", "github.com/janpfeifer/gonb", "gonum.org/v1/plot"} {
			fmt.Printf("module:   %s %s\n", m, orDash(r.Modules[m]))
		}
		for _, l := range extraLines {
			fmt.Println(l)
		}
	}
	if r.Error != "" {
		return errSilent
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func moduleVersions() map[string]string {
	out := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, d := range info.Deps {
		if strings.HasPrefix(d.Path, "github.com/gomlx/") || strings.HasPrefix(d.Path, "github.com/janpfeifer/gonb") ||
			strings.HasPrefix(d.Path, "gonum.org/") {
			v := d.Version
			if d.Replace != nil {
				v = d.Replace.Version + " (replaced)"
			}
			out[d.Path] = v
		}
	}
	return out
}
