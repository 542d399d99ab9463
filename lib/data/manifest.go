package data

// Names of the files the notebooks use most, so that a typo is a compile error.
const (
	WineQuality        = "wine/wine-quality-white-and-red.csv"
	Digits             = "digits/digits.csv.gz"
	CIFAR10SampleBatch = "cifar10-sample/data_batch_1_first200.bin"
	CIFAR10SampleMeta  = "cifar10-sample/batches.meta.txt"
	CIFAR10Archive     = "cifar10/cifar-10-binary.tar.gz"
	MNIST8Model        = "weights/mnist-8/mnist-8.onnx"
	MobileNetV1        = "weights/mobilenet-tflite/mobilenet_v1_0.25_128_quant.tflite"
	MobileNetV2        = "weights/mobilenet-tflite/mobilenet_v2_1.0_224_quant.tflite"
	ImageNetLabels     = "weights/mobilenet-tflite/imagenet_labels.txt"
	QCDCondensate      = "holography/qcd-chiral-condensate.csv"
)

// Entry describes one file of the data set: where it lives under the data
// directory, where it comes from, and how to recognise a correct copy.
//
// Size and SHA256 are those of the file as stored under Name. For most files
// that is exactly what URL serves; where the file is built from what URL
// serves (a member of an archive, two files joined into one, line endings
// converted), Derive says how, in words a person can follow by hand.
type Entry struct {
	Name     string // path relative to the data directory, with forward slashes
	URL      string // the original public source
	Size     int64  // bytes
	SHA256   string // lower-case hex
	License  string
	Citation string
	Derive   string // how the file is built from URL; empty when URL serves it byte for byte

	// OnDemand marks large files fetched on first use; the others are
	// expected to be present for offline work (tests, CI), and `physnb data
	// verify` fails when they are missing.
	OnDemand bool

	// Also lists copies that may exist outside the data directory (a Debian
	// package, for instance). They are verified against their own size and
	// checksum, because a repackaged copy is often recompressed.
	Also []Copy

	// build writes the file from its sources; nil means "download URL".
	build builder
}

// Copy is a verified alternative location of a manifest file.
type Copy struct {
	Path   string
	Size   int64
	SHA256 string
	Note   string
}

const (
	uciWine      = "https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/"
	cifarURL     = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
	sklearnData  = "https://raw.githubusercontent.com/scikit-learn/scikit-learn/1.4.2/sklearn/datasets/"
	onnxMNIST    = "https://github.com/onnx/models/raw/main/validated/vision/classification/mnist/model/"
	coral        = "https://github.com/google-coral/test_data/raw/master/"
	fashionURL   = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
	fashionDeb   = "/usr/share/datasets/fashion-mnist/"
	mnistURL     = "https://ossci-datasets.s3.amazonaws.com/mnist/"
	holoURL      = "https://raw.githubusercontent.com/AkinoriTanaka-phys/DL_holographicQCD/master/q-pp-highT-phys.csv"
	wineLicense  = "CC BY 4.0"
	wineCitation = "P. Cortez, A. Cerdeira, F. Almeida, T. Matos, J. Reis, Modeling wine preferences by data mining from physicochemical properties, Decision Support Systems 47(4):547-553 (2009)"
	cifarCite    = "A. Krizhevsky, Learning Multiple Layers of Features from Tiny Images, tech. report, University of Toronto (2009)"
	cifarLicense = "CIFAR-10 terms"
	fashionCite  = "H. Xiao, K. Rasul, R. Vollgraf, Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms, arXiv:1708.07747 (2017)"
	mnistCite    = "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, Gradient-based learning applied to document recognition, Proc. IEEE 86(11):2278-2324 (1998)"
	onnxCite     = "ONNX model zoo, MNIST CNN mnist-8, https://github.com/onnx/models"
	coralCite    = "A. G. Howard et al., MobileNets, arXiv:1704.04861 (2017); M. Sandler et al., MobileNetV2, arXiv:1801.04381 (2018); TFLite models from google-coral/test_data"
	digitsCite   = "E. Alpaydin, C. Kaynak, Optical Recognition of Handwritten Digits, UCI ML repository (1998), doi:10.24432/C50P49; packaged by scikit-learn"
	holoCite     = "K. Hashimoto, S. Sugishita, A. Tanaka, A. Tomiya, Deep learning and holographic QCD, Phys. Rev. D 98, 106014 (2018), arXiv:1809.10536"
)

