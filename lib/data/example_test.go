package data_test

import (
	"fmt"

	"github.com/physnb/physnb/lib/data"
)

// The wine table: eleven physicochemical inputs, the quality grade, and the
// kind of wine as a category.
func ExampleReadCSV() {
	wine, err := data.ReadCSV(data.MustPath(data.WineQuality))
	if err != nil {
		panic(err)
	}
	x, err := wine.Floats(wine.Without("type", "quality")...)
	if err != nil {
		panic(err)
	}
	kind, levels, _ := wine.Categories("type")
	fmt.Println(len(x), len(x[0]), levels, kind[0])
}

// A batch of CIFAR-10 images as a channels-last float32 tensor in 0..1.
func ExampleCIFAR10Sample() {
	cifar := data.Must(data.CIFAR10Sample())
	t := cifar.Tensor(data.NHWC, true)
	fmt.Println(t.Shape(), cifar.Class(0))
}

// Fashion-MNIST from the data folders, Debian's package or a download.
func ExampleFashionMNIST() {
	train, test := data.MustFashionMNIST("")
	fmt.Println(train.N, test.N, train.Class(0))
}
