package main

import (
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/transfer"
)

// The transfer-learning workloads: ResNet-18 and the MobileNets to their features.
func init() {
	for _, w := range transfer.BenchWorkloads() {
		bench.Register(w)
	}
}
