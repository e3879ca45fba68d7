package backprop

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Float is the precision a network computes in: float64 (explain, gradcheck)
// or float32 (fast training).
type Float interface{ ~float32 | ~float64 }

// Layer is layer l of a network: z^l = W^l a^(l-1) + b^l, a^l = f(z^l).
type Layer[T Float] struct {
	Activation Activation
	Slope      T // the slope s of leaky-relu for z ≤ 0; unused otherwise

	In, Out int // n_(l-1) and n_l

	// W holds W^l, Out×In, row-major: W[i*In+j] = w^l_ij, the weight from
	// neuron j of layer l-1 to neuron i of layer l.
	W []T
	// B holds b^l (Out values), the weights w^l_i0 on the constant input 1;
	// nil when the layer has no bias.
	B []T
	// Mask, when not nil, has W's shape: Mask[i*In+j] false means the
	// connection is absent (w^l_ij = 0 forever, never updated).
	Mask []bool

	// Extra holds fields of the model file the engine does not use; they are
	// written back unchanged.
	Extra map[string]json.RawMessage
}

// Network is a feed-forward network of layers 1..L on n_0 inputs, with the
// loss it is trained for. Layers[l-1] is layer l (layer 0 is the input x);
// Layer(l) returns it.
type Network[T Float] struct {
	Inputs int
	Loss   Loss
	Layers []*Layer[T]

	// Extra holds top-level fields of the model file the engine does not use
	// (class labels, input scaling, history...); they are written back
	// unchanged, in sorted order.
	Extra map[string]json.RawMessage
}

// LayerSpec describes a layer to build with New.
type LayerSpec struct {
	Units      int // n_l
	Activation Activation
	Slope      float64 // leaky-relu only; 0 means 0.01
	NoBias     bool
}

// New builds a network on the given number of inputs with initial weights
// drawn from seed: Glorot-uniform for identity, sigmoid, tanh and softmax
// layers, He-uniform for the relu family; biases start at 0.
func New[T Float](inputs int, J Loss, seed uint64, specs ...LayerSpec) (*Network[T], error) {
	net := &Network[T]{Inputs: inputs, Loss: J}
	in := inputs
	for l, s := range specs {
		if s.Units < 1 {
			return nil, fmt.Errorf("layer %d: %d units, want at least 1", l+1, s.Units)
		}
		lay := &Layer[T]{Activation: s.Activation, In: in, Out: s.Units, W: make([]T, s.Units*in)}
		if s.Activation == LeakyReLU {
			lay.Slope = T(s.Slope)
			if s.Slope == 0 {
				lay.Slope = 0.01
			}
		}
		if !s.NoBias {
			lay.B = make([]T, s.Units)
		}
		net.Layers = append(net.Layers, lay)
		in = s.Units
	}
	if err := net.Validate(); err != nil {
		return nil, err
	}
	net.Init(seed)
	return net, nil
}

// Init draws every present weight from seed (Glorot-uniform, or He-uniform
// for relu and leaky-relu layers) and sets every bias to 0: InitWith(seed,
// InitHe).
func (net *Network[T]) Init(seed uint64) { net.InitWith(seed, InitHe) }

// InitScheme names how InitWith draws the initial weights.
type InitScheme string

// The schemes. Each draws from a uniform distribution U(−r, r) whose bound r
// depends on the layer's fan-in n_(l-1) and fan-out n_l: He's bound
// r = √(6/n_(l-1)) or Glorot's r = √(6/(n_(l-1)+n_l)).
const (
	// InitAuto chooses each layer's weight bound by its activation: He's
	// for relu and leaky-relu layers (it keeps the variance of the
	// activations from shrinking layer by layer in a deep relu stack),
	// Glorot's for identity, sigmoid, tanh and softmax layers; the biases
	// are drawn too, from Glorot's bound, as scikit-learn's MLP draws them.
	// The train command's default: on small tables it trains as well as
	// InitGlorot, and on deep relu stacks as well as InitHe.
	InitAuto InitScheme = "auto"
	// InitHe draws the weights with InitAuto's bounds (He's for relu and
	// leaky-relu layers, Glorot's for the others) and sets every bias to 0.
	// The default of New and Init.
	InitHe InitScheme = "he"
	// InitGlorot draws every layer's weights and biases with Glorot's
	// bound, whatever the activation: scikit-learn's MLP initialisation.
	// Its bound is too small for deep relu stacks: each relu layer halves
	// the signal's variance, so eight relu layers start nearly silent and
	// train markedly worse than with InitAuto or InitHe.
	InitGlorot InitScheme = "glorot"
)

// ParseInitScheme returns the scheme of a name: "auto", "he" or "glorot".
func ParseInitScheme(name string) (InitScheme, error) {
	switch s := InitScheme(name); s {
	case InitAuto, InitHe, InitGlorot:
		return s, nil
	}
	return "", fmt.Errorf("unknown initialisation %q (want auto, glorot or he)", name)
}

