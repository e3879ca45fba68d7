// Package backprop trains feed-forward neural networks by backpropagation,
// exactly as the derivation states it, in float64 or float32 from one engine.
//
// # Notation
//
// The code follows the notation of docs/notation.md and cites its equation
// numbers. Layers are numbered l = 0 … L: layer 0
// is the input x, layer L the output o. Layer l has n_l neurons, a weight
// matrix W^l (n_l × n_(l-1)) whose entry w^l_ij connects neuron j of layer l-1
// to neuron i of layer l, and optionally a bias b^l, the weights w^l_i0 on a
// constant input a^(l-1)_0 = 1. The forward pass computes, layer by layer,
//
//	z^l = W^l a^(l-1) + b^l      (net input)
//	a^l = f_l(z^l)               (activation), a^0 = x, o = a^L
//
// The error over examples is E = Σ J(y, o). The delta of neuron i of layer l
// is δ^l_i = ∂E/∂z^l_i. At the output, δ^L = J_f(z^L)ᵀ ∇_o J, which for the
// matched pairs (identity + squared, sigmoid + log, softmax + cross-entropy)
// collapses to δ^L = o − y. The delta rule carries it back:
//
//	δ^l = f_l'(z^l) ⊙ (W^(l+1))ᵀ δ^(l+1)
//
// and every gradient is ∂E/∂w^l_ij = δ^l_i a^(l-1)_j, ∂E/∂b^l_i = δ^l_i. A
// gradient-descent step is w ← w − α ∂E/∂w.
//
// # The engine
//
// A Network holds the layers; Layer(l) is layer l (Layers[l-1]). A Workspace holds every
// buffer of a pass over a batch (one example per row), indexed by l, so
// ws.A[0] is x and ws.A[L] is o. Forward, Backward, Gradient and Step never
// allocate. Backward returns E as the SUM over the batch and sums the
// gradients; the train package averages instead (a step of α/n). Gradient is
// Backward without computing E, for a loop that does not need the loss every
// step.
//
// A layer may leave connections out with a Mask: an absent connection has
// weight 0 forever, gets no gradient and is never updated. Pairs of output
// activation and loss for which the loss is undefined (a log loss on an
// output that is not a probability) are refused by Validate, which New and the
// model readers call.
//
// # Models
//
// A Model is a network with its pipeline: the features of a raw record (a
// row of the data file, named) and the transform of each into the input x,
// x_j = (raw_j − Offset_j)·Scale_j; the class labels of the outputs, or the
// target a regression model predicts; and the provenance of the run that
// made it (the data's fingerprint, how it was split, the flags, the
// history). Load and Model.Save read and write it, the format every verb of
// the backprop command reads and writes. Predict and Classify run it on raw
// records, from any number of goroutines at once (each call takes a
// workspace of its own from a pool), and allocate nothing given buffers with
// room:
//
//	m, err := backprop.Load[float32]("iris.json")
//	k, err := m.Classify(nil, []float64{5.1, 3.5, 1.4, 0.2}) // m.Label(k[0]) is "setosa"
//
// Model files are JSON (see ReadModel); Save writes them atomically.
// MarshalModel ends each file with a "checksum" field, "sha256:" and the
// SHA-256 of the file's compact form without that field; ReadModel refuses a
// file that does not match it ("checksum mismatch: the file was changed or
// damaged after it was written") and reads files without one as they are.
//
// # Limits
//
// Every size that input decides — a file, a flag, a header's claim — is
// checked against a budget before anything is allocated for it, and refused
// with one line naming the limit and the flag, field or file that exceeds
// it. Files are checked by their size (stat) before they are read, then read
// through a limited reader; a directory, device, pipe or socket given as an
// input is refused (a state.json linked to /dev/zero is not read). This is
// the one list of the budgets (README.md's "Limits" repeats it):
//
//	MaxModelBytes         1 GiB    a model file (also onnx.MaxModelBytes: an ONNX file)
//	MaxLayerParams        2^28     parameters of one layer, n_l × n_(l-1): files, --hidden, ONNX
//	MaxParams             2^26     parameters of a whole network: files, --hidden, ONNX
//	MaxLayers             16384    layers of a model file or an ONNX graph
//	fields                4096     fields of one JSON object of a model file
//	MaxGradCheckWork      2^29     gradcheck: parameters² × examples
//	MaxExplainWork        2^17     explain: parameters × examples
//	explain.MaxClaimsBytes 4 MiB   a claims file of explain --check
//	MaxTrainBytes         256 MiB  train: weights, gradients, optimizer state, best weights, workspaces
//	data.MaxCSVBytes      1 GiB    a CSV file read into memory (--data, --val, --test); a larger one streams
//	data.MaxStreamBytes   1 PiB    a file read by streaming (train --stream): one record in memory at a time
//	data.MaxNameBytes     64 MiB   distinct category and class names the first pass of a streamed file keeps
//	data.MaxLineBytes     1 MiB    a line of a CSV file
//	data.MaxClasses       1024     classes of a target, or outputs of a classifier (evaluate, predict)
//	train.MaxConfusionClasses 1024 classes of train.Evaluate's confusion matrix (above it, per-class metrics only)
//	data.MaxOneHot        2^25     one-hot values, rows × classes of a target, rows × categories of the features
//	MaxCategories         1024     categories of a categorical feature (a CSV column, a model file)
//	data.MaxIDXItems      2^20     images or labels of an IDX file
//	data.MaxIDXBytes      2^26     pixels of an IDX file, and of a directory's two image files together
//	plot.MaxClasses       100      classes of a confusion matrix evaluate --plot draws
//	--epochs              100000   epochs of a run (one history entry each)
//	--hidden              65536    the width of a hidden layer given as a flag
//	checkpoint            8 GiB    a checkpoint file (train --resume)
//
// A weight row is decoded a value at a time and refused once it is longer
// than the layer's inputs; an ONNX graph's input width is believed only once
// the first layer's weights (which the file must hold) confirm it, so a
// scalar Sub or Mul broadcast to a claimed width costs nothing. Whatever a
// file claims, reading it costs memory in proportion to its size.
package backprop
