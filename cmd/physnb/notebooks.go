package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/physnb/physnb/lib/notebooks"
	"github.com/physnb/physnb/lib/preflight"
)

func init() {
	register(command{name: "notebooks", summary: "execute notebooks headless and export them to HTML with a gallery", run: runNotebooksCmd})
}

func runNotebooksCmd(args []string) error {
	sub, rest, err := splitSub("notebooks", args, "run", "list", "new")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("notebooks "+sub, flag.ContinueOnError)
	dir := fs.String("dir", "", "folder of the notebooks (default: notebooks/ of this checkout)")
	out := fs.String("out", "", "gallery folder: executed notebooks, HTML, thumbnails, manifest.json and index.html\n(default: out/gallery of this checkout, or docs/gallery with --publish)")
	publish := fs.Bool("publish", false, "update the published gallery, docs/gallery: a failed notebook keeps its published copy")
	kernel := fs.String("kernel", "physnb-cpu", "Jupyter kernel: physnb-cpu or physnb-cuda")
	quick := fs.Bool("quick", false, "quick mode (PHYSNB_QUICK=1): small sizes, as the tests run")
	timeout := fs.Duration("timeout", 2*time.Hour, "time limit for one cell")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: physnb notebooks run [--quick] [--publish] [--out DIR] [--kernel K] [NAME...]\n       physnb notebooks list\n       physnb notebooks new NAME   (a notebook of your own, with the setup and parameter cells)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if *dir == "" || *out == "" {
		root, err := notebooks.RepoRoot()
		if err != nil {
			return err
		}
		if *dir == "" {
			*dir = filepath.Join(root, "notebooks")
		}
		if *out == "" {
			*out = filepath.Join(root, "out", "gallery")
			if *publish {
				*out = filepath.Join(root, "docs", "gallery")
			}
		}
	}
	if sub == "new" {
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: physnb notebooks new NAME (writes NAME.ipynb in %s)", *dir)
		}
		p, err := notebooks.New(*dir, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Printf("wrote %s: open it with  jupyter notebook %s  and choose the kernel \"Go (physnb, CPU)\"\n", p, p)
		return nil
	}
	if sub == "list" {
		paths, err := notebooks.Find(*dir, fs.Args())
		if err != nil {
			return err
		}
		for _, p := range paths {
			fmt.Printf("%-36s %s\n", strings.TrimSuffix(filepath.Base(p), ".ipynb"), notebooks.Title(p))
		}
		return nil
	}
	if *timeout <= 0 {
		return fmt.Errorf("--timeout %v: want a positive time limit for one cell, e.g. 30m", *timeout)
	}
	if err := preflight.CheckOutputDir("--out", *out); err != nil {
		return err
	}
	report, err := notebooks.Run(notebooks.Options{Dir: *dir, Out: *out, Kernel: *kernel, Quick: *quick,
		Timeout: *timeout, Names: fs.Args(), Log: os.Stderr, Publish: *publish})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(report); err != nil {
			return err
		}
	} else {
		for _, r := range report.Notebooks {
			status := "ok    "
			if !r.OK {
				status = "FAILED"
			}
			fmt.Printf("%s %-34s %7.1fs  %s\n", status, r.Name, r.Seconds, r.HTML)
		}
		fmt.Printf("gallery: %s (%.1f MB)\n", report.Index, float64(report.Bytes)/(1<<20))
	}
	if report.Failed > 0 {
		for _, r := range report.Notebooks {
			if !r.OK {
				fmt.Fprintf(os.Stderr, "notebook %s failed: %s\n", r.Name, r.Summary)
			}
		}
		return fmt.Errorf("%d of %d notebooks failed", report.Failed, len(report.Notebooks))
	}
	return nil
}
