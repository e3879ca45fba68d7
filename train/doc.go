// Package train trains a backprop network by gradient descent: it feeds the
// examples of a training set to the engine's forward and backward passes in
// the order of a mode, turns the gradients into updates with an optimizer,
// and records the loss and metrics of every epoch.
//
// # Data
//
// A [Set] is two row-major matrices, X (N×n_0 inputs) and Y (N×n_L
// targets), so this package depends on nothing but the engine. A
// data.Dataset converts as Set[float32]{X: d.X, Y: d.Y, N: d.N}.
//
// Data larger than memory is a [Source], read one example at a time and
// pass after pass (package data's Table reads a CSV file or an IDX
// directory so): [TrainSource] trains from it through a seeded shuffle
// buffer of Config.Shuffle examples, and [EvaluateSource] scores it, in
// memory that does not grow with the data.
//
// # Modes (docs/notation.md, "Gradients and the update")
//
//   - [Batch]: one step per epoch on the whole training set;
//   - [Stochastic] (SGD): one step per example, in shuffled order;
//   - [MiniBatch]: one step per b = Config.Batch examples, shuffled every
//     epoch (the default, with b = 32).
//
// The shuffling comes from Config.Seed (a PCG generator of math/rand/v2):
// the same network, data, configuration and seed give bit-identical weights.
//
// # Averaging
//
// The engine's Backward returns the error of a batch as a sum,
// E = Σ_r J(y_r, o_r), and sums the gradients. The trainer averages: an
// optimizer sees the mean gradient g = (1/n) ∂E/∂w of the n examples of the
// step, so a plain gradient-descent step is w ← w − (α/n) ∂E/∂w, and α means
// the same for any batch size. Losses are reported as means per example.
//
// # Optimizers, weight decay, schedules
//
// [SGD], [Momentum], [Nesterov] and [Adam] update the slices of
// Network.Params from those of Workspace.Grads (same order), with state
// allocated once. L2 weight decay ([Config].L2) and the L1 penalty
// ([Config].L1) apply to the weights W^l, never to the biases b^l. The
// learning rate follows a [Schedule]: constant, step decay or cosine;
// [Config.Rate] gives α of any epoch. Absent
// connections (Layer.Mask) have w = 0 and ∂E/∂w = 0, so every optimizer and
// the penalties keep them at exactly 0.
//
// # Validation and early stopping
//
// Given a validation set, [Train] scores it after every epoch, keeps a copy of
// the weights with the lowest validation loss and ends with them; with
// Config.Patience > 0 it stops after that many epochs without improvement.
//
// # Defaults that adapt to the data
//
// [Fit] is for when the caller has not said how long to train (the
// defaults of backprop train): k = 5-fold cross-validation of the training
// set (stratified by class; one hold-out of a tenth above [FitCVRows] rows)
// finds each fold's epoch of the lowest validation loss, the median of them
// is the epoch count, and then the network trains on all the rows for that
// many epochs. The batch ([FitBatch]), the weight decay λ = 10/N ([FitL2])
// and the cap on the epochs ([FitEpochs]) follow from the size N. The
// [Plan] says what was chosen and gives the cross-validated score.
//
// # Failures
//
// Train stops with a *[DivergedError] when the loss or a weight becomes NaN or
// infinite ("loss became NaN at epoch 3, step 120: lower the learning rate
// (now 0.5)") and restores the best finite state the run had — the lowest
// validation loss, or without a validation set the lowest training loss
// after an epoch — never one worse than the initial weights
// ([Result].Kept names the epoch); it stops after the current step when its
// context is cancelled. A step allocates nothing: the batch is
// gathered into buffers allocated once, and [Config].OnStep can drive a
// progress bar at no cost.
//
// # Checkpoints
//
// [Config].OnCheckpoint receives a [State] every CheckpointEvery epochs:
// the optimizer's state, the shuffling generator, the best weights, the
// patience counter and the history. Save it with the network's weights;
// Train with [Config].Resume set to it, on a network holding those weights,
// continues to the same weights, bit for bit, as the uninterrupted run.
//
// # Metrics
//
// Every [Epoch] records the mean loss and accuracy (classification) or MSE
// and R² (regression) on the training and validation sets; [WriteHistoryCSV]
// writes a history as CSV, and an Epoch marshals to JSON. [Evaluate] scores a
// network on a set, with a confusion matrix and per-class precision, recall
// and F1 for classification.
package train
