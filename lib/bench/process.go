package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/physnb/physnb/lib/backend"
)

// Row is one workload's measurement in a [Report].
type Row struct {
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Unit        string             `json:"unit"`
	Backend     string             `json:"backend_config,omitempty"` // when not the report's backend
	Throughput  float64            `json:"throughput"`
	Iterations  int                `json:"iterations"`
	Seconds     float64            `json:"seconds"`
	PeakRSSMiB  float64            `json:"peak_rss_mib"`
	Extra       map[string]float64 `json:"extra,omitempty"`
	Error       string             `json:"error,omitempty"`
}

// Report is what [Measure] measured, on which backend.
type Report struct {
	Backend     string `json:"backend"`
	Description string `json:"description"`
	Quick       bool   `json:"quick"`
	Workloads   []Row  `json:"workloads"`
	Failed      int    `json:"-"`
}

// ChildArgs are the arguments with which [Measure] starts the running
// program again to run one workload; the program must hand them to
// [RunChild] (physnb: `physnb bench --child NAME [--quick]`).
func ChildArgs(name string, quick bool) []string {
	args := []string{"bench", "--child", name}
	if quick {
		args = append(args, "--quick")
	}
	return args
}

// Measure runs the named workloads (all when names is empty), each in a
// fresh process of the running program, so that the peak resident memory the
// kernel reports is the workload's own. Unknown names are an error before
// anything runs; a failing workload is a row with Error set. log, if not nil,
// gets a line per workload.
func Measure(names []string, quick bool, log io.Writer) (*Report, error) {
	if len(names) == 0 {
		for _, w := range All() {
			names = append(names, w.Name)
		}
	}
	for _, n := range names {
		if _, err := Get(n); err != nil {
			return nil, err
		}
	}
	b, err := backend.Default()
	if err != nil {
		return nil, err
	}
	r := &Report{Backend: b.String(), Description: backend.Describe(b), Quick: quick}
	for _, n := range names {
		w, _ := Get(n)
		if log != nil {
			fmt.Fprintf(log, "bench %s ...\n", n)
		}
		row := inChild(w, quick)
		if row.Error != "" {
			r.Failed++
		}
		r.Workloads = append(r.Workloads, row)
	}
	return r, nil
}

func inChild(w Workload, quick bool) Row {
	row := Row{Name: w.Name, Description: w.Description, Unit: w.Unit}
	if w.ParallelOps {
		cfg, _ := backend.ParallelConfig()
		if def, _ := backend.Config(); cfg != def {
			row.Backend = cfg
		}
	}
	self, err := os.Executable()
	if err != nil {
		row.Error = err.Error()
		return row
	}
	cmd := exec.Command(self, ChildArgs(w.Name, quick)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	err = cmd.Run()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			row.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
		}
	}
	if err != nil {
		row.Error = fmt.Sprintf("workload process failed: %v", err)
		return row
	}
	// The result is the last line: backends may print notices on stdout before it.
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	var res Result
	if err := json.Unmarshal(lines[len(lines)-1], &res); err != nil {
		row.Error = fmt.Sprintf("bad result from workload process: %v (%q)", err, out.String())
		return row
	}
	row.Throughput, row.Iterations, row.Seconds, row.Extra = res.Throughput, res.Iterations, res.Seconds, res.Extra
	return row
}

// RunChild runs one workload in this process, on the backend it asks for,
// and writes its [Result] to w as one line of JSON.
func RunChild(name string, quick bool, w io.Writer) error {
	wl, err := Get(name)
	if err != nil {
		return err
	}
	get := backend.Default
	if wl.ParallelOps {
		get = backend.Parallel
	}
	b, err := get()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := wl.Run(b, quick)
	if err != nil {
		return fmt.Errorf("%s: %w (after %s)", name, err, time.Since(start).Round(time.Millisecond))
	}
	return json.NewEncoder(w).Encode(res)
}
