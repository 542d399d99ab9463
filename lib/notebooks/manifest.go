package notebooks

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// The published gallery (docs/gallery) records, beside each page, how and
// from what it was made: manifest.json has one Entry per notebook. Its
// CodeSHA256 is the fingerprint of the notebook's code: when a code cell of
// notebooks/NAME.ipynb changes, the fingerprint no longer matches and the
// published page is a reproduction of code that is not there any more (the
// staleness test says so, and which command republishes it).

// ManifestFile is the name of the gallery's record, beside index.html.
const ManifestFile = "manifest.json"

// Entry is one notebook of the gallery: what ran, where, when, how long.
type Entry struct {
	Name        string  `json:"name"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	OK          bool    `json:"ok"`
	Cell        int     `json:"failed_cell,omitempty"` // 1-based, counting every cell
	Error       string  `json:"error,omitempty"`
	Mode        string  `json:"mode"` // quick, full or "notebook's own"
	Kernel      string  `json:"kernel"`
	Seconds     float64 `json:"seconds"`
	Date        string  `json:"date"`   // RFC 3339, UTC, when the run ended
	Commit      string  `json:"commit"` // git rev-parse --short HEAD, "+dirty" if the tree had changes
	Machine     string  `json:"machine"`
	Cores       int     `json:"cores"`
	CodeSHA256  string  `json:"code_sha256"`         // [CodeHash] of the notebook that ran
	HTML        string  `json:"html,omitempty"`      // page, relative to the gallery
	Thumbnail   string  `json:"thumbnail,omitempty"` // key figure, relative to the gallery
}

// Manifest is the gallery's record, its entries in reading order.
type Manifest struct {
	Notebooks []Entry `json:"notebooks"`
}

// LoadManifest reads dir/manifest.json; a gallery without one has an empty
// manifest (and no error).
func LoadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if os.IsNotExist(err) {
		return &Manifest{}, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not a valid gallery manifest: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

// Get returns the entry of the notebook name, or nil.
func (m *Manifest) Get(name string) *Entry {
	for i := range m.Notebooks {
		if m.Notebooks[i].Name == name {
			return &m.Notebooks[i]
		}
	}
	return nil
}

// put replaces the entry of e.Name, or adds it.
func (m *Manifest) put(e Entry) {
	if old := m.Get(e.Name); old != nil {
		*old = e
		return
	}
	m.Notebooks = append(m.Notebooks, e)
}

// sortBy puts the entries in the order of names; entries not named go last,
// by name.
func (m *Manifest) sortBy(names []string) {
	rank := map[string]int{}
	for i, n := range names {
		rank[n] = i + 1
	}
	key := func(e Entry) (int, string) {
		if r, ok := rank[e.Name]; ok {
			return r, ""
		}
		return len(names) + 1, e.Name
	}
	for i := 1; i < len(m.Notebooks); i++ { // insertion sort: a handful of entries
		for j := i; j > 0; j-- {
			a1, a2 := key(m.Notebooks[j-1])
			b1, b2 := key(m.Notebooks[j])
			if a1 < b1 || (a1 == b1 && a2 <= b2) {
				break
			}
			m.Notebooks[j-1], m.Notebooks[j] = m.Notebooks[j], m.Notebooks[j-1]
		}
	}
}

// save writes dir/manifest.json through a temporary file, so that an
// interrupted write leaves the previous manifest whole.
func (m *Manifest) save(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, ManifestFile), append(b, '\n'))
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// CodeHash is the SHA-256 (hex) of a notebook's code: the sources of its
// code cells, in order, encoded as a JSON array of strings (a cell stored as
// a list of lines counts as their concatenation). Outputs, execution counts,
// metadata and markdown cells do not enter it: running a notebook, or
// editing its prose, leaves the hash as it is; changing, adding, removing or
// reordering a code cell changes it.
func CodeHash(path string) (string, error) {
	nb, err := read(path)
	if err != nil {
		return "", err
	}
	code := []string{}
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			code = append(code, JoinSource(c.Source))
		}
	}
	b, err := json.Marshal(code)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Stale compares the notebooks of dir with a gallery's manifest and
// describes, one line each, every notebook whose code changed since its
// published copy or that has no published copy, with the command that
// republishes it; nil when the gallery is current.
func Stale(dir string, m *Manifest) ([]string, error) {
	paths, err := Find(dir, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".ipynb")
		h, err := CodeHash(p)
		if err != nil {
			return nil, err
		}
		e := m.Get(name)
		switch {
		case e == nil:
			out = append(out, fmt.Sprintf("%s has no published copy: publish it with  bin/physnb notebooks run --publish %s", name, name))
		case e.CodeSHA256 != h:
			out = append(out, fmt.Sprintf("%s: its code cells changed since the published copy (run %s at commit %s): republish it with  bin/physnb notebooks run --publish %s",
				name, e.Date, e.Commit, name))
		}
	}
	return out, nil
}

// provenance is what every entry of one run shares: the commit and the machine.
type provenance struct {
	commit, machine string
	cores           int
}

// provenanceOf describes the checkout that holds dir (its commit, "+dirty"
// when files other than the gallery's own, out, differ from it) and this
// machine (the CPU model from /proc/cpuinfo, the cores Go sees).
func provenanceOf(dir, out string) provenance {
	p := provenance{commit: "unknown", machine: cpuModel(), cores: runtime.NumCPU()}
	top, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return p
	}
	root := strings.TrimSpace(string(top))
	head, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return p
	}
	p.commit = strings.TrimSpace(string(head))
	args := []string{"-C", root, "status", "--porcelain", "--", "."}
	if rel, err := filepath.Rel(root, out); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
		// Publishing one notebook after another changes the gallery: that is not a change of the code.
		args = append(args, ":(exclude)"+filepath.ToSlash(rel))
	}
	if st, err := exec.Command("git", args...).Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		p.commit += "+dirty"
	}
	return p
}

// cpuModel is the first "model name" of /proc/cpuinfo, or GOOS/GOARCH.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.Join(strings.Fields(v), " ")
			}
		}
	}
	return runtime.GOOS + "/" + runtime.GOARCH
}

// now is the run date (tests replace it).
var now = func() time.Time { return time.Now().UTC() }
