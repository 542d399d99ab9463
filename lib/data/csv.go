package data

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gomlx/gomlx/core/tensors"
)

// CSV is a table read from a comma-separated file: a header and rows of
// fields, kept as strings until a caller asks for numbers, so that a
// string column (wine's `type`) and numeric columns live in one file.
type CSV struct {
	Path   string
	Header []string   // column names; "0", "1", ... when read with NoHeader
	Rows   [][]string // every row has len(Header) fields
	lines  []int      // line number of each row in the file, for messages
}

// CSVOption changes how ReadCSV parses a file.
type CSVOption func(*csvConfig)

type csvConfig struct {
	header bool
	comma  rune
}

// NoHeader reads a file whose first line is already data (scikit-learn's
// digits). Columns are then named "0", "1", ... in order.
func NoHeader() CSVOption { return func(c *csvConfig) { c.header = false } }

// Separator sets the field separator (',' by default; UCI's raw wine files use ';').
func Separator(r rune) CSVOption { return func(c *csvConfig) { c.comma = r } }

// ReadCSV reads a .csv or gzip-compressed .csv.gz file (recognised by its
// content, not its name). Every row must have as many fields as the first,
// and the header's column names must be distinct; errors name the file and
// line.
func ReadCSV(path string, opts ...CSVOption) (*CSV, error) {
	cfg := csvConfig{header: true, comma: ','}
	for _, o := range opts {
		o(&cfg)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading CSV: %w", err)
	}
	defer f.Close()
	return readCSV(f, path, cfg)
}

// ParseCSV reads a table from r as ReadCSV reads it from a file (plain or
// gzip-compressed); name only labels the table in messages and in CSV.Path.
func ParseCSV(r io.Reader, name string, opts ...CSVOption) (*CSV, error) {
	cfg := csvConfig{header: true, comma: ','}
	for _, o := range opts {
		o(&cfg)
	}
	return readCSV(r, name, cfg)
}

// readCSV parses the table in r; path only names it in messages.
func readCSV(f io.Reader, path string, cfg csvConfig) (*CSV, error) {
	if cfg.comma == 0 || cfg.comma == '"' || cfg.comma == '\r' || cfg.comma == '\n' || cfg.comma == utf8.RuneError || !utf8.ValidRune(cfg.comma) {
		return nil, fmt.Errorf("reading CSV %s: separator %q cannot separate fields (use ',', ';', a tab, ...)", path, cfg.comma)
	}
	r, err := maybeGunzip(f)
	if err != nil {
		return nil, fmt.Errorf("reading CSV %s: %w", path, err)
	}
	cr := csv.NewReader(r)
	cr.Comma = cfg.comma
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	t := &CSV{Path: path}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("reading CSV %s: line %d: %w", path, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("reading CSV %s: %w", path, err)
		}
		line, _ := cr.FieldPos(0)
		if t.Header == nil {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff") // a UTF-8 byte-order mark from spreadsheet exports
			if cfg.header {
				if err := uniqueNames(rec); err != nil {
					return nil, fmt.Errorf("reading CSV %s: header (line %d): %w", path, line, err)
				}
				t.Header = rec
				continue
			}
			t.Header = make([]string, len(rec))
			for i := range rec {
				t.Header[i] = strconv.Itoa(i)
			}
		}
		t.Rows = append(t.Rows, rec)
		t.lines = append(t.lines, line)
	}
	if t.Header == nil {
		return nil, fmt.Errorf("reading CSV %s: the file is empty", path)
	}
	return t, nil
}

// uniqueNames refuses a header that names a column twice: a lookup by name
// would silently pick one of the two.
func uniqueNames(header []string) error {
	first := make(map[string]int, len(header))
	for i, h := range header {
		if j, dup := first[h]; dup {
			return fmt.Errorf("columns %d and %d are both named %q; column names must be distinct", j+1, i+1, h)
		}
		first[h] = i
	}
	return nil
}

// MustReadCSV is ReadCSV for notebook cells: it panics on error.
func MustReadCSV(path string, opts ...CSVOption) *CSV {
	t, err := ReadCSV(path, opts...)
	if err != nil {
		panic(err)
	}
	return t
}

// maybeGunzip returns a reader of the decompressed stream when r starts
// with the gzip magic bytes, and of r itself otherwise.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip header: %w", err)
		}
		return gz, nil
	}
	return br, nil
}

