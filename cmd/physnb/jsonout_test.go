package main

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

type jsonInner struct {
	Loss  float64   `json:"loss"`
	Curve []float64 `json:"curve,omitempty"`
}

type jsonOuter struct {
	jsonInner                    // embedded: its fields are the outer's
	Name      string             `json:"name"`
	Rate      float32            `json:"rate"`
	Skip      float64            `json:"-"`
	Opt       *float64           `json:"opt,omitempty"`
	Runs      []jsonInner        `json:"runs"`
	ByName    map[string]float64 `json:"by_name"`
	When      time.Duration      `json:"when"`
	Fixed     [2]float64         `json:"fixed"`
	Untagged  int
	hidden    float64
}

// A report without NaN or Inf comes out exactly as encoding/json writes it.
func TestFiniteJSONAgreesWithEncodingJSON(t *testing.T) {
	x := 2.5
	v := jsonOuter{jsonInner: jsonInner{Loss: 1, Curve: []float64{1, 2}}, Name: "a", Rate: 0.5, Skip: 3, Opt: &x,
		Runs: []jsonInner{{Loss: 3}}, ByName: map[string]float64{"b": 1, "a": 2}, When: time.Second, Fixed: [2]float64{1, 2}, Untagged: 4}
	want, _ := json.Marshal(v)
	var bad []nonFinite
	got, err := json.Marshal(walkJSON(reflect.ValueOf(v), "", &bad)) // the walk itself, not its shortcut
	if err != nil || len(bad) != 0 || !bytes.Equal(got, want) {
		t.Errorf("got %s (%v, %v), want %s", got, err, bad, want)
	}
	// With the same value forced through the walk (a NaN elsewhere), the
	// field order and names are still encoding/json's.
	v.Skip = math.NaN() // not serialised: no effect
	w := struct {
		jsonOuter
		Extra float64 `json:"extra"`
	}{v, math.NaN()}
	fv, bad := finiteJSON(w)
	got, _ = json.Marshal(fv)
	w.Extra = 0
	want, _ = json.Marshal(w)
	want = bytes.Replace(want, []byte(`"extra":0`), []byte(`"extra":null`), 1)
	if !bytes.Equal(got, want) || len(bad) != 1 || bad[0].path != "extra" {
		t.Errorf("got %s %v\nwant %s", got, bad, want)
	}
}

// Every NaN and ±Inf becomes null, with its path.
func TestFiniteJSONReplacesNonFinite(t *testing.T) {
	v := jsonOuter{jsonInner: jsonInner{Loss: math.NaN(), Curve: []float64{1, math.Inf(1)}}, Rate: float32(math.Inf(-1)),
		Runs: []jsonInner{{Loss: 1}, {Loss: math.Inf(-1)}}, ByName: map[string]float64{"k": math.NaN()}}
	fv, bad := finiteJSON(v)
	out, err := json.Marshal(fv)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, b := range bad {
		paths[b.path] = b.value
	}
	want := map[string]string{"loss": "NaN", "curve[1]": "+Inf", "rate": "-Inf", "runs[1].loss": "-Inf", "by_name.k": "NaN"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("non-finite paths %v, want %v", paths, want)
	}
	if got["loss"] != nil || got["curve"].([]any)[1] != nil || got["curve"].([]any)[0] != 1.0 || got["runs"].([]any)[1].(map[string]any)["loss"] != nil {
		t.Errorf("output %s", out)
	}
}
