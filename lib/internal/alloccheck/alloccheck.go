// Package alloccheck holds the allocation bound that the fuzz targets of
// physnb's file readers share: reading an input may allocate at most
// PerByte bytes per byte of input that justifies it (the decompressed size,
// for gzip) plus Slack. A header that promises gigabytes must be checked
// against the bytes the file holds, not believed.
package alloccheck

import (
	"runtime"
	"testing"
)

// PerByte and Slack set the bound: PerByte·n + Slack bytes for n bytes of input.
const (
	PerByte = 16
	Slack   = 8 << 20
)

// Bounded runs f and fails t when f allocated more than the bound for n bytes
// of input. Allocations of other goroutines count too: call it from a fuzz
// target, which runs one input at a time per process.
func Bounded(t testing.TB, n int, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	limit := uint64(PerByte*n) + Slack
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Fatalf("allocated %d bytes for %d bytes of input (limit %d)", got, n, limit)
	}
}
