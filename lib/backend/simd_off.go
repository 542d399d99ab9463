//go:build !goexperiment.simd

package backend

// SIMDEnabled reports whether this binary was built with GOEXPERIMENT=simd,
// which makes the pure-Go backend's matrix multiplication about 75x faster.
func SIMDEnabled() bool { return false }
