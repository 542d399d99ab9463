//go:build !cgo

package backend

// xlaLinked reports whether the XLA (CUDA) backend is compiled in: it needs cgo,
// so a build without a C compiler has the pure-Go CPU backend only.
const xlaLinked = false
