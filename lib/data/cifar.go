package data

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CIFAR10RecordSize is the size of one record of the CIFAR-10 binary
// batches: a label byte, then 1024 red, 1024 green and 1024 blue bytes of
// a 32x32 image (Krizhevsky 2009, "binary version").
const CIFAR10RecordSize = 1 + 3*32*32

// CIFAR10Classes are the class names of batches.meta.txt, in label order.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer",
	"dog", "frog", "horse", "ship", "truck"}

// ReadCIFAR10 reads one CIFAR-10 binary batch (data_batch_N.bin,
// test_batch.bin or a prefix of one). Class names come from a
// batches.meta.txt in the same folder when there is one, else from
// CIFAR10Classes. The file must hold a whole number of records with labels
// 0..9.
func ReadCIFAR10(path string) (*Images, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading CIFAR-10: %w", err)
	}
	defer f.Close()
	classes := CIFAR10Classes
	meta := filepath.Join(filepath.Dir(path), "batches.meta.txt")
	if _, err := os.Stat(meta); err == nil {
		if classes, err = ReadClassNames(meta); err != nil {
			return nil, err
		}
		if len(classes) != 10 {
			return nil, fmt.Errorf("%s: %d class names, want 10", meta, len(classes))
		}
	}
	return readCIFAR(f, path, classes)
}

// MustReadCIFAR10 is ReadCIFAR10 for notebook cells.
func MustReadCIFAR10(path string) *Images {
	im, err := ReadCIFAR10(path)
	if err != nil {
		panic(err)
	}
	return im
}

// maxCIFARRecords bounds a batch: the official ones hold 10000.
const maxCIFARRecords = 60000

func readCIFAR(r io.Reader, source string, classes []string) (*Images, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, maxCIFARRecords*CIFAR10RecordSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading CIFAR-10 %s: %w", source, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("reading CIFAR-10 %s: the file is empty", source)
	}
	if n > maxCIFARRecords*CIFAR10RecordSize {
		return nil, fmt.Errorf("reading CIFAR-10 %s: more than %d records; not a CIFAR-10 batch", source, maxCIFARRecords)
	}
	if n%CIFAR10RecordSize != 0 {
		return nil, fmt.Errorf("reading CIFAR-10 %s: %d bytes is not a whole number of %d-byte records (%d records and %d bytes left over: truncated?)",
			source, n, CIFAR10RecordSize, n/CIFAR10RecordSize, n%CIFAR10RecordSize)
	}
	data := buf.Bytes()
	count := int(n / CIFAR10RecordSize)
	im := &Images{N: count, Channels: 3, Height: 32, Width: 32, Classes: classes,
		Pixels: make([]uint8, count*(CIFAR10RecordSize-1)), Labels: make([]uint8, count)}
	for i := 0; i < count; i++ {
		rec := data[i*CIFAR10RecordSize : (i+1)*CIFAR10RecordSize]
		if rec[0] > 9 {
			return nil, fmt.Errorf("reading CIFAR-10 %s: record %d (byte offset %d) has label %d, want 0..9: not a CIFAR-10 batch or misaligned",
				source, i, i*CIFAR10RecordSize, rec[0])
		}
		im.Labels[i] = rec[0]
		copy(im.Image(i), rec[1:])
	}
	return im, nil
}

// ReadClassNames reads a list of names, one per line (batches.meta.txt,
// imagenet_labels.txt); surrounding spaces and blank lines are dropped.
func ReadClassNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading class names: %w", err)
	}
	defer f.Close()
	names, err := readNames(f)
	if err != nil {
		return nil, fmt.Errorf("reading class names %s: %w", path, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("reading class names %s: no names in the file", path)
	}
	return names, nil
}

func readNames(r io.Reader) ([]string, error) {
	var names []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			names = append(names, s)
		}
	}
	return names, sc.Err()
}

// CIFAR10Sample loads the 200-image sample of data_batch_1 through Path.
func CIFAR10Sample() (*Images, error) {
	meta, err := Path(CIFAR10SampleMeta)
	if err != nil {
		return nil, err
	}
	p, err := Path(CIFAR10SampleBatch)
	if err != nil {
		return nil, err
	}
	im, err := ReadCIFAR10(p)
	if err != nil {
		return nil, err
	}
	if im.Classes, err = ReadClassNames(meta); err != nil {
		return nil, err
	}
	if len(im.Classes) != 10 {
		return nil, fmt.Errorf("%s: %d class names, want 10", meta, len(im.Classes))
	}
	return im, nil
}

// CIFAR10 loads the full CIFAR-10 training set (split "train", the 50000
// images of data_batch_1..5 in order) or test set ("test", 10000 images)
// straight from the official archive, fetched through Path.
func CIFAR10(split string) (*Images, error) {
	var members []string
	switch split {
	case "train":
		for i := 1; i <= 5; i++ {
			members = append(members, fmt.Sprintf("data_batch_%d.bin", i))
		}
	case "test":
		members = []string{"test_batch.bin"}
	default:
		return nil, fmt.Errorf("CIFAR-10: split %q, want \"train\" or \"test\"", split)
	}
	archive, err := Path(CIFAR10Archive)
	if err != nil {
		return nil, err
	}
	return ReadCIFAR10Archive(archive, members...)
}

// ReadCIFAR10Archive reads the named batches (e.g. "data_batch_1.bin")
// from cifar-10-binary.tar.gz in the order given, with class names from
// the archive's batches.meta.txt.
func ReadCIFAR10Archive(archive string, members ...string) (*Images, error) {
	f, err := os.Open(archive)
	if err != nil {
		return nil, fmt.Errorf("reading CIFAR-10 archive: %w", err)
	}
	defer f.Close()
	return readCIFARArchive(f, archive, members)
}

// readCIFARArchive reads the named batches from the .tar.gz stream r;
// archive only names it in messages.
func readCIFARArchive(r io.Reader, archive string, members []string) (*Images, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("reading CIFAR-10 archive %s: %w", archive, err)
	}
	defer gz.Close()
	found := map[string]*Images{}
	classes := CIFAR10Classes
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading CIFAR-10 archive %s: %w", archive, err)
		}
		base := filepath.Base(h.Name)
		if base == "batches.meta.txt" {
			if classes, err = readNames(tr); err != nil || len(classes) != 10 {
				return nil, fmt.Errorf("reading CIFAR-10 archive %s: %s: want 10 class names, got %d (%v)", archive, h.Name, len(classes), err)
			}
			continue
		}
		for _, m := range members {
			if base == m {
				im, err := readCIFAR(tr, archive+":"+h.Name, nil)
				if err != nil {
					return nil, err
				}
				found[m] = im
			}
		}
	}
	out := &Images{Channels: 3, Height: 32, Width: 32, Classes: classes}
	for _, m := range members {
		im, ok := found[m]
		if !ok {
			return nil, fmt.Errorf("reading CIFAR-10 archive %s: no member %s", archive, m)
		}
		out.N += im.N
		out.Pixels = append(out.Pixels, im.Pixels...)
		out.Labels = append(out.Labels, im.Labels...)
	}
	return out, nil
}
