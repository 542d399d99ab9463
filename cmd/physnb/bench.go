package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
)

type benchRow struct {
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

type benchReport struct {
	Backend     string     `json:"backend"`
	Description string     `json:"description"`
	Quick       bool       `json:"quick"`
	Workloads   []benchRow `json:"workloads"`
}

func init() {
	register(command{name: "bench", summary: "throughput and peak memory of registered workloads on the current backend", run: runBench})
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	quick := fs.Bool("quick", false, "short measurements (for tests)")
	list := fs.Bool("list", false, "list the registered workloads and exit")
	child := fs.String("child", "", "internal: run one workload in this process and print its result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: physnb bench [--json] [--quick] [NAME...]\n\nEach workload runs in its own process, so its peak memory (RSS) is its own.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *child != "" {
		return benchChild(*child, *quick)
	}
	if *list {
		for _, w := range bench.All() {
			fmt.Printf("%-24s %-10s %s\n", w.Name, w.Unit, w.Description)
		}
		return nil
	}
	names := fs.Args()
	if len(names) == 0 {
		for _, w := range bench.All() {
			names = append(names, w.Name)
		}
	}
	// Fail early on unknown names, listing the valid ones.
	for _, n := range names {
		if _, err := bench.Get(n); err != nil {
			return err
		}
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	report := benchReport{Backend: b.String(), Description: backend.Describe(b), Quick: *quick}
	failed := 0
	for _, n := range names {
		w, _ := bench.Get(n)
		fmt.Fprintf(os.Stderr, "bench %s ...\n", n)
		row := benchInChild(w, *quick)
		if row.Error != "" {
			failed++
		}
		report.Workloads = append(report.Workloads, row)
	}
	if *asJSON {
		if err := printJSON(report); err != nil {
			return err
		}
	} else {
		fmt.Printf("backend: %s\n", report.Description)
		for _, r := range report.Workloads {
			if r.Error != "" {
				fmt.Printf("%-24s FAILED: %s\n", r.Name, r.Error)
				continue
			}
			on := ""
			if r.Backend != "" {
				on = "  on " + r.Backend
			}
			fmt.Printf("%-24s %12.4g %-10s  peak RSS %6.0f MiB  (%d iterations in %.2fs)%s\n",
				r.Name, r.Throughput, r.Unit, r.PeakRSSMiB, r.Iterations, r.Seconds, on)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d workload(s) failed", failed)
	}
	return nil
}

// benchInChild runs one workload in a fresh process of this executable, so
// that the peak RSS reported by the kernel belongs to that workload alone.
func benchInChild(w bench.Workload, quick bool) benchRow {
	row := benchRow{Name: w.Name, Description: w.Description, Unit: w.Unit}
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
	args := []string{"bench", "--child", w.Name}
	if quick {
		args = append(args, "--quick")
	}
	cmd := exec.Command(self, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	err = cmd.Run()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && cmd.ProcessState != nil {
		row.PeakRSSMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	if err != nil {
		row.Error = fmt.Sprintf("workload process failed: %v", err)
		return row
	}
	// The result is the last line: backends may print notices on stdout before it.
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	var res bench.Result
	if err := json.Unmarshal(lines[len(lines)-1], &res); err != nil {
		row.Error = fmt.Sprintf("bad result from workload process: %v (%q)", err, out.String())
		return row
	}
	row.Throughput, row.Iterations, row.Seconds, row.Extra = res.Throughput, res.Iterations, res.Seconds, res.Extra
	return row
}

func benchChild(name string, quick bool) error {
	w, err := bench.Get(name)
	if err != nil {
		return err
	}
	get := backend.Default
	if w.ParallelOps {
		get = backend.Parallel
	}
	b, err := get()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := w.Run(b, quick)
	if err != nil {
		return fmt.Errorf("%s: %w (after %s)", name, err, time.Since(start).Round(time.Millisecond))
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}
