package modelfile

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A minimal reader of FlatBuffers (https://flatbuffers.dev), the binary
// format of TensorFlow Lite models: enough to walk tables, vectors and
// strings without generated code or a dependency.
//
// A buffer starts with a 32-bit offset to the root table. A table starts
// with a signed 32-bit offset back to its vtable; the vtable lists, for each
// field id, the field's offset inside the table (0: absent, use the
// default). Tables, vectors and strings are reached through unsigned 32-bit
// offsets relative to where the offset itself is stored; a vector is a
// 32-bit length followed by its elements. All numbers are little-endian.
//
// Every access is bounds-checked and panics with a malformed error on a bad
// offset; [readTFLite] turns that panic into an error. Offsets may point
// anywhere, so many tables can share one long vector or string: what the
// decoder copies out of the buffer is charged to a budget proportional to
// the file's size, which a file whose tables overlap like that exhausts.

type fbTable struct {
	b    []byte
	pos  int
	left *int // bytes the decoder may still copy out of b
}

// fbBudget is how many bytes of decoded vectors and strings a buffer of n
// bytes may yield: far more than a real model needs (its vectors and
// strings do not overlap), far less than overlapping offsets could make.
func fbBudget(n int) int { return 4*n + 1<<16 }

// charge takes n bytes of copies from the budget.
func (t fbTable) charge(n int) {
	if *t.left -= n; *t.left < 0 {
		panic(malformed(fmt.Sprintf("decoding would copy more than %d bytes out of a %d-byte file (overlapping tables?)", fbBudget(len(t.b)), len(t.b))))
	}
}

type malformed string

func (m malformed) Error() string { return "malformed flatbuffer: " + string(m) }

func fbCheck(b []byte, pos, n int) {
	if pos < 0 || n < 0 || pos+n > len(b) || pos+n < pos {
		panic(malformed(fmt.Sprintf("%d bytes at offset %d in a %d-byte file", n, pos, len(b))))
	}
}

func fbU32(b []byte, pos int) uint32 {
	fbCheck(b, pos, 4)
	return binary.LittleEndian.Uint32(b[pos:])
}

func fbU16(b []byte, pos int) uint16 {
	fbCheck(b, pos, 2)
	return binary.LittleEndian.Uint16(b[pos:])
}

// fbRoot is the root table of a buffer.
func fbRoot(b []byte) fbTable {
	left := fbBudget(len(b))
	return fbTable{b, int(fbU32(b, 0)), &left}
}

// field returns the absolute position of field id, or 0 if it is absent.
func (t fbTable) field(id int) int {
	vt := t.pos - int(int32(fbU32(t.b, t.pos)))
	vtLen := int(fbU16(t.b, vt))
	at := 4 + 2*id
	if at+2 > vtLen {
		return 0
	}
	off := int(fbU16(t.b, vt+at))
	if off == 0 {
		return 0
	}
	return t.pos + off
}

// deref follows the offset stored at pos.
func (t fbTable) deref(pos int) int { return pos + int(fbU32(t.b, pos)) }

func (t fbTable) u32(id int, def uint32) uint32 {
	if p := t.field(id); p != 0 {
		return fbU32(t.b, p)
	}
	return def
}

func (t fbTable) i32(id int, def int32) int32 { return int32(t.u32(id, uint32(def))) }

func (t fbTable) u8(id int, def uint8) uint8 {
	if p := t.field(id); p != 0 {
		fbCheck(t.b, p, 1)
		return t.b[p]
	}
	return def
}

func (t fbTable) f32(id int, def float32) float32 {
	if p := t.field(id); p != 0 {
		return math.Float32frombits(fbU32(t.b, p))
	}
	return def
}

// table returns the sub-table of field id.
func (t fbTable) table(id int) (fbTable, bool) {
	p := t.field(id)
	if p == 0 {
		return fbTable{}, false
	}
	return fbTable{t.b, t.deref(p), t.left}, true
}

// vector returns the position of the first element and the length of the
// vector in field id, elements of elemSize bytes (0, 0 if absent).
func (t fbTable) vector(id, elemSize int) (start, n int) {
	p := t.field(id)
	if p == 0 {
		return 0, 0
	}
	v := t.deref(p)
	n = int(fbU32(t.b, v))
	fbCheck(t.b, v+4, n*elemSize)
	return v + 4, n
}

func (t fbTable) bytes(id int) []byte {
	s, n := t.vector(id, 1)
	return t.b[s : s+n]
}

func (t fbTable) str(id int) string {
	b := t.bytes(id)
	t.charge(len(b))
	return string(b)
}

// fbVector decodes a vector of fixed-size numbers with get.
func fbVector[T any](t fbTable, id, size int, get func([]byte) T) []T {
	s, n := t.vector(id, size)
	t.charge(n * size)
	out := make([]T, n)
	for i := range out {
		out[i] = get(t.b[s+size*i:])
	}
	return out
}

func (t fbTable) i32s(id int) []int32 {
	return fbVector(t, id, 4, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })
}

func (t fbTable) f32s(id int) []float32 {
	return fbVector(t, id, 4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
}

func (t fbTable) i64s(id int) []int64 {
	return fbVector(t, id, 8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
}

// tables returns the tables of a vector of tables.
func (t fbTable) tables(id int) []fbTable {
	s, n := t.vector(id, 4)
	t.charge(n * 40) // the size of an fbTable
	out := make([]fbTable, n)
	for i := range out {
		out[i] = fbTable{t.b, t.deref(s + 4*i), t.left}
	}
	return out
}
