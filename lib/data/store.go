package data

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/physnb/physnb/lib/num"
)

// EnvVar names the environment variable that sets the data directories.
const EnvVar = "PHYSNB_DATA"

// Dirs returns the data search path: the folders listed in $PHYSNB_DATA
// (separated by os.PathListSeparator, ':' on Unix), or, when it is unset,
// the single folder os.UserCacheDir()/physnb. Downloads go to the first.
func Dirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(os.Getenv(EnvVar)) {
		if d = strings.TrimSpace(d); d != "" {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) > 0 {
		return dirs
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		// No $HOME and no $XDG_CACHE_HOME: fall back to a folder that
		// exists everywhere, so that errors can still name a place.
		cache = os.TempDir()
	}
	return []string{filepath.Join(cache, "physnb")}
}

// Dir returns the folder where downloads go: the first of Dirs.
func Dir() string { return Dirs()[0] }

// Status is the outcome of verifying one file.
type Status string

const (
	StatusOK            Status = "ok"
	StatusMissing       Status = "missing"
	StatusWrongSize     Status = "wrong size"
	StatusWrongChecksum Status = "wrong checksum"
	StatusUnreadable    Status = "unreadable"
)

// Result reports the verification of one manifest entry.
type Result struct {
	Name    string `json:"name"`
	Path    string `json:"path,omitempty"` // the copy that was checked ("" when missing)
	Status  Status `json:"status"`
	Size    int64  `json:"size"`              // bytes found (0 when missing)
	Want    int64  `json:"expected_size"`     // bytes expected
	SHA256  string `json:"sha256,omitempty"`  // checksum found, when computed
	Message string `json:"message,omitempty"` // one readable sentence for anything but ok
}

// OK reports whether the file is present and correct.
func (r Result) OK() bool { return r.Status == StatusOK }

// Verify looks for e in every data directory and in its known outside
// copies (Entry.Also), in that order, and checks size and SHA-256. The
// result is ok when any copy is correct; otherwise it describes the first
// copy found (or says the file is missing everywhere it looked).
func Verify(e Entry) Result {
	var bad *Result
	for _, c := range candidates(e) {
		r := verifyFile(e.Name, c)
		if r.Status == StatusOK {
			return r
		}
		if r.Status != StatusMissing && bad == nil {
			bad = &r
		}
	}
	if bad != nil {
		return *bad
	}
	where := Dirs()
	for _, c := range e.Also {
		where = append(where, filepath.Dir(c.Path))
	}
	return Result{Name: e.Name, Status: StatusMissing, Want: e.Size,
		Message: fmt.Sprintf("%s: not found in %s", e.Name, strings.Join(where, ", "))}
}

// VerifyAll verifies every manifest entry, in manifest order.
func VerifyAll() []Result {
	out := make([]Result, len(Manifest))
	for i, e := range Manifest {
		out[i] = Verify(e)
	}
	return out
}

// candidate is one place where a correct copy of an entry may be.
type candidate struct {
	path   string
	size   int64
	sha256 string
}

func candidates(e Entry) []candidate {
	var cs []candidate
	for _, d := range Dirs() {
		cs = append(cs, candidate{filepath.Join(d, filepath.FromSlash(e.Name)), e.Size, e.SHA256})
	}
	for _, c := range e.Also {
		cs = append(cs, candidate{c.Path, c.Size, c.SHA256})
	}
	return cs
}

// verified caches files already checked in this process (by path, size and
// modification time), so that notebooks calling Path in every cell do not
// hash 170 MB each time.
var verified sync.Map

type stamp struct {
	size    int64
	modTime time.Time
	sha256  string
}

