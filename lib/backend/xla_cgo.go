//go:build cgo

package backend

import _ "github.com/gomlx/go-xla/compute/xla" // registers "xla" (no auto-download)

// xlaLinked reports whether the XLA (CUDA) backend is compiled in: it needs cgo.
const xlaLinked = true
