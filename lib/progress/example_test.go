package progress_test

import (
	"fmt"
	"io"

	"github.com/physnb/physnb/lib/progress"
)

// A hand-written loop: a bar records each step's loss (and would stop the
// loop on a NaN); its history is there afterwards.
func ExampleBar() {
	p := progress.New("training", 100).WithWriter(io.Discard, false)
	for i := 0; i < 100; i++ {
		if err := p.Step(1 / float64(i+1)); err != nil {
			fmt.Println(err)
			return
		}
	}
	p.Done()
	steps, losses := p.History()
	fmt.Println(len(steps), losses[99])
	// Output: 100 0.01
}

// A bar is a trainer's hook: any physnb trainer with an OnStep field takes
// it, alone or chained with a hook of one's own.
func ExampleOnStepFn() {
	bar := progress.New("training", 0).WithWriter(io.Discard, false)
	epochs := 0
	hook := progress.Chain(bar.OnStep, func(s progress.Step) error {
		if s.EpochEnd {
			epochs++
		}
		return nil
	})
	for i := 1; i <= 6; i++ { // what a trainer does: 3 epochs of 2 steps
		if err := hook(progress.Step{Step: i, Total: 6, Epoch: (i + 1) / 2, EpochEnd: i%2 == 0, Loss: 1 / float64(i)}); err != nil {
			fmt.Println(err)
		}
	}
	_, losses := bar.History()
	fmt.Println(epochs, len(losses))
	// Output: 3 6
}