func verifyFile(name string, c candidate) Result {
	r := Result{Name: name, Path: c.path, Want: c.size}
	info, err := os.Stat(c.path)
	if errors.Is(err, os.ErrNotExist) {
		r.Status, r.Path = StatusMissing, ""
		return r
	}
	if err != nil {
		r.Status, r.Message = StatusUnreadable, fmt.Sprintf("%s: %v", c.path, err)
		return r
	}
	if info.IsDir() {
		r.Status, r.Message = StatusUnreadable, fmt.Sprintf("%s: is a directory, want a file", c.path)
		return r
	}
	r.Size = info.Size()
	if r.Size != c.size {
		r.Status = StatusWrongSize
		r.Message = fmt.Sprintf("%s: %d bytes, want %d (truncated or a different version; delete it and run `physnb data fetch %s`)",
			c.path, r.Size, c.size, name)
		return r
	}
	st := stamp{info.Size(), info.ModTime(), c.sha256}
	if v, ok := verified.Load(c.path); ok && v.(stamp) == st {
		r.Status, r.SHA256 = StatusOK, c.sha256
		return r
	}
	sum, err := fileSHA256(c.path)
	if err != nil {
		r.Status, r.Message = StatusUnreadable, fmt.Sprintf("%s: %v", c.path, err)
		return r
	}
	r.SHA256 = sum
	if sum != c.sha256 {
		r.Status = StatusWrongChecksum
		r.Message = fmt.Sprintf("%s: SHA-256 %s, want %s (corrupted or a different version; delete it and run `physnb data fetch %s`)",
			c.path, sum, c.sha256, name)
		return r
	}
	verified.Store(c.path, st)
	r.Status = StatusOK
	return r
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Path returns the local path of a verified copy of the named manifest file.
// When no correct copy exists it fetches one into Dir(); a failed fetch
// returns a *MissingError that says where to put the file by hand.
func Path(name string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return Fetch(e)
}

// MustPath is Path for notebook cells: it panics with Path's message.
func MustPath(name string) string {
	p, err := Path(name)
	if err != nil {
		panic(err)
	}
	return p
}

// Must returns v, or panics with err: data.Must(data.CIFAR10Sample()) in a
// notebook cell, where a panic shows the message under the cell.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// fetchMu serialises downloads: two cells asking for the same archive
// should not download it twice.
var fetchMu sync.Mutex

// Fetch returns the path of a verified copy of e, downloading (or building,
// for derived files) it into Dir() when no copy verifies. The download goes
// to a temporary file in the same folder, is checked against e.Size and
// e.SHA256, and only then renamed into place: an interrupted or wrong
// download never leaves a file under e.Name.
func Fetch(e Entry) (string, error) {
	if r := Verify(e); r.OK() {
		return r.Path, nil
	}
	fetchMu.Lock()
	defer fetchMu.Unlock()
	r := Verify(e) // another goroutine may have fetched it meanwhile
	if r.OK() {
		return r.Path, nil
	}
	dst := filepath.Join(Dir(), filepath.FromSlash(e.Name))
	if err := fetchTo(context.Background(), e, dst); err != nil {
		removeEmptyParents(filepath.Dir(dst), Dir())
		me := &MissingError{Entry: e, Path: dst, Err: err}
		if r.Status != StatusMissing {
			me.Found = r.Message
		}
		return "", me
	}
	return dst, nil
}

// lookup is Lookup, assigned in init: builders in Manifest call ensure,
// and a direct reference would make Manifest's initialisation circular.
var lookup func(string) (Entry, error)

func init() { lookup = Lookup }

// ensure is Fetch without the lock, for builders that need another
// manifest file (the CIFAR-10 sample needs the archive).
func ensure(ctx context.Context, name string) (string, error) {
	e, err := lookup(name)
	if err != nil {
		return "", err
	}
	if r := Verify(e); r.OK() {
		return r.Path, nil
	}
	dst := filepath.Join(Dir(), filepath.FromSlash(e.Name))
	if err := fetchTo(ctx, e, dst); err != nil {
		return "", fmt.Errorf("fetching %s from %s: %w", e.Name, e.URL, err)
	}
	return dst, nil
}

// MissingError is returned when a file is neither present nor fetchable.
// Its message names the file, the URL and the exact path where a copy
// placed by hand will be found.
type MissingError struct {
	Entry Entry
	Path  string // where a hand-placed copy is expected
	Found string // what was wrong with an existing copy, if any
	Err   error  // the download or build error
}

func (e *MissingError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "data: %s is not available and could not be fetched from %s: %v\n", e.Entry.Name, e.Entry.URL, e.Err)
	if e.Found != "" {
		fmt.Fprintf(&b, "  existing copy rejected: %s\n", e.Found)
	}
	if e.Entry.Derive != "" {
		fmt.Fprintf(&b, "  To install it by hand, build it from %s (%s)\n", e.Entry.URL, e.Entry.Derive)
	} else {
		fmt.Fprintf(&b, "  To install it by hand, download %s\n", e.Entry.URL)
	}
	fmt.Fprintf(&b, "  and place it at %s\n", e.Path)
	fmt.Fprintf(&b, "  (folder %s; expected %d bytes, SHA-256 %s),\n", filepath.Dir(e.Path), e.Entry.Size, e.Entry.SHA256)
	fmt.Fprintf(&b, "  or set %s to a folder that already holds %s.", EnvVar, e.Entry.Name)
	for _, c := range e.Entry.Also {
		if pkg, ok := strings.CutPrefix(c.Note, "Debian package "); ok {
			pkg, _, _ = strings.Cut(pkg, " ")
			fmt.Fprintf(&b, "\n  Offline, Debian's copy works too: apt-get install %s (it installs %s).", pkg, c.Path)
			break
		}
	}
	return b.String()
}

