package notebooks

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

//go:embed execute.py
var executeScript []byte

// progressEvent is one line of execute.py's output.
type progressEvent struct {
	Event   string  `json:"event"` // start, end, done
	Cell    int     `json:"cell"`  // 1-based, counting every cell
	Index   int     `json:"index"` // 1-based among the code cells
	Total   int     `json:"total"` // code cells
	Seconds float64 `json:"seconds"`
	Status  string  `json:"status"`
}

// execute runs the notebook at src cell by cell (execute.py on Jupyter's
// own Python) into dst, printing a line per code cell on o.Log: the cell,
// the elapsed time and, from the previous run's recorded cell times in the
// same mode (the executed notebook at prevPath), the time left. dst is written even when a cell times out or the
// run is stopped, so the cells that ran keep their results.
func execute(src, dst, prevPath string, o Options, env []string, label string) error {
	py, err := jupyterPython()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "physnb-execute-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	script := filepath.Join(tmp, "execute.py")
	if err := os.WriteFile(script, executeScript, 0o644); err != nil {
		return err
	}
	mode := map[bool]string{true: "quick", false: "full"}[o.Quick]
	if o.OwnMode {
		mode = "notebook's own"
	}
	prev := cellSeconds(prevPath, mode) // the previous run's, before it is overwritten
	// -I: isolated from the environment's Python settings and the script's folder.
	cmd := exec.Command(py, "-I", script, filepath.Base(src), dst, o.Kernel, fmt.Sprint(int(o.Timeout.Seconds())), mode)
	cmd.Dir = filepath.Dir(src) // the kernel starts here: GONB_DIR is the notebooks folder
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the notebook executor (%s): %w", py, err)
	}
	status := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		var ev progressEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev.Event {
		case "start":
			if o.Log != nil {
				fmt.Fprintf(o.Log, "%s: cell %d/%d (cell %d of the notebook), %s elapsed%s\n", label, ev.Index, ev.Total, ev.Cell,
					time.Since(start).Round(time.Second), eta(prev, ev.Cell))
			}
		case "done":
			status = ev.Status
		}
	}
	waitErr := cmd.Wait()
	switch {
	case status == "timeout":
		return fmt.Errorf("a cell ran past the time limit of %s: the executed notebook keeps the cells before it", o.Timeout)
	case status != "" && status != "ok":
		return fmt.Errorf("the run ended early (%s): the executed notebook keeps the cells that ran", status)
	case waitErr != nil:
		return fmt.Errorf("the notebook executor failed (%v): %s", waitErr, LastLines(stderr.String(), 15))
	}
	return nil
}

// eta is ", about D left" from the recorded seconds of the cells from cell
// on, or "" when there is no record.
func eta(prev map[int]float64, cell int) string {
	if len(prev) == 0 {
		return ""
	}
	left := 0.0
	for c, s := range prev {
		if c >= cell {
			left += s
		}
	}
	return fmt.Sprintf(", about %s left (previous run)", (time.Duration(left) * time.Second).Round(time.Second))
}

// cellSeconds reads the cell times recorded in an executed notebook (cell
// number, 1-based → seconds), if it ran in mode, completely and without a
// failing cell.
func cellSeconds(path, mode string) map[int]float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var nb struct {
		Metadata struct {
			Physnb struct {
				Mode, Status string
				Errors       bool
			} `json:"physnb"`
		} `json:"metadata"`
		Cells []struct {
			Metadata struct {
				Physnb struct{ Seconds float64 } `json:"physnb"`
			} `json:"metadata"`
		} `json:"cells"`
	}
	if json.Unmarshal(b, &nb) != nil || nb.Metadata.Physnb.Mode != mode || nb.Metadata.Physnb.Status != "ok" || nb.Metadata.Physnb.Errors {
		return nil
	}
	out := map[int]float64{}
	for i, c := range nb.Cells {
		if s := c.Metadata.Physnb.Seconds; s > 0 {
			out[i+1] = s
		}
	}
	return out
}

// jupyterPython is the Python that runs Jupyter (the interpreter named on
// the first line of the jupyter command), where nbclient is installed:
// Debian's, which need not be the python3 first on PATH.
func jupyterPython() (string, error) {
	j, err := exec.LookPath("jupyter")
	if err != nil {
		return "", fmt.Errorf("jupyter is not on PATH: run ./install.sh (it installs Debian's jupyter-nbconvert)")
	}
	f, err := os.Open(j)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	if py := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(py) > 0 && !strings.HasSuffix(py[0], "/env") {
		return py[0], nil
	}
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if q, err := exec.LookPath(p); err == nil {
			return q, nil
		}
	}
	return "", fmt.Errorf("cannot find the Python that runs %s", j)
}
