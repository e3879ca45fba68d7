package backprop_test

import (
	"fmt"

	"github.com/backprop-go/backprop"
)

// The worked example of docs/notation.md: one gradient step on a 2-3-2-1 sigmoid
// network with log loss, in which only some connections exist.
func Example() {
	net := &backprop.Network[float64]{Inputs: 2, Loss: backprop.Log, Layers: []*backprop.Layer[float64]{
		{Activation: backprop.Sigmoid, In: 2, Out: 3, // h1, h2, h3: only x1 connects, to h1 and h2
			W:    []float64{0.3, 0, 0.7, 0, 0, 0},
			B:    []float64{0.5, -0.2, -0.1},
			Mask: []bool{true, false, true, false, false, false}},
		{Activation: backprop.Sigmoid, In: 3, Out: 2, // h4, h5; no bias
			W:    []float64{-0.5, 0.4, 0, 0.3, 0.6, 0.4},
			Mask: []bool{true, true, false, true, true, true}},
		{Activation: backprop.Sigmoid, In: 2, Out: 1, // o; no bias
			W: []float64{0.5, 0.7}},
	}}
	if err := net.Validate(); err != nil {
		panic(err)
	}
	x, y := []float64{1, 0}, []float64{1}

	ws := net.NewWorkspace(1)
	o := ws.Forward(x)
	fmt.Printf("o = %.6f\n", o[0])
	E := ws.Backward(y)
	fmt.Printf("E = %.6f, δ^L = %.6f\n", E, ws.Delta[3][0])
	ws.Step(0.5)
	fmt.Printf("after one step: o = %.6f\n", ws.Forward(x)[0])
	// Output:
	// o = 0.671846
	// E = 0.397726, δ^L = -0.328154
	// after one step: o = 0.698076
}

// Build a network in code, run it on a batch, and take gradient steps.
func ExampleNew() {
	net, err := backprop.New[float32](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 4, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		panic(err)
	}
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1} // XOR, one example a row
	y := []float32{0, 1, 1, 0}
	ws := net.NewWorkspace(4)
	for range 2000 {
		ws.Forward(x)
		ws.Backward(y)
		ws.Step(0.5 / 4) // the mean gradient of the batch
	}
	for _, o := range ws.Forward(x) {
		fmt.Printf("%.0f ", o)
	}
	fmt.Println()
	// Output: 0 1 1 0
}

// The trace keeps what the backward pass computed on the way: ∂E/∂a^l (G)
// and f′(z^l) (FPrime). A saturated output of an unmatched pair (sigmoid +
// cross-entropy at z = −60) still gets its exact delta, δ = −y(1 − o) ≈ −1,
// although o has rounded to almost 0 and ∂J/∂o = −y/o is huge.
func ExampleWorkspace_EnableTrace() {
	net := &backprop.Network[float64]{Inputs: 1, Loss: backprop.CrossEntropy, Layers: []*backprop.Layer[float64]{
		{Activation: backprop.Sigmoid, In: 1, Out: 1, W: []float64{-60}}}}
	ws := net.NewWorkspace(1)
	ws.EnableTrace()
	ws.Forward([]float64{1})
	E := ws.Backward([]float64{1})
	fmt.Printf("o = %.3g, E = %g\n", ws.A[1][0], E)
	fmt.Printf("∂J/∂o = %.3g, f'(z) = %.3g, δ = %g\n", ws.G[1][0], ws.FPrime[1][0], ws.Delta[1][0])
	fmt.Println(backprop.Sigmoid.Formulas().Derivative, "|", backprop.CrossEntropy.Formulas().Gradient)
	// Output:
	// o = 8.76e-27, E = 60
	// ∂J/∂o = -1.14e+26, f'(z) = 8.76e-27, δ = -1
	// a·(1 - a) | -y_k/o_k
}

// Targets outside the loss's domain are refused before any step.
func ExampleNetwork_CheckTargets() {
	net, _ := backprop.New[float64](2, backprop.Log, 1, backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	fmt.Println(net.CheckTargets([]float64{1, 0, 0.5}))
	fmt.Println(net.CheckTargets([]float64{1, 2}))
	// Output:
	// <nil>
	// example 2: y_1 = 2, want a value in [0, 1] (the log loss's targets are probabilities)
}

// Online training on the XOR points, one example a step, without the loss
// every step: Gradient is Backward without computing E, and Loss computes E
// when it is wanted.
func ExampleWorkspace_Gradient() {
	net, err := backprop.New[float32](2, backprop.Log, 1,
		backprop.LayerSpec{Units: 3, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 2, Activation: backprop.Sigmoid},
		backprop.LayerSpec{Units: 1, Activation: backprop.Sigmoid})
	if err != nil {
		panic(err)
	}
	x := []float32{0, 0, 0, 1, 1, 0, 1, 1}
	y := []float32{0, 1, 1, 0}
	ws := net.NewWorkspace(1)
	for s := range 20000 {
		i := s % 4
		ws.Forward(x[2*i : 2*i+2])
		ws.Gradient(y[i : i+1])
		ws.Step(0.5)
	}
	var E float64
	for i := range 4 {
		ws.Forward(x[2*i : 2*i+2])
		E += ws.Loss(y[i : i+1])
	}
	fmt.Printf("mean loss after 20,000 steps: %.3f\n", E/4)
	// Output:
	// mean loss after 20,000 steps: 0.001
}