// Len returns the number of data rows.
func (t *CSV) Len() int { return len(t.Rows) }

// Index returns the position of the named column.
func (t *CSV) Index(name string) (int, error) {
	for i, h := range t.Header {
		if h == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("%s: no column %q (columns: %s)", t.Path, name, strings.Join(t.Header, ", "))
}

// Column returns the raw fields of one column.
func (t *CSV) Column(name string) ([]string, error) {
	j, err := t.Index(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(t.Rows))
	for i, row := range t.Rows {
		out[i] = row[j]
	}
	return out, nil
}

// Without returns the column names except the given ones, in file order:
// t.Floats(t.Without("type", "quality")...) selects the wine features.
func (t *CSV) Without(names ...string) []string {
	var out []string
	for _, h := range t.Header {
		skip := false
		for _, n := range names {
			skip = skip || h == n
		}
		if !skip {
			out = append(out, h)
		}
	}
	return out
}

// Floats parses the named columns (all columns when none are named) as
// finite numbers and returns them row by row.
func (t *CSV) Floats(cols ...string) ([][]float64, error) {
	idx, err := t.indices(cols)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(t.Rows))
	flat := make([]float64, len(t.Rows)*len(idx))
	for i := range t.Rows {
		out[i] = flat[i*len(idx) : (i+1)*len(idx)]
		for k, j := range idx {
			v, err := t.float(i, j)
			if err != nil {
				return nil, err
			}
			out[i][k] = v
		}
	}
	return out, nil
}

// Float32s is Floats flattened row-major into float32, the layout of a
// [rows, len(cols)] tensor. A value beyond float32's range is an error, not
// an infinity.
func (t *CSV) Float32s(cols ...string) ([]float32, error) {
	idx, err := t.indices(cols)
	if err != nil {
		return nil, err
	}
	out := make([]float32, 0, len(t.Rows)*len(idx))
	for i := range t.Rows {
		for _, j := range idx {
			v, err := t.float(i, j)
			if err != nil {
				return nil, err
			}
			if math.Abs(v) > math.MaxFloat32 {
				return nil, fmt.Errorf("%s: line %d, column %q: %s is beyond float32's range (±%.4g)", t.Path, t.line(i), t.Header[j], t.Rows[i][j], math.MaxFloat32)
			}
			out = append(out, float32(v))
		}
	}
	return out, nil
}

// Tensor returns the named columns as a float32 tensor of shape [rows, cols].
func (t *CSV) Tensor(cols ...string) (*tensors.Tensor, error) {
	idx, err := t.indices(cols)
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 || len(idx) == 0 {
		return nil, fmt.Errorf("%s: no data to put in a tensor (%d rows, %d columns)", t.Path, len(t.Rows), len(idx))
	}
	flat, err := t.Float32s(cols...)
	if err != nil {
		return nil, err
	}
	return tensors.FromFlatDataAndDimensions(flat, len(t.Rows), len(idx)), nil
}

// Categories encodes a string column as integer codes: levels lists the
// distinct values in order of first appearance and codes[i] indexes it
// (wine's `type` gives levels [white red]).
func (t *CSV) Categories(name string) (codes []int, levels []string, err error) {
	col, err := t.Column(name)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]int{}
	codes = make([]int, len(col))
	for i, v := range col {
		c, ok := seen[v]
		if !ok {
			c = len(levels)
			seen[v] = c
			levels = append(levels, v)
		}
		codes[i] = c
	}
	return codes, levels, nil
}

func (t *CSV) indices(cols []string) ([]int, error) {
	if len(cols) == 0 {
		cols = t.Header
	}
	idx := make([]int, len(cols))
	for k, c := range cols {
		j, err := t.Index(c)
		if err != nil {
			return nil, err
		}
		idx[k] = j
	}
	return idx, nil
}

func (t *CSV) float(i, j int) (float64, error) {
	s := t.Rows[i][j]
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s: line %d, column %q: %q is not a finite number", t.Path, t.line(i), t.Header[j], s)
	}
	return v, nil
}

// line returns the file line of row i (rows built by hand count from 1).
func (t *CSV) line(i int) int {
	if i < len(t.lines) {
		return t.lines[i]
	}
	return i + 1
}
