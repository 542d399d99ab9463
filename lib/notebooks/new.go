package notebooks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// SetupCell is the first cell of every physnb notebook: it lets GoNB's
// scratch module import this checkout's library (a notebook in notebooks/).
const SetupCell = "!*go mod edit -replace github.com/physnb/physnb=${GONB_DIR}/.. -require github.com/physnb/physnb@v0.0.0"

var notebookName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// New writes a new notebook NAME.ipynb in dir for a student's own work: the
// setup cell, a short explanation of how Go cells behave in GoNB, a
// parameter cell with the mode switch, and a first cell that runs. It
// refuses to overwrite a notebook that exists.
func New(dir, name string) (string, error) {
	name = strings.TrimSuffix(name, ".ipynb")
	if !notebookName.MatchString(name) {
		return "", fmt.Errorf("notebook name %q: use letters, digits, '-' and '_' (for example my-fit)", name)
	}
	path := filepath.Join(dir, name+".ipynb")
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%s exists already: choose another name (nothing was changed)", path)
	}
	setup, err := setupCellFor(dir)
	if err != nil {
		return "", err
	}
	md := func(src string) map[string]any {
		return map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": src}
	}
	code := func(src string) map[string]any {
		return map[string]any{"cell_type": "code", "metadata": map[string]any{}, "execution_count": nil,
			"outputs": []any{}, "source": src}
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"name": "physnb-cpu", "display_name": "Go (physnb, CPU)", "language": "go"},
			"language_info": map[string]any{"name": "go", "file_extension": ".go", "mimetype": "text/x-go"},
		},
		"cells": []any{
			code(setup),
			md("# " + strings.ReplaceAll(name, "-", " ") + "\n\n" +
				"A notebook of your own on physnb's Go library. The first cell (leave it as it is) lets the cells " +
				"import `github.com/physnb/physnb/lib/...` from this checkout.\n\n" +
				"**How Go cells work in GoNB.** Each cell is compiled and run as a small Go program:\n\n" +
				"- *Declarations carry over*: `import`s, `func`s, `type`s, `const`s and `var`s of a cell are part " +
				"of every later cell's program. A `var` is computed again in each cell.\n" +
				"- *Values do not*: what a cell computes is gone when it ends. Keep a result for later cells with " +
				"`nb.MustCached(key, params, fn)` (computed once per kernel and set of parameters) and files in " +
				"`nb.Dir(name)`.\n" +
				"- A cell that runs statements starts with `%%` (GoNB then wraps the rest in `main`).\n" +
				"- `%env NAME=value` sets an environment variable for this cell and the ones after it.\n\n" +
				"The parameter cell below chooses the mode: `quick` (small sizes, minutes) or `full`. Change it and " +
				"run the cells again; there is no need to restart the kernel."),
			code("%env PHYSNB_MODE=quick\n" +
				"import (\n\t\"fmt\"\n\n\t\"github.com/physnb/physnb/lib/backend\"\n\t\"github.com/physnb/physnb/lib/nb\"\n)\n\n" +
				"// Parameters: quick mode on the left, full mode on the right.\n" +
				"var (\n\tsteps = nb.Pick(200, 2000)\n\tseed  = nb.Seed()\n)\n\n" +
				"%%\nfmt.Println(\"backend:\", backend.Describe(backend.Must()), \"| mode:\", nb.Mode(), \"| steps:\", steps)"),
			md("## A first computation\n\nReplace this with your own: the walkthrough notebooks next to this one show " +
				"the library at work (`00-getting-started` first)."),
			code("%%\nfmt.Printf(\"seed %d, %d steps\\n\", seed, steps)"),
		},
	}
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// setupCellFor is the setup cell for a notebook in dir: the shared one in
// the checkout's notebooks folder, else one that names this checkout by its
// absolute path.
func setupCellFor(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if isRoot(filepath.Dir(abs)) {
		return SetupCell, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("a notebook outside the checkout's notebooks folder must name the checkout: %w", err)
	}
	return strings.Replace(SetupCell, "${GONB_DIR}/..", root, 1), nil
}
