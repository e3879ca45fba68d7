// Package explain shows one step of backpropagation number by number: for a
// network, a batch of examples and a learning rate, it runs one gradient step
// with the engine that trains (package backprop, in float64) and writes every
// number of it the way a worked example in a textbook does.
//
// Step runs the step and returns a Trace, which holds what the engine's
// Workspace computed: the net inputs z, activations a and deltas δ of every
// layer and example, the gradients ∂E/∂W and ∂E/∂b summed over the examples,
// the weights after the step and the outputs they give. There is no second,
// "teaching" implementation that could drift from the real one. The error
// is E = Σ_r J(y_r, o_r), the sum (not the mean) of the examples' losses.
//
// A Trace is written in these forms:
//
//   - WriteText: plain text of at most 100 columns, for a terminal. It walks
//     the step as the article's worked example does: the forward pass with
//     each neuron's weighted sum written out, the loss of each example and
//     their sum E, the output deltas (δ = o − y for the matched pairs
//     identity + squared, sigmoid + log and softmax + cross-entropy, and the
//     chain rule or the softmax Jacobian for the others), the delta rule
//     back through the hidden layers, a table of every weight's gradient and
//     update, and the outputs after the step.
//   - WriteMarkdown: the same as a Markdown document with LaTeX math and
//     the picture of WriteSVG embedded, to hand out.
//   - WriteSVG, and WritePNG of package explain/raster (a package of its
//     own, so that gonum/plot is linked only where PNG images are drawn): a
//     picture of the network as the article draws it: neurons in columns
//     with their z, a and δ, the connections that exist with their weights
//     before → after the step (line width by |w|, blue for w > 0, red for
//     w < 0). A network with a layer wider than 10
//     neurons is summarised as heat maps of W, the update, δ and a.
//   - WriteJSON: the numbers, in the shape of the "expected" field of the
//     reference cases (loss, layers with z, a, delta, grad_weights,
//     grad_bias, weights_after, bias_after, and output_after).
//
// # Notation
//
// The notation is that of docs/notation.md, whose equation numbers the text cites. Layers are numbered l = 0 … L: layer 0 is
// the input x, layer L the output o. The text names neuron i of layer l (both
// counted from 1) as
//
//	a2_1   its activation a^l_i (a0_j is the input x_j, aL_k the output o_k)
//	z2_1   its net input, z^l_i = Σ_j w^l_ij·a^(l-1)_j + w^l_i0·1
//	δ2_1   its delta, δ^l_i = ∂E/∂z^l_i
//	w2_13  the weight w^l_ij from neuron j of layer l-1 to neuron i of layer l
//	       (w2_1,13 when an index has two digits)
//	w2_10  the bias of neuron i: the weight w^l_i0 on a constant input 1
//
// and the Markdown as a^{2}_{1}, z^{2}_{1}, \delta^{2}_{1}, w^{2}_{13}.
// Connections a layer's mask leaves out are left out of every sum and get
// no gradient. Numbers are shown with 6 significant digits.
//
// Article returns the worked example of docs/notation.md; the text of its step also
// explains why the published article reports 0.7043 after the step where
// the exact value is 0.698076.
package explain
