package resnet

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/physnb/physnb/lib/transfer/modelfile"
)

// ResNet-18 has 11,689,512 parameters: torchvision's resnet18 as
// sum(p.numel() for p in resnet18().parameters()), the figure its model
// card lists; the batch norms' running statistics are buffers, not
// parameters.
func TestResNet18ParameterCount(t *testing.T) {
	m, err := ResNet18.Model(rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	params := 0
	for name, w := range m.Initializers {
		if w.DataType != modelfile.TypeFloat || len(w.Float) != w.Size() {
			t.Fatalf("%s: data type %d, %d values for dims %v", name, w.DataType, len(w.Float), w.Dims)
		}
		if !strings.HasSuffix(name, ".running_mean") && !strings.HasSuffix(name, ".running_var") {
			params += w.Size()
		}
	}
	if params != 11689512 {
		t.Errorf("%d parameters, want torchvision's 11689512", params)
	}
	if _, err := (Spec{Channels: 3}).Model(rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), "resnet") {
		t.Errorf("empty spec: error %v, want one naming the package", err)
	}
}
