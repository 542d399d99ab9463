// Package checkpoints saves and restores the variables of a GoMLX model
// store so that no interruption can destroy a saved run: a kill, a full disk
// or a power cut at any moment leaves the previous checkpoints intact, and
// loading takes the newest checkpoint that is intact, saying which ones it
// skipped and why.
//
// A checkpoint folder holds one sub-folder per checkpoint,
//
//	DIR/ckpt-000007-step-000000300/
//	    weights.json   the GoMLX checkpoint metadata (variables, dtypes, shapes, hyperparameters)
//	    weights.bin    the variables' bytes (GoMLX's gzip format)
//	    neuralrg.json  files of the caller's own (run metadata: configuration, history)
//	    manifest.json  step, sequence number, and the size and SHA-256 of every file above
//
// numbered by a sequence that grows with every save and named after the
// training step. A save writes everything into a hidden ".saving-*" folder
// in DIR, flushes every file and the folder to disk (fsync), and only then
// renames the folder to its ckpt-* name and flushes DIR: rename is atomic,
// so a ckpt-* folder is either complete or absent. Older checkpoints are
// removed only after the new one is in place, and a checkpoint of the same
// step as the new one is always removed (Keep counts distinct steps). A
// checkpoint counts as intact when its manifest parses and every file has
// the size and SHA-256 the manifest records.
//
// Run metadata outside checkpoints (a run's summary, a report) is written
// with [WriteFile] or [WriteJSON]: a temporary file in the same folder,
// fsync, rename, fsync of the folder.
//
// The weights are written by GoMLX's own checkpoint writer and read back by
// a reader of that format which checks every declared shape, offset and
// length against the data before allocating, so a damaged file is an error,
// never a panic. [Checkpoint.Restore] also checks that every variable the
// model already has is in the checkpoint with the same shape: a checkpoint
// of another configuration is refused rather than silently reshaping the
// model. Folders written by GoMLX's checkpoint.Handler directly (files
// checkpoint-*.json and .bin side by side) are read too.
//
// Example:
//
//	// after a training step:
//	meta, _ := json.Marshal(runState)
//	_, err := checkpoints.Save(dir, store, step, map[string][]byte{"run.json": meta}, 2)
//
//	// when the run starts again:
//	ck, err := checkpoints.Open(dir, os.Stderr) // newest intact checkpoint
//	raw, err := ck.ReadFile("run.json")         // the run metadata saved with it
//	n, err := ck.Restore(store)                 // every variable restored, shapes checked
package checkpoints

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
)

// Names of the files of a checkpoint folder.
const (
	ManifestFile = "manifest.json"
	WeightsMeta  = "weights.json"
	WeightsData  = "weights.bin"
	format       = "physnb-checkpoint/1"
	maxManifest  = 1 << 20
)

// ErrNoCheckpoint is wrapped by [Open]'s error when the folder holds no
// intact checkpoint.
var ErrNoCheckpoint = errors.New("no intact checkpoint")

// ErrMismatch is wrapped by [Checkpoint.Restore]'s error when the
// checkpoint's variables do not fit the model's.
var ErrMismatch = errors.New("checkpoint does not fit the model")

type fileEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type manifest struct {
	Format   string      `json:"format"`
	Step     int         `json:"step"`
	Sequence int         `json:"sequence"`
	Saved    string      `json:"saved"`
	Files    []fileEntry `json:"files"`
}

// Checkpoint is one checkpoint found by [Open] or written by [Save].
type Checkpoint struct {
	// Folder is the checkpoint's own folder (for a GoMLX-only folder, the
	// folder that holds its files); Name its name (ckpt-NNNNNN-step-SSSSSSSSS).
	Folder, Name string
	// Step is the training step it was saved at, Sequence its save number.
	Step, Sequence int
	// Skipped lists the newer checkpoints Open passed over, each with why.
	Skipped []string
	files   map[string]fileEntry
	legacy  string // base name of a GoMLX-only checkpoint in Folder
}

var nameRE = regexp.MustCompile(`^ckpt-(\d{6,12})-step-(\d{9,12})$`)

// parseName returns the sequence and step of a checkpoint folder name.
func parseName(name string) (seq, step int, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return 0, 0, false
	}
	seq, err1 := strconv.Atoi(m[1])
	step, err2 := strconv.Atoi(m[2])
	return seq, step, err1 == nil && err2 == nil
}

