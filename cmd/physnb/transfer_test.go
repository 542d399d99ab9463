package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `physnb lesson transfer --model PATH` with no file at PATH says where
// ResNet-18 weights come from, and a target that is not a data set is named.
func TestLessonTransferErrors(t *testing.T) {
	visionData(t)
	missing := filepath.Join(t.TempDir(), "resnet18-v1-7.onnx")
	err := runLesson([]string{"transfer", "--model", missing, "--dataset", "cifar10"})
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "model zoo") {
		t.Errorf("missing model: error %v, want one naming the file and the model zoo", err)
	}
	err = runLesson([]string{"transfer", "--dataset", "imagenet", "--epochs", "1"})
	if err == nil || !strings.Contains(err.Error(), "imagenet") || !strings.Contains(err.Error(), "cifar10") {
		t.Errorf("unknown target: error %v, want one naming it and the valid ones", err)
	}
}
