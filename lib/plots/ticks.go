package plots

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Ticks is the tick marker of every linear axis of a [Figure]: gonum's tick
// positions, labelled with as few decimals as the spacing needs and the same
// number on every label (0.0, 2.5, 5.0; 1000, not 1e+03). Only very large
// or very small numbers (from 10⁶, below 10⁻³) get a power of ten, in short
// e-notation (2e6, 1.5e-5).
type Ticks struct{}

// Ticks implements plot.Ticker.
func (Ticks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	var vs []float64
	for _, t := range ts {
		if t.Label != "" {
			vs = append(vs, t.Value)
		}
	}
	labels := formatTicks(vs)
	k := 0
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = labels[k]
			k++
		}
	}
	return ts
}

// formatTicks writes tick values with a common number of decimals, the
// fewest that write each exactly; as m·10ⁿ in e-notation when the largest
// is 10⁶ or more or below 10⁻³.
func formatTicks(vs []float64) []string {
	maxAbs := 0.0
	for _, v := range vs {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	out := make([]string, len(vs))
	if maxAbs == 0 || (maxAbs >= 1e-3 && maxAbs < 1e6) {
		d := decimals(vs, 1)
		for i, v := range vs {
			out[i] = plain(v, d)
		}
		return out
	}
	e := int(math.Floor(math.Log10(maxAbs)))
	scale := math.Pow10(e)
	d := decimals(vs, scale)
	for i, v := range vs {
		if v == 0 {
			out[i] = "0"
			continue
		}
		out[i] = plain(v/scale, d) + exponent(e)
	}
	return out
}

// decimals is the fewest decimals (at most 6) that write every v/scale
// exactly, to a millionth of the last digit.
func decimals(vs []float64, scale float64) int {
	for d := 0; d < 6; d++ {
		p := math.Pow10(d)
		exact := true
		for _, v := range vs {
			m := v / scale * p
			if math.Abs(m-math.Round(m)) > 1e-6*math.Max(1, math.Abs(m))*1e-3 {
				exact = false
				break
			}
		}
		if exact {
			return d
		}
	}
	return 6
}

func plain(v float64, d int) string {
	s := strconv.FormatFloat(v, 'f', d, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-") // no "-0"
	}
	return s
}

// exponent writes the power of ten of a label in short e-notation ("e-5",
// "e6": no plus sign, no padding zero). The figures' font has no superscript
// minus, zero or nine, so 10⁻⁵ cannot be written with superscript digits.
func exponent(n int) string { return "e" + strconv.Itoa(n) }

// LogTicks is the tick marker of a logarithmic axis: a tick at every
// m·10ⁿ (m = 1..9) in range, labels at the powers of ten (0.0001, 1, 1000,
// and 1e-5, 1e6 beyond 10⁻⁴ and 10⁵), also at 2 and 5 times
// them when fewer than two powers of ten are in range, and gonum's linear
// ticks when the range is narrower still.
type LogTicks struct{}

// Ticks implements plot.Ticker.
func (LogTicks) Ticks(vmin, vmax float64) []plot.Tick {
	if !(vmin > 0) || !(vmax > vmin) {
		return Ticks{}.Ticks(vmin, math.Max(vmax, vmin+1))
	}
	type mark struct {
		m, e int
		v    float64
	}
	var marks []mark
	lo, hi := int(math.Floor(math.Log10(vmin))), int(math.Ceil(math.Log10(vmax)))
	for e := lo; e <= hi; e++ {
		for m := 1; m <= 9; m++ {
			v := float64(m) * math.Pow10(e)
			if v >= vmin*(1-1e-9) && v <= vmax*(1+1e-9) {
				marks = append(marks, mark{m, e, v})
			}
		}
	}
	var labelled func(m int) bool
	for _, rule := range []func(m int) bool{
		func(m int) bool { return m == 1 },
		func(m int) bool { return m == 1 || m == 2 || m == 5 },
		func(int) bool { return true },
	} {
		n := 0
		for _, mk := range marks {
			if rule(mk.m) {
				n++
			}
		}
		if n >= 2 {
			labelled = rule
			break
		}
	}
	if labelled == nil {
		return Ticks{}.Ticks(vmin, vmax) // less than a factor 2 in range
	}
	ticks := make([]plot.Tick, len(marks))
	for i, mk := range marks {
		ticks[i].Value = mk.v
		switch {
		case !labelled(mk.m):
		case mk.e >= -4 && mk.e <= 5:
			ticks[i].Label = plain(mk.v, max(0, -mk.e))
		default:
			ticks[i].Label = strconv.Itoa(mk.m) + exponent(mk.e)
		}
	}
	return ticks
}
