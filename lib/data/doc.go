// Package data finds, verifies, fetches and reads the data sets and
// pretrained weights the physnb notebooks use.
//
// Every file is described once, in Manifest: its name under the data
// directory, its public source, size, SHA-256, license and citation.
// Path(name) returns the local path of a copy whose size and SHA-256 match,
// looking in the folders of $PHYSNB_DATA (a list like $PATH; by default the
// user cache folder, ~/.cache/physnb on Linux) and in known system copies
// (Debian's Fashion-MNIST package). When there is none it downloads the
// file into the first folder, through a temporary file that is renamed
// only once its checksum is right. Offline, the error says which file,
// from which URL, and the exact path where a copy placed by hand will be
// found.
//
// The loaders read the formats as published and never panic on bad input:
// a truncated, corrupted or misdescribed file gives an error that names
// the file and the line or record. Each reader has a fuzz target
// (fuzz_test.go: FuzzReadCSV, FuzzReadIDX, FuzzReadIDXImages,
// FuzzReadCIFAR10, FuzzReadCIFAR10Archive, FuzzReadClassNames) whose seeds
// run in every `go test`; to fuzz one longer, one at a time:
//
//	GOEXPERIMENT=simd go test -run='^$' -fuzz='^FuzzReadCSV$' -fuzztime=5m -parallel=1 ./lib/data/
//
//	wine, err := data.ReadCSV(data.MustPath(data.WineQuality))
//	x, err := wine.Floats(wine.Without("type", "quality")...) // 6497 x 11
//	kind, levels, err := wine.Categories("type")              // levels = [white red]
//
//	cifar, err := data.CIFAR10Sample()                       // 200 images, 3x32x32
//	t := cifar.Tensor(data.NHWC, true)                       // float32 [200,32,32,3] in 0..1
//
//	train, test, err := data.FashionMNIST("")                 // 60000 and 10000 28x28 images
//
// The command `physnb data list|verify|fetch` exposes the same operations.
package data