// Manifest lists every file physnb knows how to find, verify and fetch.
// Sizes and checksums were measured on the copies in the project's shared
// data folder (files listed in its SHA256SUMS) or, for files too large to
// keep there, taken from the publishers' checksums.
var Manifest = []Entry{
	{
		Name: WineQuality, URL: uciWine, Size: 384016,
		SHA256:  "e2e6a9827a7b3f14b85fb76bd9ba10f7f9352eb62e632f46d17d13536ba5e5b5",
		License: wineLicense, Citation: wineCitation,
		Derive: "join " + uciWine + "winequality-white.csv (4898 rows) then winequality-red.csv (1599 rows): " +
			"';' becomes ',', quotes are dropped from the header, and a first column `type` (white/red) is added; LF line endings",
		build: buildWine,
	},
	{
		Name: "wine/winequality.names", URL: uciWine + "winequality.names", Size: 3305,
		SHA256:  "15d215e73b39105952380fd487e4ce1bf5a6b83a425abb285c2ec55193d3ca92",
		License: wineLicense, Citation: wineCitation,
	},
	{
		Name: CIFAR10Archive, URL: cifarURL, Size: 170052171,
		// SHA-256 as published by several independent loaders (torchvision's
		// Ruby port, MLDatasets.jl); MD5 c32a1d4ab5d03f1284b67883e8d87530 is the one on the CIFAR page.
		SHA256:  "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
		License: cifarLicense, Citation: cifarCite, OnDemand: true,
	},
	{
		Name: CIFAR10SampleBatch, URL: cifarURL, Size: 200 * CIFAR10RecordSize,
		SHA256:  "7c9859cebcbdb4fa86c8bc1aca912d9d6549379aab3719046c304b53c884ecb0",
		License: cifarLicense, Citation: cifarCite,
		Derive: "the first 200 records (614600 bytes) of cifar-10-batches-bin/data_batch_1.bin in the archive",
		build:  buildCIFARSample,
	},
	{
		Name: CIFAR10SampleMeta, URL: cifarURL, Size: 60,
		SHA256:  "2ce042b1e0b48db4bb214408e6414ba18b2731c24af244f2d6c112fddf31af00",
		License: cifarLicense, Citation: cifarCite,
		Derive: "cifar-10-batches-bin/batches.meta.txt from the archive: the 10 class names, one per line, blank lines dropped",
		build:  buildCIFARMeta,
	},
	{
		Name: Digits, URL: sklearnData + "data/digits.csv.gz", Size: 57512,
		SHA256:  "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a",
		License: "BSD-3 + CC BY 4.0", Citation: digitsCite,
	},
	{
		Name: "digits/digits.rst", URL: sklearnData + "descr/digits.rst", Size: 2028,
		SHA256:  "0169c12ec98069ddd16fcff040019018d8dc1549f06c9cad1cc1350df61d3b82",
		License: "BSD-3-Clause", Citation: digitsCite,
	},
	{
		Name: QCDCondensate, URL: holoURL, Size: 136,
		SHA256:  "43b3ca2259a08795922178f50b23ae1ba6726e5f1fe98c4057e197844f32ad15",
		License: "MIT", Citation: holoCite,
		Derive: "the file's CR line endings converted to LF",
		build:  buildCRToLF,
	},
	{
		Name: "weights/mnist-8/LICENSE", URL: "https://raw.githubusercontent.com/onnx/models/main/LICENSE", Size: 1080,
		SHA256:  "53460ef1a62a79c6070ff72c5462bdb50c7e253fc3f49d428265cc64eb9f2bfb",
		License: "MIT", Citation: onnxCite,
	},
	{
		Name: MNIST8Model, URL: onnxMNIST + "mnist-8.onnx", Size: 26454,
		SHA256:  "0d715376572e89832685c56a65ef1391f5f0b7dd31d61050c91ff3ecab16c032",
		License: "MIT", Citation: onnxCite,
	},
	mnist8TestData(0, "input_0.pb", 3149, "e934e1029a1d31f3471236dd366bd7a7e55c76e6b245a221d55ed9eec600b89e"),
	mnist8TestData(0, "output_0.pb", 48, "cb94055e8e7938cc2bbc245ba43b7529384cd45cb6846d0fe51f557e18372aac"),
	mnist8TestData(1, "input_0.pb", 3149, "2b1cf541630741657ec25ce91db1a94fafd7ef535b0855f868435bbbb7adff32"),
	mnist8TestData(1, "output_0.pb", 48, "2fe1d2cfada6c975fb441ea97fb1b38a2568b653d122b0ace0d44e2821ede160"),
	mnist8TestData(2, "input_0.pb", 3149, "e3aba83f9f764207403d222042f8cfe71aa7f1acbda7fe19db413448fff69765"),
	mnist8TestData(2, "output_0.pb", 48, "1970ba79f63e118da0fa4131907ecf0e7f85d30b8445fe40ee2cddd7ac21d604"),
	{
		Name: "weights/mobilenet-tflite/LICENSE", URL: coral + "LICENSE", Size: 11361,
		SHA256:  "f9946796a8a5bd5981565142fa42e3b0cc36aef6f80e86beaf5905b3c0fef1b5",
		License: "Apache-2.0", Citation: coralCite,
	},
	{
		Name: ImageNetLabels, URL: coral + "imagenet_labels.txt", Size: 21686,
		SHA256:  "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",
		License: "Apache-2.0", Citation: coralCite,
	},
	{
		Name: MobileNetV1, URL: coral + "mobilenet_v1_0.25_128_quant.tflite", Size: 525598,
		SHA256:  "cb273c23ee76374b05b9583177e28aa19744858a7679c56a250e83d0333da785",
		License: "Apache-2.0", Citation: coralCite,
	},
	{
		Name: MobileNetV2, URL: coral + "mobilenet_v2_1.0_224_quant.tflite", Size: 3610798,
		SHA256:  "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776",
		License: "Apache-2.0", Citation: coralCite,
	},
	// Fashion-MNIST: upstream sizes and SHA-256 as published by Zalando's
	// mirrors (MD5 in the project README); Debian recompresses the .gz files,
	// so its copies carry their own checksums (measured with sha256sum on
	// dataset-fashion-mnist 0.0~git20200523).
	fashion("train-images-idx3-ubyte.gz", 26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
		26421856, "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
	fashion("train-labels-idx1-ubyte.gz", 29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
		29491, "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
	fashion("t10k-images-idx3-ubyte.gz", 4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
		4422079, "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
	fashion("t10k-labels-idx1-ubyte.gz", 5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
		5125, "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
	// MNIST: the official files (yann.lecun.com), served today from PyTorch's mirror.
	mnist("train-images-idx3-ubyte.gz", 9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
	mnist("train-labels-idx1-ubyte.gz", 28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
	mnist("t10k-images-idx3-ubyte.gz", 1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
	mnist("t10k-labels-idx1-ubyte.gz", 4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}

func mnist8TestData(set int, file string, size int64, sum string) Entry {
	member := "test_data_set_" + string(rune('0'+set)) + "/" + file
	return Entry{
		Name: "weights/mnist-8/" + member, URL: onnxMNIST + "mnist-8.tar.gz", Size: size, SHA256: sum,
		License: "MIT", Citation: onnxCite,
		Derive: "the member mnist/" + member + " of the model zoo's mnist-8.tar.gz",
		build:  buildTarMember(member),
	}
}

func fashion(file string, size int64, sum string, debSize int64, debSum string) Entry {
	return Entry{
		Name: "fashion-mnist/" + file, URL: fashionURL + file, Size: size, SHA256: sum,
		License: "MIT", Citation: fashionCite, OnDemand: true,
		Also: []Copy{{Path: fashionDeb + file, Size: debSize, SHA256: debSum,
			Note: "Debian package dataset-fashion-mnist (same images, recompressed)"}},
	}
}

func mnist(file string, size int64, sum string) Entry {
	return Entry{
		Name: "mnist/" + file, URL: mnistURL + file, Size: size, SHA256: sum,
		License: "CC BY-SA 3.0", Citation: mnistCite,
		OnDemand: true,
	}
}

// Lookup returns the manifest entry with the given name.
func Lookup(name string) (Entry, error) {
	for _, e := range Manifest {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, &UnknownError{Name: name}
}

// UnknownError reports a name that is not in the manifest.
type UnknownError struct{ Name string }

func (e *UnknownError) Error() string {
	return "data: " + e.Name + " is not in the manifest (see `physnb data list` for the known files)"
}
