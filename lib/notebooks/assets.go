package notebooks

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The HTML that nbconvert writes loads MathJax and require.js from this
// machine's Debian files (file:///usr/share/javascript/...), or from a CDN:
// served over HTTP, or opened on a machine without libjs-mathjax, every
// equation then shows as raw TeX. The gallery carries its own copy of the
// files a page needs, in assets/ beside the pages, and the pages link to it
// relatively, so they typeset offline and when served.

// AssetsDir is the folder of the gallery's scripts, relative to its pages.
const AssetsDir = "assets"

// jsRoots are where the scripts are looked for: Debian's folder first.
var jsRoots = []string{"/usr/share/javascript"}

// mathJaxFiles is the part of MathJax 2 that the TeX-AMS_CHTML-full
// configuration loads (the TeX input, CommonHTML output with its web fonts,
// the fast preview, the Safe and assistive extensions), about 2 MB of the
// package's 54.
var mathJaxFiles = []string{
	"MathJax.js", "config/TeX-AMS_CHTML-full.js", "extensions", "jax/input/TeX", "jax/element",
	"jax/output/CommonHTML", "jax/output/PreviewHTML", "jax/output/NativeMML",
	"fonts/HTML-CSS/TeX/woff", "fonts/HTML-CSS/TeX/otf", "localization/en",
}

// scriptSrc matches the script links the export writes to MathJax and
// require.js, local or remote.
var scriptSrc = regexp.MustCompile(`src="(?:file:///usr/share/javascript/|https?://[^"]*/)(mathjax|requirejs|require\.js)(?:/[0-9.]+)?/([^"]*)"`)

// relinkAssets points a page's MathJax and require.js links at the gallery's
// assets folder, and reports which of the two it uses.
func relinkAssets(page []byte) ([]byte, map[string]bool) {
	used := map[string]bool{}
	out := scriptSrc.ReplaceAllFunc(page, func(m []byte) []byte {
		sub := scriptSrc.FindSubmatch(m)
		lib := string(sub[1])
		if lib == "require.js" {
			lib = "requirejs"
		}
		used[lib] = true
		file := string(sub[2])
		if lib == "requirejs" {
			file = "require.min.js"
		}
		return []byte(fmt.Sprintf(`src="%s/%s/%s"`, AssetsDir, lib, file))
	})
	return out, used
}

// bundleAssets copies the scripts the pages use into out/assets (once: a
// file already there is kept).
func bundleAssets(out string, used map[string]bool) error {
	for lib := range used {
		src, err := findJS(lib)
		if err != nil {
			return err
		}
		files := mathJaxFiles
		if lib == "requirejs" {
			files = []string{"require.min.js"}
		}
		for _, f := range files {
			if err := copyTree(filepath.Join(src, f), filepath.Join(out, AssetsDir, lib, f)); err != nil {
				return fmt.Errorf("bundling %s for the gallery: %w", lib, err)
			}
		}
	}
	return nil
}

func findJS(lib string) (string, error) {
	for _, r := range jsRoots {
		d := filepath.Join(r, lib)
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d, nil
		}
	}
	pkg := map[string]string{"mathjax": "libjs-mathjax", "requirejs": "libjs-requirejs"}[lib]
	return "", fmt.Errorf("the gallery needs %s to typeset its pages offline, and it is not in %s: install it (apt-get install %s)",
		lib, strings.Join(jsRoots, ", "), pkg)
}

// copyTree copies a file, or a folder with everything in it; files already
// at dst are kept.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if _, err := os.Stat(target); err == nil {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		o, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(o, in); err != nil {
			o.Close()
			return err
		}
		return o.Close()
	})
}

// notebookLink matches a relative link to another notebook of the gallery.
var notebookLink = regexp.MustCompile(`href="([A-Za-z0-9_-]+)\.ipynb(#[^"]*)?"`)

// relinkNotebooks points links to sibling notebooks (what works in Jupyter)
// at their exported pages, so the gallery's pages link to each other.
func relinkNotebooks(page []byte) []byte {
	return notebookLink.ReplaceAll(page, []byte(`href="$1.html$2"`))
}
