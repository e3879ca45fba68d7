package train_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
)

// Train a 2-4-1 network (tanh hidden layer, sigmoid output, log loss) on XOR,
// one example per step.
func Example() {
	xor := train.Set[float64]{
		X: []float64{0, 0, 0, 1, 1, 0, 1, 1},
		Y: []float64{0, 1, 1, 0},
		N: 4,
	}
	net, err := backprop.New[float64](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		panic(err)
	}
	cfg := train.Config{Mode: train.Stochastic, Epochs: 500, Alpha: 0.5, Seed: 1}
	res, err := train.Train(context.Background(), net, xor, train.Set[float64]{}, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d epochs, %d steps, accuracy %.2f\n", len(res.History), res.Steps, res.History[len(res.History)-1].Train.Accuracy)

	ws := net.NewWorkspace(4)
	o := ws.Forward(xor.X)
	for r := range 4 {
		fmt.Printf("%v xor %v = %v\n", xor.X[2*r], xor.X[2*r+1], math.Round(o[r]))
	}
	// Output:
	// 500 epochs, 2000 steps, accuracy 1.00
	// 0 xor 0 = 0
	// 0 xor 1 = 1
	// 1 xor 0 = 1
	// 1 xor 1 = 0
}

// A Cursor walks the examples of each step in the order of the mode: here
// mini-batches of 4 of 10 examples, shuffled every epoch.
func ExampleCursor() {
	cur := train.NewCursor(10, train.MiniBatch, 4, rand.New(rand.NewPCG(1, 2)))
	for range cur.StepsPerEpoch() {
		fmt.Print(len(cur.Next()), " ")
	}
	fmt.Println("examples; epochs done:", cur.Epoch())
	// Output:
	// 4 4 2 examples; epochs done: 1
}

// lineSource is a Source of the points on the line y = 2x − 1, made as they
// are read (as a file would be read), never held whole.
type lineSource struct{ n, i int }

func (s *lineSource) Len() int     { return s.n }
func (s *lineSource) Reset() error { s.i = 0; return nil }
func (s *lineSource) Next(x, y []float64) error {
	if s.i == s.n {
		return io.EOF
	}
	x[0] = float64(s.i)/float64(s.n)*2 - 1
	y[0] = 2*x[0] - 1
	s.i++
	return nil
}

// Train from a Source, through a shuffle buffer of 64 examples: memory
// does not grow with the number of examples.
func ExampleTrainSource() {
	net, err := backprop.New[float64](1, backprop.Squared, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Identity})
	if err != nil {
		panic(err)
	}
	cfg := train.Config{Epochs: 20, Alpha: 0.1, Batch: 8, Shuffle: 64, Seed: 1}
	res, err := train.TrainSource(context.Background(), net, &lineSource{n: 1000}, nil, cfg)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d steps; w = %.3f, b = %.3f\n", res.Steps, net.Layers[0].W[0], net.Layers[0].B[0])
	m, _ := train.EvaluateSource(net, &lineSource{n: 1000}, train.TaskRegression)
	fmt.Printf("MSE below 1e-12: %v, on %d examples\n", m.MSE < 1e-12, m.N)
	// Output:
	// 2500 steps; w = 2.000, b = -1.000
	// MSE below 1e-12: true, on 1000 examples
}

// Fit chooses the epochs on the data (5-fold cross-validation of these 150
// rows), then trains on all of them: the defaults of backprop train.
func ExampleFit() {
	rng := rand.New(rand.NewPCG(1, 1))
	set := train.Set[float64]{N: 150}
	for range set.N { // two classes: is x1 + x2 > 0?
		x1, x2 := rng.Float64()*2-1, rng.Float64()*2-1
		y := 0.0
		if x1+x2 > 0 {
			y = 1
		}
		set.X, set.Y = append(set.X, x1, x2), append(set.Y, y)
	}
	net, err := backprop.New[float64](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 8, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		panic(err)
	}
	net.InitWith(1, backprop.InitAuto) // as the train command draws them
	cfg := train.Config{Optimizer: train.Adam, Alpha: 0.01, Seed: 1}
	plan, res, err := train.Fit(context.Background(), net, set, cfg, train.FitOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d folds, batch %d, λ = %.3f, at most %d epochs\n", plan.Folds, plan.Batch, plan.L2, plan.MaxEpochs)
	fmt.Println("cross-validated accuracy above 0.9:", plan.Estimate.Accuracy > 0.9)
	fmt.Println("the refit trained all the rows for the chosen epochs:", res.Steps == plan.Epochs*5) // ⌈150/32⌉ steps an epoch
	// Output:
	// 5 folds, batch 32, λ = 0.067, at most 200 epochs
	// cross-validated accuracy above 0.9: true
	// the refit trained all the rows for the chosen epochs: true
}
