package nb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Every GoNB cell runs as a new program: declarations carry over to later
// cells, values do not. A result that later cells need (a trained model's
// history, a data set, an error table) is saved with Save at the end of the
// cell that computed it and read back with Load:
//
//	nb.Save("training", result)       // in the training cell
//	var result TrainingResult
//	nb.MustLoad("training", &result)  // in the plotting cell
//
// Values are stored as JSON in a folder that lives as long as the kernel
// ($GONB_TMP_DIR/physnb-state), so restarting the kernel starts afresh.

var stateName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// StateDir is the folder of saved cell results.
func StateDir() string {
	if d := os.Getenv("GONB_TMP_DIR"); d != "" {
		return filepath.Join(d, "physnb-state")
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("physnb-state-%d", os.Getppid()))
}

func statePath(name string) (string, error) {
	if !stateName.MatchString(name) {
		return "", fmt.Errorf("nb: state name %q must use only letters, digits, '.', '_' and '-'", name)
	}
	return filepath.Join(StateDir(), name+".json"), nil
}

// Save stores v (anything encoding/json can write) under name for later cells.
func Save(name string, v any) error {
	p, err := statePath(name)
	if err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("nb: saving %q: %w", name, err)
	}
	return writeAtomic(p, b)
}

// Load reads what Save stored under name into ptr. If nothing was saved it
// says which cell to run first.
func Load(name string, ptr any) error {
	p, err := statePath(name)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return fmt.Errorf("nb: no saved result %q in this kernel session: run the cell that computes it first", name)
	} else if err != nil {
		return err
	}
	if err := json.Unmarshal(b, ptr); err != nil {
		return fmt.Errorf("nb: reading saved result %q: %w", name, err)
	}
	return nil
}

// MustSave is Save for notebook cells: it stops the cell on error (see [Must]).
func MustSave(name string, v any) {
	if err := Save(name, v); err != nil {
		stop(err)
	}
}

// MustLoad is Load for notebook cells: it stops the cell on error (see [Must]).
func MustLoad(name string, ptr any) {
	if err := Load(name, ptr); err != nil {
		stop(err)
	}
}
