package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func timeAfter(t *testing.T) time.Time { return time.Now().Add(time.Hour) }

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// server serves files from a map and counts requests.
func server(t *testing.T, files map[string][]byte) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

func quiet(t *testing.T) {
	old := Progress
	Progress = nil
	t.Cleanup(func() { Progress = old })
}

// leftovers lists the files under dir (temporary downloads included).
func leftovers(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestFetch(t *testing.T) {
	quiet(t)
	content := []byte("mass,condensate\n0.1,0.2\n")
	s, hits := server(t, map[string][]byte{"/f.csv": content, "/other.csv": []byte("something else\n")})
	dir := t.TempDir()
	t.Setenv(EnvVar, dir)
	e := Entry{Name: "test/f.csv", URL: s.URL + "/f.csv", Size: int64(len(content)), SHA256: sum(content)}

	if r := Verify(e); r.Status != StatusMissing || !strings.Contains(r.Message, dir) {
		t.Fatalf("before the download: %+v, want missing naming %s", r, dir)
	}
	p, err := Fetch(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "test", "f.csv"); p != want {
		t.Errorf("path %s, want %s", p, want)
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, content) {
		t.Errorf("content %q", b)
	}
	if _, err := Fetch(e); err != nil || hits.Load() != 1 {
		t.Errorf("second Fetch: %v, %d requests, want 1 (the file is there)", err, hits.Load())
	}
	if got := leftovers(t, dir); len(got) != 1 {
		t.Errorf("files left: %v, want only the download", got)
	}

	// Checksum mismatch: an error, and nothing kept.
	bad := Entry{Name: "test/g.csv", URL: s.URL + "/other.csv", Size: int64(len(content)), SHA256: sum(content)}
	_, err = Fetch(bad)
	var me *MissingError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "SHA-256") || !strings.Contains(err.Error(), "not kept") {
		t.Errorf("mismatch: %v", err)
	}
	if got := leftovers(t, dir); len(got) != 1 {
		t.Errorf("files left after a bad download: %v", got)
	}
	// HTTP 404.
	if _, err := Fetch(Entry{Name: "test/h", URL: s.URL + "/absent", Size: 1, SHA256: sum([]byte("x"))}); err == nil ||
		!strings.Contains(err.Error(), "404") {
		t.Errorf("404: %v", err)
	}

	// Server down: the offline message names the file, the URL and the folder.
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL + "/f.csv"
	down.Close()
	off := Entry{Name: "test/offline.csv", URL: url, Size: 3, SHA256: sum([]byte("abc"))}
	_, err = Path("no/such/file")
	if err == nil || !strings.Contains(err.Error(), "not in the manifest") {
		t.Errorf("unknown name: %v", err)
	}
	_, err = Fetch(off)
	if !errors.As(err, &me) {
		t.Fatalf("offline: %v, want a *MissingError", err)
	}
	msg := err.Error()
	for _, want := range []string{"test/offline.csv", url, filepath.Join(dir, "test", "offline.csv"), filepath.Join(dir, "test"), EnvVar} {
		if !strings.Contains(msg, want) {
			t.Errorf("offline message does not name %q:\n%s", want, msg)
		}
	}
}

