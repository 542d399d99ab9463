// Package vision is the convolutional-network part of the lesson Deep
// Learning Fundamentals: image data sets (CIFAR-10, Fashion-MNIST,
// scikit-learn's 8x8 digits) as classify.Data, the lesson's ConvNet built
// from the fast layers of package layers, its data augmentation, and the
// experiment that trains it ([CNNExperiment]), shared by `physnb vision cnn`
// and the classification notebook.
//
// The ConvNet is
//
//	conv 3x3 (64) -> ReLU -> maxpool 2 -> conv 3x3 (128) -> ReLU -> maxpool 2
//	-> flatten -> dropout 0.5 -> dense 512 -> ReLU -> dense 10
//
// trained with the softmax cross-entropy L = -z_y + log sum_k e^{z_k} and
// Adam (1e-3, batch 32); the regularised run adds flips and crops, a second
// dropout, L2 weight decay 1e-4, StepLR(10, 0.1) and early stopping.
//
// Example (a short run on 2000 Fashion-MNIST images):
//
//	e := vision.DefaultCNN(vision.FashionMNIST)
//	e.TrainLimit, e.TestLimit, e.Epochs = 2000, 500, 2
//	rep, err := e.Run(ctx, backend.MustParallel())
//	fmt.Println(rep.TestAccuracy)
package vision
