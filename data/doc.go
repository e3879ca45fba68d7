// Package data loads the examples a network trains on: a [Dataset] is a
// matrix X of inputs and a matrix Y of targets, both float32 and row-major,
// one example a row.
//
// # Where data comes from
//
//   - [ReadCSV] reads a CSV file with a header row. One column is the target
//     (by default the last); every other column is a numeric feature.
//   - [ReadIDXImages], [ReadIDXLabels] and [LoadIDXDir] read the IDX format of
//     MNIST and Fashion-MNIST, gzip-compressed or plain.
//   - [Embedded] returns one of five small public sets built into the package
//     (see [EmbeddedNames]): digits, iris, wine, breast_cancer and diabetes.
//   - [Load] resolves a command-line --data argument to one of the above.
//   - [ScanCSV] and [ScanIDX] read a CSV file or an IDX directory too large
//     for memory once, into a [Table] that knows its columns, categories,
//     classes and the statistics of its training part, and whose
//     [Table.Reader] reads a part again a record at a time (train --stream).
//     Its parts come from a [HashSplit] of the record numbers.
//
// # Targets
//
// For classification, Classes holds the class names, Labels the class index of
// each row and Y the one-hot encoding of Labels (Outputs = len(Classes)), or,
// when asked for with [CSVOptions].Binary, a single 0/1 column for a
// two-class target. For regression, Classes and Labels are nil and Y holds the
// numeric target (Outputs = 1). [CSVOptions].Task says which; in auto mode the
// rule is documented at [TaskAuto].
//
// # Preparing data
//
// [Split] holds out a fraction of the rows, stratified by class if asked,
// deterministically from a seed. [FitScaler] learns a per-feature affine map
// from the training rows only, and [Scaler.Apply] applies it to any set, so
// the test rows never leak into the statistics. A Scaler has exported fields
// so that it can be stored with a model as JSON.
//
// # Errors
//
// Nothing a file contains makes this package panic. Errors say where and what:
//
//	digits.csv:17:4: "abc" is not a number (column "p3")
//
// Readers refuse inputs larger than documented limits ([MaxLineBytes],
// [MaxCSVBytes], [MaxIDXItems], [MaxIDXBytes]) before allocating for them.
// A streamed [Table] holds one record at a time: the limits on a whole
// file give way to [MaxStreamBytes], those on a line or an image stay.
package data