func TestVerifyStatuses(t *testing.T) {
	quiet(t)
	a, b := t.TempDir(), t.TempDir()
	t.Setenv(EnvVar, a+string(os.PathListSeparator)+b)
	if d := Dirs(); len(d) != 2 || Dir() != a {
		t.Fatalf("Dirs %v, want [%s %s]", d, a, b)
	}
	content := []byte("0123456789")
	e := Entry{Name: "x/y.bin", URL: "http://127.0.0.1:1/unused", Size: 10, SHA256: sum(content)}
	os.MkdirAll(filepath.Join(b, "x"), 0o755)
	write(t, filepath.Join(b, "x"), "y.bin", content)
	// Found in the second folder of the search path, no download needed.
	if p, err := Fetch(e); err != nil || p != filepath.Join(b, "x", "y.bin") {
		t.Errorf("search path: %s %v", p, err)
	}
	os.Remove(filepath.Join(b, "x", "y.bin"))
	os.MkdirAll(filepath.Join(a, "x"), 0o755)
	write(t, filepath.Join(a, "x"), "y.bin", content[:7])
	if r := Verify(e); r.Status != StatusWrongSize || !strings.Contains(r.Message, "7 bytes, want 10") {
		t.Errorf("short file: %+v", r)
	}
	write(t, filepath.Join(a, "x"), "y.bin", []byte("0123456788"))
	r := Verify(e)
	if r.Status != StatusWrongChecksum || !strings.Contains(r.Message, e.SHA256) {
		t.Errorf("corrupted file: %+v", r)
	}
	// Fetch reports the rejected copy as well as the failed download.
	if _, err := Fetch(e); err == nil || !strings.Contains(err.Error(), "existing copy rejected") {
		t.Errorf("fetch over a corrupted copy: %v", err)
	}
	// A file replaced after a successful verification is checked again.
	write(t, filepath.Join(a, "x"), "y.bin", content)
	if r := Verify(e); !r.OK() {
		t.Fatalf("good file: %+v", r)
	}
	write(t, filepath.Join(a, "x"), "y.bin", []byte("0123456788"))
	os.Chtimes(filepath.Join(a, "x", "y.bin"), timeAfter(t), timeAfter(t))
	if r := Verify(e); r.OK() {
		t.Error("a corrupted file passed because an earlier copy had verified")
	}
	// Outside copies (Entry.Also) carry their own checksum.
	alt := write(t, b, "alt.bin", []byte("recompressed"))
	e.Also = []Copy{{Path: alt, Size: 12, SHA256: sum([]byte("recompressed"))}}
	os.Remove(filepath.Join(a, "x", "y.bin"))
	if r := Verify(e); !r.OK() || r.Path != alt {
		t.Errorf("outside copy: %+v", r)
	}
}

func TestWineDerivation(t *testing.T) {
	// Wine: turn the shared joined file back into UCI's two ';'-separated
	// files with quoted headers, join them again and compare checksums.
	dir := sharedData(t)
	joined, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(WineQuality)))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(joined), "\n"), "\n")
	names := strings.Split(lines[0], ",")[1:]
	header := `"` + strings.Join(names, `";"`) + `"` + "\r\n"
	uci := map[string]*strings.Builder{"white": {}, "red": {}}
	for _, k := range []string{"white", "red"} {
		uci[k].WriteString(header)
	}
	for _, l := range lines[1:] {
		kind, rest, _ := strings.Cut(l, ",")
		uci[kind].WriteString(strings.ReplaceAll(rest, ",", ";") + "\r\n")
	}
	var out bytes.Buffer
	if err := joinWine(strings.NewReader(uci["white"].String()), &out, "white", true); err != nil {
		t.Fatal(err)
	}
	if err := joinWine(strings.NewReader(uci["red"].String()), &out, "red", false); err != nil {
		t.Fatal(err)
	}
	e, _ := Lookup(WineQuality)
	if got := sum(out.Bytes()); got != e.SHA256 || int64(out.Len()) != e.Size {
		t.Errorf("rebuilt wine: %d bytes %s, want %d %s", out.Len(), got, e.Size, e.SHA256)
	}
}