func (e *MissingError) Unwrap() error { return e.Err }

// HTTPClient downloads files. Its transport gives up on a server that does
// not answer within 20 s; the overall limit leaves room for the 170 MB
// CIFAR-10 archive on a slow line.
var HTTPClient = &http.Client{
	Timeout: 30 * time.Minute,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 20 * time.Second}).DialContext,
		TLSHandshakeTimeout:   20 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
	},
}

// Progress receives one line per download started; nil silences it.
var Progress io.Writer = os.Stderr

// open starts the download of url and returns its body.
func open(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "physnb-data/1 (+https://github.com/physnb/physnb)")
	resp, err := HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return resp.Body, nil
}

// fetchTo writes e to dst through a temporary file, verifying it first.
// A download that fails removes its temporary file and every folder it
// created; temporary files of the same name that an interrupted download
// left behind (no change for StalePart) are removed first.
func fetchTo(ctx context.Context, e Entry, dst string) error {
	dir := filepath.Dir(dst)
	existing := dir // the deepest folder that was there before
	for {
		if _, err := os.Stat(existing); err == nil || filepath.Dir(existing) == existing {
			break
		}
		existing = filepath.Dir(existing)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	removeStaleParts(dir, filepath.Base(dst))
	keep := false
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".*.part")
	if err != nil {
		removeEmptyParents(dir, existing)
		return err
	}
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
			removeEmptyParents(dir, existing)
		}
	}()
	if Progress != nil {
		fmt.Fprintf(Progress, "physnb data: fetching %s (%s) from %s\n", e.Name, num.Bytes(e.Size), e.URL)
	}
	h := sha256.New()
	w := io.MultiWriter(tmp, h)
	if Progress != nil && e.Size >= 8<<20 {
		w = io.MultiWriter(w, &progressWriter{name: e.Name, total: e.Size})
	}
	if e.build != nil {
		err = e.build(ctx, e, w)
	} else {
		var body io.ReadCloser
		body, err = open(ctx, e.URL)
		if err == nil {
			// Read one byte more than expected so a longer file is caught.
			_, err = io.Copy(w, io.LimitReader(body, e.Size+1))
			body.Close()
		}
	}
	if err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if size != e.Size || sum != e.SHA256 {
		return fmt.Errorf("the fetched copy has %d bytes and SHA-256 %s, want %d bytes and %s; it was not kept",
			size, sum, e.Size, e.SHA256)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	keep = true
	return nil
}

// StalePart is how long a temporary download file may go unchanged before
// a new download of the same file takes it for the remains of an
// interrupted one and removes it (a running download writes continually).
const StalePart = 10 * time.Minute

// removeStaleParts removes the ".BASE.*.part" files in dir unchanged for StalePart.
func removeStaleParts(dir, base string) {
	parts, _ := filepath.Glob(filepath.Join(dir, "."+base+".*.part"))
	for _, p := range parts {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > StalePart {
			os.Remove(p)
		}
	}
}

// removeEmptyParents removes dir and its parents below top while they are
// empty, so that a failed download leaves no empty folders behind.
func removeEmptyParents(dir, top string) {
	top = filepath.Clean(top)
	for dir = filepath.Clean(dir); dir != top && strings.HasPrefix(dir, top+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			return
		}
	}
}

// progressWriter reports every tenth of a large download on Progress.
type progressWriter struct {
	name        string
	total, done int64
	reported    int64
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if tenth := 10 * p.done / p.total; tenth > p.reported && tenth <= 10 && Progress != nil {
		p.reported = tenth
		fmt.Fprintf(Progress, "physnb data: %s %d%% (%s of %s)\n", p.name, 10*tenth, num.Bytes(p.done), num.Bytes(p.total))
	}
	return len(b), nil
}
