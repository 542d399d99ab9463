package nb_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/physnb/physnb/lib/nb"
)

// A parameter cell: quick-mode values on the left, full mode on the right.
func ExamplePick() {
	os.Setenv(nb.EnvQuick, "1")
	defer os.Unsetenv(nb.EnvQuick)
	epochs := nb.Pick(20, 300)
	fmt.Println(nb.Mode(), epochs)
	// Output: quick 20
}

// A result computed in one cell and used in the next: the second call, with
// the same parameters in the same kernel, reads the stored result.
func ExampleCached() {
	dir, _ := os.MkdirTemp("", "kernel")
	defer os.RemoveAll(dir)
	os.Setenv("GONB_TMP_DIR", dir) // GoNB sets it, one folder per kernel
	defer os.Unsetenv("GONB_TMP_DIR")
	type params struct{ Epochs int }
	train := func() ([]float64, error) {
		fmt.Println("training ...")
		return []float64{0.9, 0.5, 0.3}, nil
	}
	losses := nb.MustCached("training", params{Epochs: 3}, train) // cell 1
	again := nb.MustCached("training", params{Epochs: 3}, train)  // cell 2: no training
	fmt.Println(losses, again)
	// Output:
	// training ...
	// [0.9 0.5 0.3] [0.9 0.5 0.3]
}

// A statement about a result that fails the notebook (and its test) when
// it does not hold.
func ExampleCheck() {
	defer func() { fmt.Println(recover()) }()
	acc := 0.93
	nb.Check(acc > 0.97, "test accuracy %.3f, expected > 0.97", acc)
	// Output: result check failed: test accuracy 0.930, expected > 0.97
}

// A training cell fails; a later cell that needs its result does not train
// again only to fail the same way: it names the cell to fix and run again.
func ExampleEarlierFailure() {
	dir, _ := os.MkdirTemp("", "kernel")
	defer os.RemoveAll(dir)
	os.Setenv("GONB_TMP_DIR", dir)
	defer os.Unsetenv("GONB_TMP_DIR")
	train := func() (float64, error) {
		fmt.Println("training ...")
		return 0, errors.New("wine.csv: no such file")
	}
	_, err := nb.Cached("wine", 1, train) // the training cell
	fmt.Println(err)
	_, err = nb.Cached("wine", 1, train) // a later cell
	var ef *nb.EarlierFailure
	if errors.As(err, &ef) {
		fmt.Printf("%q failed in the cell with `%s`: %s\n", ef.Key, ef.Site, ef.Err)
	}
	// Output:
	// training ...
	// wine.csv: no such file
	// "wine" failed in the cell with `_, err := nb.Cached("wine", 1, train) // the training cell`: wine.csv: no such file
}