func TestBuilders(t *testing.T) {
	quiet(t)

	// CR line endings and a tar.gz member, served over HTTP.
	var tgz bytes.Buffer
	zw := gzip.NewWriter(&tgz)
	tw := tar.NewWriter(zw)
	member := []byte("tensor bytes")
	for _, f := range []struct {
		name string
		b    []byte
	}{{"mnist/model.onnx", []byte("model")}, {"mnist/test_data_set_0/input_0.pb", member}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.b)), Typeflag: tar.TypeReg})
		tw.Write(f.b)
	}
	tw.Close()
	zw.Close()
	s, _ := server(t, map[string][]byte{"/cr.csv": []byte("0,0\r1,2\r3,4"), "/m.tar.gz": tgz.Bytes()})
	t.Setenv(EnvVar, t.TempDir())
	lf := []byte("0,0\n1,2\n3,4")
	if p, err := Fetch(Entry{Name: "cr.csv", URL: s.URL + "/cr.csv", Size: int64(len(lf)), SHA256: sum(lf), build: buildCRToLF}); err != nil {
		t.Errorf("CR to LF: %v", err)
	} else if b, _ := os.ReadFile(p); !bytes.Equal(b, lf) {
		t.Errorf("CR to LF: %q", b)
	}
	if p, err := Fetch(Entry{Name: "m/input_0.pb", URL: s.URL + "/m.tar.gz", Size: int64(len(member)), SHA256: sum(member),
		build: buildTarMember("test_data_set_0/input_0.pb")}); err != nil {
		t.Errorf("tar member: %v", err)
	} else if b, _ := os.ReadFile(p); !bytes.Equal(b, member) {
		t.Errorf("tar member: %q", b)
	}
	_, err := Fetch(Entry{Name: "m/absent.pb", URL: s.URL + "/m.tar.gz", Size: 1, SHA256: sum([]byte("x")),
		build: buildTarMember("test_data_set_9/input_0.pb")})
	if err == nil || !strings.Contains(err.Error(), "no member") {
		t.Errorf("absent member: %v", err)
	}
}

// A large download reports its progress in tenths on Progress.
func TestFetchProgress(t *testing.T) {
	big := bytes.Repeat([]byte{42}, 8<<20)
	s, _ := server(t, map[string][]byte{"/big": big})
	t.Setenv(EnvVar, t.TempDir())
	var log bytes.Buffer
	old := Progress
	Progress = &log
	defer func() { Progress = old }()
	if _, err := Fetch(Entry{Name: "big.bin", URL: s.URL + "/big", Size: int64(len(big)), SHA256: sum(big)}); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if !strings.Contains(out, "fetching big.bin (8.0 MB) from "+s.URL) || !strings.Contains(out, "big.bin 50%") || !strings.Contains(out, "big.bin 100%") {
		t.Errorf("progress log:\n%s", out)
	}
}

// Offline, a file that a Debian package also provides names the package.
func TestMissingNamesTheDebianPackage(t *testing.T) {
	var e Entry
	for _, m := range Manifest {
		if m.Name == "fashion-mnist/t10k-labels-idx1-ubyte.gz" {
			e = m
		}
	}
	msg := (&MissingError{Entry: e, Path: "/x/fashion-mnist/t10k-labels-idx1-ubyte.gz", Err: errors.New("offline")}).Error()
	if !strings.Contains(msg, "apt-get install dataset-fashion-mnist") || !strings.Contains(msg, e.URL) {
		t.Fatalf("the message must name the download and the Debian package:\n%s", msg)
	}
}

// An interrupted download's temporary file is removed by the next download
// of the same file once stale (a fresh one may be another process's), and a
// failed download into a data folder that did not exist leaves no folder.
func TestFetchCleansUp(t *testing.T) {
	quiet(t)
	content := []byte("abc\n")
	s, _ := server(t, map[string][]byte{"/f.csv": content})
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv(EnvVar, dir)

	// A failed fetch into a data folder that does not exist yet.
	off := Entry{Name: "deep/er/g.csv", URL: s.URL + "/absent", Size: 3, SHA256: sum([]byte("abc"))}
	if _, err := Fetch(off); err == nil {
		t.Fatal("fetching a missing URL succeeded")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed fetch left the data folder %s (%v)", dir, err)
	}

	e := Entry{Name: "test/f.csv", URL: s.URL + "/f.csv", Size: int64(len(content)), SHA256: sum(content)}
	sub := filepath.Join(dir, "test")
	os.MkdirAll(sub, 0o755)
	stale, fresh := filepath.Join(sub, ".f.csv.123.part"), filepath.Join(sub, ".f.csv.456.part")
	os.WriteFile(stale, []byte("half"), 0o644)
	os.WriteFile(fresh, []byte("half"), 0o644)
	old := time.Now().Add(-2 * StalePart)
	os.Chtimes(stale, old, old)
	if _, err := Fetch(e); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale %s is still there", stale)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("the recent %s was removed: %v", fresh, err)
	}
}
