package main

// JSON output without NaN or Inf. encoding/json refuses non-finite floats
// ("json: unsupported value: NaN") after the work is done, which loses the
// report. printJSON writes such a number as null instead, the rule of
// JavaScript's JSON.stringify, and names every such field on stderr, so the
// output always parses and nothing non-finite passes silently.

import (
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
)

// printJSON writes v as indented JSON on stdout, non-finite numbers as null
// (each one named on stderr).
func printJSON(v any) error {
	fv, bad := finiteJSON(v)
	for _, b := range bad {
		fmt.Fprintf(os.Stderr, "physnb: %s is %s: written as null in the JSON\n", b.path, b.value)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(fv)
}

// nonFinite is one NaN or ±Inf found by finiteJSON, at its JSON path.
type nonFinite struct{ path, value string }

// finiteJSON returns v as encoding/json would see it, with every NaN and ±Inf
// replaced by nil, and the paths of those it replaced ("runs[2].loss"). When
// v holds none, it returns v itself.
func finiteJSON(v any) (any, []nonFinite) {
	var bad []nonFinite
	out := walkJSON(reflect.ValueOf(v), "", &bad)
	if len(bad) == 0 {
		return v, nil
	}
	return out, bad
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

func walkJSON(v reflect.Value, path string, bad *[]nonFinite) any {
	if !v.IsValid() {
		return nil
	}
	t := v.Type()
	if (t.Implements(jsonMarshaler) || t.Implements(textMarshaler)) && !(v.Kind() == reflect.Pointer && v.IsNil()) {
		return v.Interface() // encoded by its own method
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			*bad = append(*bad, nonFinite{strings.TrimPrefix(path, "."), fmt.Sprint(f)})
			return nil
		}
		return v.Interface()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walkJSON(v.Elem(), path, bad)
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return v.Interface() // []byte: base64
		}
		fallthrough
	case reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = walkJSON(v.Index(i), fmt.Sprintf("%s[%d]", path, i), bad)
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			k := fmt.Sprint(it.Key().Interface())
			out[k] = walkJSON(it.Value(), path+"."+k, bad)
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		walkStruct(v, path, bad, out)
		return orderedStruct(v, out)
	}
	return v.Interface()
}

// walkStruct adds the exported fields of v to out under their JSON names,
// with encoding/json's rules for tags, omitempty and embedded structs (an
// embedded struct without a name in its tag lends its fields to v).
func walkStruct(v reflect.Value, path string, bad *[]nonFinite, out map[string]any) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				if fv.IsNil() {
					continue
				}
				fv, ft = fv.Elem(), ft.Elem()
			}
			if ft.Kind() == reflect.Struct && !ft.Implements(jsonMarshaler) {
				walkStruct(fv, path, bad, out)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && fv.IsZero() && !(fv.Kind() == reflect.Struct) {
			if k := fv.Kind(); k != reflect.Array || fv.Len() == 0 {
				continue
			}
		}
		if _, dup := out[name]; dup {
			continue // the shallower field wins, as in encoding/json
		}
		out[name] = walkJSON(fv, path+"."+name, bad)
	}
}

// orderedStruct keeps a struct's fields in their declared order in the
// output (a map would sort them): it returns them as a json.Marshaler.
func orderedStruct(v reflect.Value, fields map[string]any) any {
	var names []string
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			name, _, _ := strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
				collect(ft)
				continue
			}
			if name == "" {
				name = f.Name
			}
			names = append(names, name)
		}
	}
	collect(v.Type())
	o := orderedObject{}
	seen := map[string]bool{}
	for _, n := range names {
		if val, ok := fields[n]; ok && !seen[n] {
			seen[n] = true
			o = append(o, kv{n, val})
		}
	}
	return o
}

type kv struct {
	k string
	v any
}

// orderedObject is a JSON object whose keys keep their order.
type orderedObject []kv

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		b.Write(k)
		b.WriteByte(':')
		val, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(val)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}
