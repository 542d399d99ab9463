package checkpoints

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/ml/model"
)

// seedFiles are the files of a real checkpoint written by Save.
func seedFiles(f *testing.F) (manifest, meta, data []byte) {
	dir := f.TempDir()
	ck, err := Save(dir, newStore(f, 2), 7, map[string][]byte{"run.json": []byte(`{"step":7}`)}, 1)
	if err != nil {
		f.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(ck.Folder, name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	return read(ManifestFile), read(WeightsMeta), read(WeightsData)
}

// The weights reader never panics and never allocates more than the data
// backs (after decompression), whatever the metadata and data bytes.
func FuzzParseWeights(f *testing.F) {
	_, meta, data := seedFiles(f)
	f.Add(meta, data)
	f.Add(meta, data[:len(data)/2])
	f.Add([]byte(`{"Variables":[{"ParameterName":"var:/a","Dimensions":[1000000000,1000000000],"DType":"Float32","Pos":0,"Length":0}]}`), []byte{})
	f.Add([]byte(`{"Variables":[{"ParameterName":"var:/a","Dimensions":[-1],"DType":"Float32","Pos":0,"Length":-4}]}`), []byte{})
	f.Add([]byte(`{"Params":[{"Scope":"/","Key":"k","Value":[1,2],"ValueType":"[]int"}],"Variables":[{"ParameterName":"var:/a","Dimensions":[],"DType":"Int64","Pos":0,"Length":8}]}`), make([]byte, 8))
	f.Add([]byte(`{}`), []byte(gomlxBinHeader+"\x04gzip"))
	f.Fuzz(func(t *testing.T, meta, data []byte) {
		w, err := parseWeights(meta, data)
		if err != nil {
			return
		}
		total := 0
		for _, v := range w.Vars {
			total += int(v.Value.Shape().Memory())
		}
		// Deflate expands at most about 1032:1; plain data backs every byte.
		if total > 1032*len(data)+1024 {
			t.Errorf("%d bytes of variables from %d bytes of data", total, len(data))
		}
	})
}

// Opening a checkpoint folder with any manifest, metadata and data files,
// and restoring what opens, never panics; a folder Open accepts restores.
func FuzzOpenRestore(f *testing.F) {
	manifest, meta, data := seedFiles(f)
	f.Add(manifest, meta, data, false)
	f.Add(manifest, meta, data[:len(data)-1], false)
	f.Add([]byte{}, meta, data, false)
	f.Add(manifest, meta, data, true) // the same files as a GoMLX-only folder
	f.Fuzz(func(t *testing.T, manifest, meta, data []byte, legacy bool) {
		dir := t.TempDir()
		if legacy {
			os.WriteFile(filepath.Join(dir, "checkpoint-n0000001-20260101-000000-step-00000007.json"), meta, 0o644)
			os.WriteFile(filepath.Join(dir, "checkpoint-n0000001-20260101-000000-step-00000007.bin"), data, 0o644)
		} else {
			folder := filepath.Join(dir, "ckpt-000001-step-000000007")
			os.Mkdir(folder, 0o755)
			os.WriteFile(filepath.Join(folder, ManifestFile), manifest, 0o644)
			os.WriteFile(filepath.Join(folder, WeightsMeta), meta, 0o644)
			os.WriteFile(filepath.Join(folder, WeightsData), data, 0o644)
			os.WriteFile(filepath.Join(folder, "run.json"), []byte(`{"step":7}`), 0o644)
		}
		ck, err := Open(dir, nil)
		if err != nil {
			return
		}
		for _, name := range ck.Files() {
			ck.ReadFile(name)
		}
		ck.Restore(model.NewStore())
		ck.Restore(newStore(t, 0))
	})
}
