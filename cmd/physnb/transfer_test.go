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

// `physnb lesson transfer --model mobilenet-v1 --dataset cifar10-sample
// --modes feature-extractor --json`: the ImageNet MobileNet from the data
// folder, only the frozen extractor, its pooled features and a result
// above guessing (0.37 measured with 20 epochs; 0.25 is far beyond chance
// on 100 test images).
func TestLessonTransferMobileNet(t *testing.T) {
	visionData(t)
	var out struct {
		Model        string
		Features     string
		Labels       int
		TestImages   int                `json:"test_images"`
		TestAccuracy map[string]float64 `json:"test_accuracy"`
	}
	if err := runJSON(t, runLesson, &out, "transfer", "--model", "mobilenet-v1", "--dataset", "cifar10-sample",
		"--modes", "feature-extractor", "--epochs", "20"); err != nil {
		t.Fatal(err)
	}
	if out.Labels != 100 || out.TestImages != 100 || !strings.Contains(out.Features, "AvgPool") {
		t.Errorf("labels %d, test images %d, features %q: want 100, 100 and MobileNet's pooled features", out.Labels, out.TestImages, out.Features)
	}
	if len(out.TestAccuracy) != 1 || out.TestAccuracy["feature_extractor"] < 0.25 {
		t.Errorf("test accuracy %v, want the feature extractor alone, >= 0.25", out.TestAccuracy)
	}
	err := runLesson([]string{"transfer", "--model", "mobilenet-v1", "--dataset", "cifar10-sample", "--modes", "frozen"})
	if err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Errorf("unknown mode: error %v, want one naming it", err)
	}
}
