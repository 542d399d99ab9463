package data

import (
	"fmt"
	"strings"
)

// FileReport is one manifest file as `physnb data` reports it.
type FileReport struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	License  string `json:"license"`
	URL      string `json:"url"`
	OnDemand bool   `json:"on_demand"`
	Status   string `json:"status"`
	Path     string `json:"path,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Report is the state of a selection of manifest files after listing,
// verifying or fetching them ([Survey]).
type Report struct {
	Dirs     []string     `json:"dirs"`
	Download string       `json:"download_dir"`
	Files    []FileReport `json:"files"`
	OK       int          `json:"ok"`
	Missing  int          `json:"missing"`
	Bad      int          `json:"bad"`
	Failed   []string     `json:"failed"`
	// FetchErrors are the download errors, each naming the file, its URL and
	// where to place it by hand.
	FetchErrors []string `json:"-"`
}

// What [Survey] does with each file.
type Op string

const (
	OpList   Op = "list"   // report the state; nothing fails
	OpVerify Op = "verify" // a bad file fails, and a missing one unless fetched on demand
	OpFetch  Op = "fetch"  // download what is missing; a file still missing fails
)

// Select returns the named manifest entries; a folder name ("mnist")
// selects every file under it. No names selects the whole manifest, or for
// fetching the files that are not fetched on demand.
func Select(names []string, fetch bool) ([]Entry, error) {
	if len(names) == 0 {
		var out []Entry
		for _, e := range Manifest {
			if !fetch || !e.OnDemand {
				out = append(out, e)
			}
		}
		return out, nil
	}
	var out []Entry
	var unknown []string
	for _, n := range names {
		matched := false
		for _, e := range Manifest {
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

// Survey lists, verifies or fetches entries and reports the state of each.
// With all, verifying also fails on missing on-demand files.
func Survey(entries []Entry, op Op, all bool) *Report {
	r := &Report{Dirs: Dirs(), Download: Dir(), Files: []FileReport{}, Failed: []string{}}
	for _, e := range entries {
		f := FileReport{Name: e.Name, Size: e.Size, License: e.License, URL: e.URL, OnDemand: e.OnDemand}
		if op == OpFetch {
			if p, err := Fetch(e); err != nil {
				r.FetchErrors = append(r.FetchErrors, err.Error())
				f.Message = err.Error()
			} else {
				f.Path = p
			}
		}
		v := Verify(e)
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
		case v.Status == StatusMissing:
			r.Missing++
			if op == OpFetch || (op == OpVerify && (all || !e.OnDemand)) {
				r.Failed = append(r.Failed, e.Name)
			}
		default:
			r.Bad++
			if op != OpList {
				r.Failed = append(r.Failed, e.Name)
			}
		}
		r.Files = append(r.Files, f)
	}
	return r
}

// Summary is the short state of the whole manifest that `physnb env` shows.
type Summary struct {
	Dirs    []string `json:"dirs"`
	OK      int      `json:"ok"`
	Missing []string `json:"missing"` // files the walkthroughs need that are not there (on-demand ones aside)
	Bad     []string `json:"bad"`
}

// ManifestStatus verifies every manifest file.
func ManifestStatus() Summary {
	s := Summary{Dirs: Dirs(), Missing: []string{}, Bad: []string{}}
	for _, e := range Manifest {
		v := Verify(e)
		switch {
		case v.OK():
			s.OK++
		case v.Status == StatusMissing:
			if !e.OnDemand {
				s.Missing = append(s.Missing, e.Name)
			}
		default:
			s.Bad = append(s.Bad, e.Name)
		}
	}
	return s
}
