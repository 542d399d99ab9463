package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/bench"
)

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
	switch {
	case *child != "":
		return bench.RunChild(*child, *quick, os.Stdout)
	case *list:
		for _, w := range bench.All() {
			fmt.Printf("%-24s %-10s %s\n", w.Name, w.Unit, w.Description)
		}
		return nil
	}
	report, err := bench.Measure(fs.Args(), *quick, os.Stderr)
	if err != nil {
		return err
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
	if report.Failed > 0 {
		return fmt.Errorf("%d workload(s) failed", report.Failed)
	}
	return nil
}