// InitWith draws every present weight, and with InitAuto and InitGlorot
// every bias, from seed as scheme says; absent connections (Layer.Mask)
// stay 0. An unknown scheme is InitHe.
func (net *Network[T]) InitWith(seed uint64, scheme InitScheme) {
	rng := rand.New(rand.NewPCG(seed, 0x6261636b70726f70)) // "backprop"
	for _, lay := range net.Layers {
		glorot := math.Sqrt(6 / float64(lay.In+lay.Out))
		limit := glorot
		if scheme != InitGlorot && (lay.Activation == ReLU || lay.Activation == LeakyReLU) {
			limit = math.Sqrt(6 / float64(lay.In)) // He
		}
		for k := range lay.W {
			lay.W[k] = T((2*rng.Float64() - 1) * limit)
			if lay.Mask != nil && !lay.Mask[k] {
				lay.W[k] = 0
			}
		}
		clear(lay.B)
		if scheme == InitAuto || scheme == InitGlorot {
			for k := range lay.B {
				lay.B[k] = T((2*rng.Float64() - 1) * glorot)
			}
		}
	}
}

// Layer returns layer l, for 1 ≤ l ≤ L: the layer numbers of the notation
// (layer 0 is the input x, which has no Layer), so code reads as the
// equations do. It is Layers[l-1].
func (net *Network[T]) Layer(l int) *Layer[T] { return net.Layers[l-1] }

// L returns the number of layers, L (the output layer's index).
func (net *Network[T]) L() int { return len(net.Layers) }

// Outputs returns n_L, the number of outputs.
func (net *Network[T]) Outputs() int {
	if len(net.Layers) == 0 {
		return net.Inputs
	}
	return net.Layer(net.L()).Out
}

// Validate checks that the network is well formed: shapes chain from the
// inputs to the outputs, the loss suits the output activation, every number is
// finite and every absent connection has weight 0. Its errors name the layer
// and the field.
func (net *Network[T]) Validate() error {
	if net.Inputs < 1 {
		return fmt.Errorf("inputs: %d, want at least 1", net.Inputs)
	}
	if net.Loss < 0 || int(net.Loss) >= len(lossNames) {
		return fmt.Errorf("loss: %v is not a loss", net.Loss)
	}
	if len(net.Layers) == 0 {
		return errors.New("layers: none, want at least 1")
	}
	in := net.Inputs
	for i, lay := range net.Layers {
		if err := lay.validate(in); err != nil {
			return fmt.Errorf("layer %d: %w", i+1, err)
		}
		in = lay.Out
	}
	out := net.Layer(net.L())
	if err := checkPair(out.Activation, net.Loss); err != nil {
		return fmt.Errorf("layer %d: %w", len(net.Layers), err)
	}
	return nil
}

func (lay *Layer[T]) validate(in int) error {
	if lay == nil {
		return errors.New("missing")
	}
	if lay.Activation < 0 || int(lay.Activation) >= len(activationNames) {
		return fmt.Errorf("activation: %v is not an activation", lay.Activation)
	}
	if lay.In != in {
		return fmt.Errorf("weights: %d columns, want %d (the outputs of the layer before)", lay.In, in)
	}
	if lay.Out < 1 {
		return fmt.Errorf("weights: %d rows, want at least 1", lay.Out)
	}
	if len(lay.W) != lay.Out*lay.In {
		return fmt.Errorf("weights: %d values, want %d×%d", len(lay.W), lay.Out, lay.In)
	}
	if lay.B != nil && len(lay.B) != lay.Out {
		return fmt.Errorf("bias: %d values, want %d", len(lay.B), lay.Out)
	}
	if lay.Mask != nil && len(lay.Mask) != len(lay.W) {
		return fmt.Errorf("mask: %d values, want %d×%d", len(lay.Mask), lay.Out, lay.In)
	}
	if s := float64(lay.Slope); math.IsNaN(s) || math.IsInf(s, 0) {
		return fmt.Errorf("slope: %v is not a finite number", s)
	}
	for k, w := range lay.W {
		if v := float64(w); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("weights[%d][%d]: %v is not a finite number", k/lay.In, k%lay.In, v)
		}
		if lay.Mask != nil && !lay.Mask[k] && w != 0 {
			return fmt.Errorf("weights[%d][%d]: %v where mask is 0 (an absent connection has weight 0)", k/lay.In, k%lay.In, float64(w))
		}
	}
	for i, b := range lay.B {
		if v := float64(b); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bias[%d]: %v is not a finite number", i, v)
		}
	}
	return nil
}

// Params returns the parameter vectors in a fixed order, W^1, b^1, W^2, b^2
// ... (a layer without bias contributes only W); Workspace.Grads returns the
// matching gradients. Optimizers update these slices in place.
func (net *Network[T]) Params() [][]T {
	var p [][]T
	for _, lay := range net.Layers {
		p = append(p, lay.W)
		if lay.B != nil {
			p = append(p, lay.B)
		}
	}
	return p
}

// Convert returns a copy of net in precision U.
func Convert[U, T Float](net *Network[T]) *Network[U] {
	out := &Network[U]{Inputs: net.Inputs, Loss: net.Loss, Extra: net.Extra}
	for _, lay := range net.Layers {
		out.Layers = append(out.Layers, &Layer[U]{
			Activation: lay.Activation, Slope: U(lay.Slope), In: lay.In, Out: lay.Out,
			W: convert[U](lay.W), B: convert[U](lay.B), Mask: clone(lay.Mask), Extra: lay.Extra,
		})
	}
	return out
}

// Clone returns a deep copy of net (Extra fields are shared: they are never
// modified in place).
func (net *Network[T]) Clone() *Network[T] { return Convert[T](net) }

func convert[U, T Float](s []T) []U {
	if s == nil {
		return nil
	}
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = U(v)
	}
	return out
}

func clone[E any](s []E) []E {
	if s == nil {
		return nil
	}
	return append([]E(nil), s...)
}