type entry struct {
	name      string
	seq, step int
}

// list returns dir's ckpt-* folders, newest (highest sequence) first.
func list(dir string) ([]entry, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, d := range des {
		if seq, step, ok := parseName(d.Name()); ok && d.IsDir() {
			out = append(out, entry{d.Name(), seq, step})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq > out[j].seq })
	return out, nil
}

// legacyList returns the base names of GoMLX-only checkpoints in dir, newest first.
func legacyList(dir string) []string {
	des, _ := os.ReadDir(dir)
	var out []string
	for _, d := range des {
		n := d.Name()
		if !d.IsDir() && strings.HasPrefix(n, "checkpoint-") && strings.HasSuffix(n, ".json") {
			out = append(out, strings.TrimSuffix(n, ".json"))
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// Has reports whether dir holds any checkpoint, intact or not (a folder
// being written, ".saving-*", does not count).
func Has(dir string) bool {
	l, _ := list(dir)
	return len(l) > 0 || len(legacyList(dir)) > 0
}

// validName reports whether name can be a file of a checkpoint.
func validName(name string) bool {
	return name != "" && name != ManifestFile && !strings.ContainsAny(name, `/\`) &&
		!strings.HasPrefix(name, ".") && filepath.Base(name) == name
}

// Save writes the variables and hyperparameters of store, and files (name ->
// content, for run metadata), as a new checkpoint of dir at the given step,
// atomically (see the package documentation), then removes the older
// checkpoints of the same step and all but the newest keep steps. dir is
// created if needed. Every variable of store must have a value. Save is
// for one writer at a time per folder.
func Save(dir string, store *model.Store, step int, files map[string][]byte, keep int) (*Checkpoint, error) {
	if step < 0 || keep < 1 {
		return nil, fmt.Errorf("checkpoints: step %d and keep %d: want step >= 0 and keep >= 1", step, keep)
	}
	for name := range files {
		if !validName(name) || name == WeightsMeta || name == WeightsData {
			return nil, fmt.Errorf("checkpoints: %q cannot be the name of a checkpoint file", name)
		}
	}
	for v := range store.IterVariables() {
		if !v.HasValue() {
			return nil, fmt.Errorf("checkpoints: variable %s has no value yet: run the model once before saving", v.Path())
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	removeStale(dir)
	tmp, err := os.MkdirTemp(dir, ".saving-")
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	ck, err := write(dir, tmp, store, step, files)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("checkpoints: saving step %d in %s: %w", step, dir, err)
	}
	if err := prune(dir, ck, keep); err != nil {
		return ck, fmt.Errorf("checkpoints: %s saved, but removing older checkpoints failed: %w", ck.Folder, err)
	}
	return ck, nil
}

// write fills tmp, publishes it under its ckpt-* name and returns it.
func write(dir, tmp string, store *model.Store, step int, files map[string][]byte) (ck *Checkpoint, err error) {
	if err := writeWeights(tmp, store); err != nil {
		return nil, err
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return nil, err
		}
	}
	names := []string{WeightsMeta, WeightsData}
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names[2:])
	seq := 1
	if l, err := list(dir); err == nil && len(l) > 0 {
		seq = l[0].seq + 1
	}
	m := manifest{Format: format, Step: step, Sequence: seq, Saved: time.Now().UTC().Format(time.RFC3339)}
	for _, name := range names {
		p := filepath.Join(tmp, name)
		if err := syncFile(p); err != nil {
			return nil, err
		}
		fe, err := hashFile(p, name)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, fe)
	}
	mb, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(tmp, ManifestFile), mb, 0o644); err != nil {
		return nil, err
	}
	if err := syncFile(filepath.Join(tmp, ManifestFile)); err != nil {
		return nil, err
	}
	if err := SyncDir(tmp); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("ckpt-%06d-step-%09d", seq, step)
	final := filepath.Join(dir, name)
	if err := os.Rename(tmp, final); err != nil {
		return nil, err
	}
	if err := SyncDir(dir); err != nil {
		return nil, err
	}
	ck = &Checkpoint{Folder: final, Name: name, Step: step, Sequence: seq, files: map[string]fileEntry{}}
	for _, fe := range m.Files {
		ck.files[fe.Name] = fe
	}
	return ck, nil
}

// writeWeights has GoMLX write store's variables into the empty folder tmp,
// under the names WeightsMeta and WeightsData.
func writeWeights(tmp string, store *model.Store) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing the weights: %v", r)
		}
	}()
	prev := store.Loader()
	// The handler of an empty folder loads nothing; it becomes the store's
	// loader while it exists, so the previous loader is put back.
	h, err := checkpoint.Build(store).Dir(tmp).Keep(-1).Done()
	defer store.SetLoader(prev)
	if err != nil {
		return err
	}
	if err := h.Save(); err != nil {
		return err
	}
	base := legacyList(tmp)
	if len(base) != 1 {
		return fmt.Errorf("GoMLX wrote %d checkpoints, want 1", len(base))
	}
	if err := os.Rename(filepath.Join(tmp, base[0]+".json"), filepath.Join(tmp, WeightsMeta)); err != nil {
		return err
	}
	return os.Rename(filepath.Join(tmp, base[0]+".bin"), filepath.Join(tmp, WeightsData))
}

func hashFile(p, name string) (fileEntry, error) {
	f, err := os.Open(p)
	if err != nil {
		return fileEntry{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileEntry{}, err
	}
	return fileEntry{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// staleTemp matches the temporary files of an interrupted [WriteFile].
var staleTemp = regexp.MustCompile(`^\..+\.tmp-\d+$`)

// removeStale removes what interrupted saves, removals and WriteFile calls
// left behind.
func removeStale(dir string) {
	des, _ := os.ReadDir(dir)
	for _, d := range des {
		n := d.Name()
		if (d.IsDir() && (strings.HasPrefix(n, ".saving-") || strings.HasPrefix(n, ".removing-"))) ||
			(!d.IsDir() && staleTemp.MatchString(n)) {
			os.RemoveAll(filepath.Join(dir, n))
		}
	}
}

// prune removes the checkpoints older than ck of ck's step, then keeps the
// newest checkpoint of each of the newest keep steps. A checkpoint is first
// renamed out of the ckpt-* names (atomic), then deleted.
func prune(dir string, ck *Checkpoint, keep int) error {
	l, err := list(dir)
	if err != nil {
		return err
	}
	steps := map[int]bool{}
	var doomed []string
	for _, e := range l {
		switch {
		case e.seq == ck.Sequence:
			steps[e.step] = true
		case e.seq > ck.Sequence:
			// a newer one than ours: not ours to judge.
		case steps[e.step] || e.step == ck.Step || len(steps) >= keep:
			doomed = append(doomed, e.name)
		default:
			steps[e.step] = true
		}
	}
	for _, name := range doomed {
		gone := filepath.Join(dir, ".removing-"+name)
		if err := os.Rename(filepath.Join(dir, name), gone); err != nil {
			return err
		}
		if err := os.RemoveAll(gone); err != nil {
			return err
		}
	}
	if len(doomed) > 0 {
		return SyncDir(dir)
	}
	return nil
}

// Open returns the newest intact checkpoint of dir. Damaged newer ones are
// listed in Checkpoint.Skipped and, if log is not nil, named on it with the
// reason. Without an intact checkpoint the error wraps ErrNoCheckpoint (and
// the reading error, os.ErrNotExist for a missing folder).
func Open(dir string, log io.Writer) (*Checkpoint, error) {
	l, err := list(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w: %w", ErrNoCheckpoint, err)
	}
	var skipped []string
	for _, e := range l {
		ck, err := verify(dir, e)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", e.name, err))
			continue
		}
		ck.Skipped = skipped
		if log != nil && len(skipped) > 0 {
			fmt.Fprintf(log, "checkpoints: in %s, skipping %d damaged checkpoint(s) (%s); using %s (step %d)\n",
				dir, len(skipped), strings.Join(skipped, "; "), ck.Name, ck.Step)
		}
		return ck, nil
	}
	if len(l) == 0 {
		for _, base := range legacyList(dir) {
			if _, err := readLegacy(dir, base); err != nil {
				skipped = append(skipped, fmt.Sprintf("%s: %v", base, err))
				continue
			}
			ck := &Checkpoint{Folder: dir, Name: base, legacy: base, Skipped: skipped}
			if m := regexp.MustCompile(`-step-(\d+)$`).FindStringSubmatch(base); m != nil {
				ck.Step, _ = strconv.Atoi(m[1])
			}
			if log != nil && len(skipped) > 0 {
				fmt.Fprintf(log, "checkpoints: in %s, skipping %d damaged checkpoint(s) (%s); using %s\n",
					dir, len(skipped), strings.Join(skipped, "; "), base)
			}
			return ck, nil
		}
	}
	if len(skipped) > 0 {
		return nil, fmt.Errorf("checkpoints: %w in %s: %s", ErrNoCheckpoint, dir, strings.Join(skipped, "; "))
	}
	return nil, fmt.Errorf("checkpoints: %w in %s: the folder holds none", ErrNoCheckpoint, dir)
}

// verify checks a checkpoint folder against its manifest.
func verify(dir string, e entry) (*Checkpoint, error) {
	folder := filepath.Join(dir, e.name)
	mp := filepath.Join(folder, ManifestFile)
	st, err := os.Stat(mp)
	if err != nil {
		return nil, fmt.Errorf("no manifest: %w", err)
	}
	if st.Size() > maxManifest {
		return nil, fmt.Errorf("manifest of %d bytes", st.Size())
	}
	mb, err := os.ReadFile(mp)
	if err != nil {
		return nil, err
	}
	m, err := parseManifest(mb)
	if err != nil {
		return nil, err
	}
	if m.Step != e.step || m.Sequence != e.seq {
		return nil, fmt.Errorf("manifest says sequence %d step %d, the folder name %d and %d", m.Sequence, m.Step, e.seq, e.step)
	}
	ck := &Checkpoint{Folder: folder, Name: e.name, Step: e.step, Sequence: e.seq, files: map[string]fileEntry{}}
	for _, fe := range m.Files {
		got, err := hashFile(filepath.Join(folder, fe.Name), fe.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fe.Name, err)
		}
		if got.Size != fe.Size {
			return nil, fmt.Errorf("%s holds %d bytes, the manifest says %d", fe.Name, got.Size, fe.Size)
		}
		if got.SHA256 != fe.SHA256 {
			return nil, fmt.Errorf("%s: its SHA-256 differs from the manifest's", fe.Name)
		}
		ck.files[fe.Name] = fe
	}
	return ck, nil
}

// parseManifest decodes and checks a manifest.
func parseManifest(b []byte) (*manifest, error) {
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if m.Format != format {
		return nil, fmt.Errorf("manifest format %q, want %q", m.Format, format)
	}
	seen := map[string]bool{}
	for _, fe := range m.Files {
		if !validName(fe.Name) || seen[fe.Name] || fe.Size < 0 || len(fe.SHA256) != 64 {
			return nil, fmt.Errorf("manifest: bad file entry %+v", fe)
		}
		seen[fe.Name] = true
	}
	if !seen[WeightsMeta] || !seen[WeightsData] {
		return nil, fmt.Errorf("manifest lists no %s and %s", WeightsMeta, WeightsData)
	}
	return &m, nil
}

// Legacy reports whether the checkpoint is a GoMLX-only one (no manifest,
// no sequence number; its files of the caller's own lie beside it).
func (c *Checkpoint) Legacy() bool { return c.legacy != "" }

// Steps returns the steps of dir's checkpoints, newest first (intact or not).
func Steps(dir string) ([]int, error) {
	l, err := list(dir)
	var out []int
	for _, e := range l {
		out = append(out, e.step)
	}
	return out, err
}

// Files lists the checkpoint's files of the caller's own (those given to Save).
func (c *Checkpoint) Files() []string {
	var out []string
	for name := range c.files {
		if name != WeightsMeta && name != WeightsData {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ReadFile returns a file saved with the checkpoint, checked against the
// manifest. For a GoMLX-only folder, it reads the file from that folder.
func (c *Checkpoint) ReadFile(name string) ([]byte, error) {
	if c.legacy != "" {
		if !validName(name) {
			return nil, fmt.Errorf("checkpoints: %q is not a file name", name)
		}
		return os.ReadFile(filepath.Join(c.Folder, name))
	}
	fe, ok := c.files[name]
	if !ok {
		return nil, fmt.Errorf("checkpoints: %s holds no file %q: %w", c.Folder, name, os.ErrNotExist)
	}
	b, err := os.ReadFile(filepath.Join(c.Folder, name))
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	if sum := sha256.Sum256(b); int64(len(b)) != fe.Size || hex.EncodeToString(sum[:]) != fe.SHA256 {
		return nil, fmt.Errorf("checkpoints: %s in %s changed since it was saved", name, c.Folder)
	}
	return b, nil
}

func readLegacy(dir, base string) (*weights, error) {
	meta, err := os.ReadFile(filepath.Join(dir, base+".json"))
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, base+".bin"))
	if err != nil {
		return nil, err
	}
	return parseWeights(meta, data)
}

// weights reads and decodes the checkpoint's variables.
func (c *Checkpoint) weights() (*weights, error) {
	if c.legacy != "" {
		return readLegacy(c.Folder, c.legacy)
	}
	meta, err := c.ReadFile(WeightsMeta)
	if err != nil {
		return nil, err
	}
	data, err := c.ReadFile(WeightsData)
	if err != nil {
		return nil, err
	}
	return parseWeights(meta, data)
}

// Variables returns the checkpoint's variables without touching any store.
func (c *Checkpoint) Variables() ([]Variable, error) {
	w, err := c.weights()
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %s: %w", c.Name, err)
	}
	return w.Vars, nil
}

// Restore sets store's variables and hyperparameters to the checkpoint's
// and returns how many variables it set. Every variable store already has
// must be in the checkpoint with the same dtype and shape, and every
// variable of the checkpoint under a top-level scope the store's variables
// use (say /flow) must be in the store; otherwise nothing is changed and
// the error, wrapping ErrMismatch, names the first differences. Variables
// of other scopes (an optimizer's moments) are created.
func (c *Checkpoint) Restore(store *model.Store) (int, error) {
	w, err := c.weights()
	if err != nil {
		return 0, fmt.Errorf("checkpoints: %s: %w", c.Name, err)
	}
	byPath := map[string]Variable{}
	for _, v := range w.Vars {
		byPath[v.Path] = v
	}
	top := func(p string) string {
		p = strings.TrimPrefix(p, "/")
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return p[:i]
		}
		return ""
	}
	scopes := map[string]bool{}
	var problems []string
	for v := range store.IterVariables() {
		if t := top(v.Path()); t != "" {
			scopes[t] = true
		}
		cv, ok := byPath[v.Path()]
		if !ok {
			problems = append(problems, fmt.Sprintf("the model's %s (%s) is not in the checkpoint", v.Path(), v.Shape()))
		} else if !cv.Value.Shape().Equal(v.Shape()) {
			problems = append(problems, fmt.Sprintf("%s is %s in the checkpoint, %s in the model", v.Path(), cv.Value.Shape(), v.Shape()))
		}
	}
	for _, cv := range w.Vars {
		if scopes[top(cv.Path)] && store.GetVariable(cv.Path) == nil {
			problems = append(problems, fmt.Sprintf("the checkpoint's %s (%s) is not in the model", cv.Path, cv.Value.Shape()))
		}
	}
	if len(problems) > 0 {
		more := ""
		if len(problems) > 4 {
			more = fmt.Sprintf("; and %d more", len(problems)-4)
			problems = problems[:4]
		}
		where := filepath.Dir(c.Folder)
		if c.legacy != "" {
			where = c.Folder
		}
		return 0, fmt.Errorf("checkpoints: %s in %s: %w: %s%s", c.Name, where, ErrMismatch, strings.Join(problems, "; "), more)
	}
	for _, cv := range w.Vars {
		if v := store.GetVariable(cv.Path); v != nil {
			if err := v.SetValue(cv.Value); err != nil {
				return 0, fmt.Errorf("checkpoints: restoring %s: %w", cv.Path, err)
			}
		} else if _, err := store.CreateVariable(cv.Path, cv.Value); err != nil {
			return 0, fmt.Errorf("checkpoints: restoring %s: %w", cv.Path, err)
		}
	}
	for p, v := range w.Params {
		store.SetParam(p, v)
	}
	return len(w.Vars), nil
}
