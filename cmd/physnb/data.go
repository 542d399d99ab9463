package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/physnb/physnb/lib/data"
	"github.com/physnb/physnb/lib/num"
)

func init() {
	register(command{name: "data", summary: "list, verify and fetch the data sets and weights (data list|verify|fetch)", run: runData})
	envSections = append(envSections, dataEnvSection)
}

func runData(args []string) error {
	sub, rest, err := splitSub("data", args, "list", "verify", "fetch")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("data "+sub, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	all := false
	if sub == "verify" {
		fs.BoolVar(&all, "all", false, "also fail on missing on-demand files (full CIFAR-10, MNIST, Fashion-MNIST)")
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: physnb data %s [options]%s\n\nData folders: %s (set %s, a list like $PATH; downloads go to the first)\n",
			sub, map[bool]string{true: " [NAME...]", false: ""}[sub != "list"], strings.Join(data.Dirs(), string(os.PathListSeparator)), data.EnvVar)
		fs.PrintDefaults()
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	entries, err := data.Select(fs.Args(), sub == "fetch")
	if err != nil {
		return err
	}
	r := data.Survey(entries, data.Op(sub), all)
	if *asJSON {
		if err := printJSON(r); err != nil {
			return err
		}
	} else {
		printDataReport(sub, r)
	}
	if len(r.FetchErrors) > 0 && !*asJSON {
		fmt.Fprintln(os.Stderr)
		for _, m := range r.FetchErrors {
			fmt.Fprintln(os.Stderr, m)
		}
	}
	if len(r.Failed) > 0 {
		if *asJSON {
			// The JSON on stdout says what failed; stderr names the files once more for logs.
			fmt.Fprintf(os.Stderr, "physnb data %s: %d file(s) failed: %s\n", sub, len(r.Failed), strings.Join(r.Failed, ", "))
			return errSilent
		}
		return fmt.Errorf("%d file(s) failed: %s", len(r.Failed), strings.Join(r.Failed, ", "))
	}
	return nil
}

func printDataReport(sub string, r *data.Report) {
	fmt.Printf("data folders: %s (downloads go to %s)\n\n", strings.Join(r.Dirs, string(os.PathListSeparator)), r.Download)
	width := 0
	for _, f := range r.Files {
		width = max(width, len(f.Name))
	}
	for _, f := range r.Files {
		status := f.Status
		if f.Status == string(data.StatusMissing) && f.OnDemand {
			status = "not fetched (on demand)"
		}
		if sub == "list" {
			fmt.Printf("%-*s  %10s  %-20s  %s\n", width, f.Name, num.Bytes(f.Size), dataShorten(f.License, 20), status)
		} else {
			fmt.Printf("%-*s  %10s  %s\n", width, f.Name, num.Bytes(f.Size), status)
		}
		if f.Message != "" && f.Status != string(data.StatusMissing) && sub != "fetch" {
			fmt.Printf("    %s\n", f.Message)
		}
	}
	fmt.Printf("\n%d ok, %d missing, %d bad\n", r.OK, r.Missing, r.Bad)
	if len(r.Failed) > 0 && sub == "verify" {
		fmt.Printf("Fix: `physnb data fetch NAME...` downloads into %s; offline, it prints where each file comes from\n"+
			"and where to place it by hand. %s may list several folders (like $PATH).\n", r.Download, data.EnvVar)
	}
}

func dataEnvSection() (string, any, []string) {
	s := data.ManifestStatus()
	lines := []string{fmt.Sprintf("data:     %s: %d/%d files ok", strings.Join(s.Dirs, string(os.PathListSeparator)), s.OK, len(data.Manifest))}
	if len(s.Missing) > 0 {
		lines = append(lines, fmt.Sprintf("          missing: %s (physnb data fetch)", strings.Join(s.Missing, ", ")))
	}
	if len(s.Bad) > 0 {
		lines = append(lines, fmt.Sprintf("          bad: %s (physnb data verify)", strings.Join(s.Bad, ", ")))
	}
	return "data", s, lines
}

func dataShorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
