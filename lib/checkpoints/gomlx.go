package checkpoints

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// The GoMLX checkpoint format (package ml/model/checkpoint, which writes the
// files): a JSON file listing the variables (name, dtype, dimensions, byte
// offset and length in the data file) and the store's hyperparameters, and a
// data file holding the variables' raw bytes one after the other, either
// plain or, after the header "gomlx_checkpointss" + len + "gzip", gzipped.
// This reader checks every field against the data before allocating
// anything, so that a damaged or hostile file gives an error, never a panic
// or an allocation the data does not back.

const (
	gomlxBinHeader = "gomlx_checkpointss"
	// maxDataBytes bounds the variables' total size (16 GiB): larger
	// declarations are refused before any allocation.
	maxDataBytes = 16 << 30
	// maxMetaBytes bounds the JSON metadata file.
	maxMetaBytes = 64 << 20
)

type gomlxVar struct {
	ParameterName string
	Dimensions    []int
	DType         dtypes.DType
	Pos, Length   int
}

type gomlxParam struct {
	Scope, Key string
	Value      any
	ValueType  string
}

type gomlxMeta struct {
	Params    []gomlxParam
	Variables []gomlxVar
	BinFormat string
}

// Variable is one variable read from a checkpoint.
type Variable struct {
	Path  string // full path in the store, e.g. "/model/fc1/weights"
	Value *tensors.Tensor
}

// weights are the variables and hyperparameters of one checkpoint.
type weights struct {
	Vars   []Variable
	Params map[string]any // full path -> value
}

// plainDTypes are the dtypes the reader accepts (packed sub-byte types are
// not written by physnb and are refused).
var plainDTypes = []dtypes.DType{dtypes.Bool, dtypes.Int8, dtypes.Int16, dtypes.Int32, dtypes.Int64,
	dtypes.Uint8, dtypes.Uint16, dtypes.Uint32, dtypes.Uint64, dtypes.Float16, dtypes.BFloat16,
	dtypes.Float32, dtypes.Float64, dtypes.Complex64, dtypes.Complex128}

// parseWeights decodes a GoMLX checkpoint from its metadata and data bytes.
func parseWeights(meta, data []byte) (*weights, error) {
	if len(meta) > maxMetaBytes {
		return nil, fmt.Errorf("metadata of %d bytes exceeds %d", len(meta), maxMetaBytes)
	}
	var m gomlxMeta
	if err := json.Unmarshal(meta, &m); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if len(m.Variables) == 0 {
		return nil, fmt.Errorf("metadata lists no variables")
	}
	total := 0
	seen := map[string]bool{}
	for i, v := range m.Variables {
		name, ok := strings.CutPrefix(v.ParameterName, "var:")
		if !ok || !strings.HasPrefix(name, "/") || len(name) < 2 || path.Clean(name) != name {
			return nil, fmt.Errorf("variable %d: name %q is not \"var:/scope/name\"", i, v.ParameterName)
		}
		if seen[name] {
			return nil, fmt.Errorf("variable %s listed twice", name)
		}
		seen[name] = true
		if !slices.Contains(plainDTypes, v.DType) {
			return nil, fmt.Errorf("variable %s: unsupported dtype %d", name, v.DType)
		}
		n := 1
		for _, d := range v.Dimensions {
			if d < 0 || (d > 0 && n > maxDataBytes/d) {
				return nil, fmt.Errorf("variable %s: dimensions %v out of range", name, v.Dimensions)
			}
			n *= d
		}
		if len(v.Dimensions) > 16 {
			return nil, fmt.Errorf("variable %s: rank %d exceeds 16", name, len(v.Dimensions))
		}
		size := v.DType.Size()
		if n > maxDataBytes/size {
			return nil, fmt.Errorf("variable %s: %v elements exceed %d bytes", name, v.Dimensions, maxDataBytes)
		}
		if v.Length != n*size || v.Pos != total {
			return nil, fmt.Errorf("variable %s: %d bytes at offset %d, want %d bytes (%s%v) at offset %d",
				name, v.Length, v.Pos, n*size, v.DType, v.Dimensions, total)
		}
		total += v.Length
		if total > maxDataBytes {
			return nil, fmt.Errorf("variables exceed %d bytes", maxDataBytes)
		}
	}
	raw, err := decodeData(data, total)
	if err != nil {
		return nil, err
	}
	if len(raw) != total {
		return nil, fmt.Errorf("data holds %d bytes, the metadata lists %d", len(raw), total)
	}
	w := &weights{Params: map[string]any{}}
	for _, v := range m.Variables {
		t := tensors.FromShape(shapes.Make(v.DType, v.Dimensions...))
		var n int
		if err := t.MutableBytes(func(b []byte) { n = copy(b, raw[v.Pos:v.Pos+v.Length]) }); err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ParameterName, err)
		}
		if n != v.Length {
			return nil, fmt.Errorf("variable %s: copied %d of %d bytes", v.ParameterName, n, v.Length)
		}
		w.Vars = append(w.Vars, Variable{Path: v.ParameterName[len("var:"):], Value: t})
	}
	for _, p := range m.Params {
		if p.Key == "" {
			continue
		}
		w.Params[path.Join("/", p.Scope, p.Key)] = convertParam(p.Value, p.ValueType)
	}
	return w, nil
}

// decodeData returns the variables' bytes: data itself, or its gzip stream
// decompressed (reading at most want+1 bytes).
func decodeData(data []byte, want int) ([]byte, error) {
	rest, ok := bytes.CutPrefix(data, []byte(gomlxBinHeader))
	if !ok {
		return data, nil
	}
	if len(rest) < 1 || int(rest[0]) > len(rest)-1 {
		return nil, fmt.Errorf("data: truncated header")
	}
	kind := string(rest[1 : 1+int(rest[0])])
	if kind != "gzip" {
		return nil, fmt.Errorf("data: unsupported compression %q", kind)
	}
	zr, err := gzip.NewReader(bytes.NewReader(rest[1+int(rest[0]):]))
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, int64(want)+1))
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return out, nil
}

// convertParam undoes JSON's conversion of numbers to float64, as the GoMLX
// reader does, for the types it writes.
func convertParam(v any, typ string) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1<<62 {
			return x
		}
		switch typ {
		case "int":
			return int(x)
		case "int32":
			return int32(x)
		case "int64":
			return int64(x)
		case "float32":
			return float32(x)
		}
	case []any:
		switch typ {
		case "[]int":
			r := make([]int, 0, len(x))
			for _, e := range x {
				f, _ := e.(float64)
				if math.IsNaN(f) || math.Abs(f) > 1<<62 {
					f = 0
				}
				r = append(r, int(f))
			}
			return r
		case "[]float64":
			r := make([]float64, 0, len(x))
			for _, e := range x {
				f, _ := e.(float64)
				r = append(r, f)
			}
			return r
		case "[]string":
			r := make([]string, 0, len(x))
			for _, e := range x {
				s, _ := e.(string)
				r = append(r, s)
			}
			return r
		}
	}
	return v
}
