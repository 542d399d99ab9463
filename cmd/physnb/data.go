package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/physnb/physnb/lib/data"
)

func init() {
	register(command{name: "data", summary: "list, verify and fetch the data sets and weights (data list|verify|fetch)", run: runData})
	envSections = append(envSections, dataEnvSection)
}

// dataFile is one manifest file as the data commands report it.
type dataFile struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	License  string `json:"license"`
	URL      string `json:"url"`
	OnDemand bool   `json:"on_demand"`
	Status   string `json:"status"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message,omitempty"`
}

type dataReport struct {
	Dirs     []string   `json:"dirs"`
	Download string     `json:"download_dir"`
	Files    []dataFile `json:"files"`
	OK       int        `json:"ok"`
	Missing  int        `json:"missing"`
	Bad      int        `json:"bad"`
	Failed   []string   `json:"failed"`
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
	entries, err := selectEntries(fs.Args(), sub == "fetch")
	if err != nil {
		return err
	}
	r := dataReport{Dirs: data.Dirs(), Download: data.Dir(), Files: []dataFile{}, Failed: []string{}}
	var fetchErrs []string
	for _, e := range entries {
		f := dataFile{Name: e.Name, Size: e.Size, License: e.License, URL: e.URL, OnDemand: e.OnDemand}
		if sub == "fetch" {
			if p, err := data.Fetch(e); err != nil {
				fetchErrs = append(fetchErrs, err.Error())
				f.Message = err.Error()
			} else {
				f.Path = p
			}
		}
		v := data.Verify(e)
		f.Status = string(v.Status)
		if f.Message == "" {
			f.Message = v.Message
		}
		if v.Path != "" {
			f.Path = v.Path
		}
		switch {
		case v.OK():
			r.OK++
		case v.Status == data.StatusMissing:
			r.Missing++
			if sub == "fetch" || (sub == "verify" && (all || !e.OnDemand)) {
				r.Failed = append(r.Failed, e.Name)
			}
		default:
			r.Bad++
			if sub != "list" {
				r.Failed = append(r.Failed, e.Name)
			}
		}
		r.Files = append(r.Files, f)
	}
	if *asJSON {
		if err := printJSON(r); err != nil {
			return err
		}
	} else {
		printDataReport(sub, r)
	}
	if len(fetchErrs) > 0 && !*asJSON {
		fmt.Fprintln(os.Stderr)
		for _, m := range fetchErrs {
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

// selectEntries returns the named manifest entries (all of them when no
// name is given; for fetch, all files that are not fetched on demand).
func selectEntries(names []string, fetch bool) ([]data.Entry, error) {
	if len(names) == 0 {
		var out []data.Entry
		for _, e := range data.Manifest {
			if !fetch || !e.OnDemand {
				out = append(out, e)
			}
		}
		return out, nil
	}
	var out []data.Entry
	var unknown []string
	for _, n := range names {
		matched := false
		for _, e := range data.Manifest {
			// A folder name selects everything under it: `fetch mnist`.
			if e.Name == n || strings.HasPrefix(e.Name, strings.TrimSuffix(n, "/")+"/") {
				out = append(out, e)
				matched = true
			}
		}
		if !matched {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("not in the manifest: %s (`physnb data list` shows the known files; a folder name such as mnist selects all its files)",
			strings.Join(unknown, ", "))
	}
	return out, nil
}

func printDataReport(sub string, r dataReport) {
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
			fmt.Printf("%-*s  %10s  %-20s  %s\n", width, f.Name, dataSize(f.Size), dataShorten(f.License, 20), status)
		} else {
			fmt.Printf("%-*s  %10s  %s\n", width, f.Name, dataSize(f.Size), status)
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
	type summary struct {
		Dirs    []string `json:"dirs"`
		OK      int      `json:"ok"`
		Missing []string `json:"missing"`
		Bad     []string `json:"bad"`
	}
	s := summary{Dirs: data.Dirs(), Missing: []string{}, Bad: []string{}}
	for _, e := range data.Manifest {
		v := data.Verify(e)
		switch {
		case v.OK():
			s.OK++
		case v.Status == data.StatusMissing:
			if !e.OnDemand {
				s.Missing = append(s.Missing, e.Name)
			}
		default:
			s.Bad = append(s.Bad, e.Name)
		}
	}
	line := fmt.Sprintf("data:     %s: %d/%d files ok", strings.Join(s.Dirs, string(os.PathListSeparator)), s.OK, len(data.Manifest))
	lines := []string{line}
	if len(s.Missing) > 0 {
		lines = append(lines, fmt.Sprintf("          missing: %s (physnb data fetch)", strings.Join(s.Missing, ", ")))
	}
	if len(s.Bad) > 0 {
		lines = append(lines, fmt.Sprintf("          bad: %s (physnb data verify)", strings.Join(s.Bad, ", ")))
	}
	return "data", s, lines
}

func dataSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func dataShorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
