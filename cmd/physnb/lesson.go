package main

// The "Deep Learning Fundamentals" lesson is reproduced by two walkthroughs
// (descriptors and forces; classification and vision). `physnb lesson STEP`
// names its steps as the lesson does and runs the walkthroughs' commands:
//
//	physnb lesson lj --distances 2.5,3.0,5.0 [--json]      = physnb forces lj
//	physnb lesson forces --descriptor soap|sine [--seed S]   = physnb forces train
//	physnb lesson wine [--seed S] [--json]                   = physnb wine
//	physnb lesson cnn --dataset cifar10|fashion --epochs E   = physnb vision cnn
//	physnb lesson transfer [--json]                          = physnb vision transfer
//	physnb lesson transfer --model resnet18-v1-7.onnx --dataset cifar10 [--size 224]

func init() {
	register(command{name: "lesson", summary: "the Deep Learning Fundamentals lesson step by step (lj, forces, wine, cnn, transfer)", run: runLesson})
}

func runLesson(args []string) error {
	sub, rest, err := splitSub("lesson", args, "lj", "forces", "wine", "cnn", "transfer")
	if err != nil {
		return err
	}
	switch sub {
	case "lj":
		return runForces(append([]string{"lj"}, rest...))
	case "forces":
		return runForces(append([]string{"train"}, rest...))
	case "wine":
		return runWine(rest)
	case "cnn":
		return runVision(append([]string{"cnn"}, rest...))
	default:
		return runVision(append([]string{"transfer"}, rest...))
	}
}
