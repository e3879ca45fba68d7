package backprop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/backprop-go/backprop/internal/inputfile"
)

// Model is a network with everything around it: the Pipeline that turns a
// raw record (the values of a data file's row) into the network's input x⁰
// and its output o into an answer, and the Provenance of the run that made
// it. It is what a model file holds; [Load] reads one and [Model.Save]
// writes one, and every verb of the backprop command reads and writes the
// same.
//
// A Model serves any number of goroutines at once: [Model.Predict] and
// [Model.Classify] take a workspace of their own from a pool for each call,
// and read Net and Pipeline without changing them. Do not change Net or
// Pipeline while they run. A Model must not be copied after first use.
type Model[T Float] struct {
	Net *Network[T]
	Pipeline
	// Provenance says how the model was made; nil when it is not known (a
	// file written by hand, an imported ONNX graph).
	Provenance *Provenance

	pool sync.Pool // *predictor[T]
}

// Pipeline is what turns a raw record into x⁰ and an output o into an
// answer.
//
// In the model file its fields are the top-level "features" (an array of
// objects, one per feature), "scaling", "target" and "classes". A feature
// object holds the feature's name and its transform (offset and scale, and
// optionally categories and a missing-value fill); a reader refuses a
// feature field it does not know rather than ignore it. "ignore",
// "unknown" and "missing" say how a data file's records are read.
type Pipeline struct {
	// Features are the fields of a raw record, in order: each gives one
	// input of x⁰, x⁰_j = (x_j − Offset_j)·Scale_j, or one per category (see
	// [Feature]). Nil means the record is x⁰ itself: no names, no scaling.
	Features []Feature
	// Scaling says how the offsets and scales were fitted: "standard"
	// (Offset the mean, Scale 1/std), "minmax" (Offset the minimum, Scale
	// 1/(max − min)) or "none"; "" when not known.
	Scaling string
	// Target names what the network predicts ("" when not known). A
	// regression model predicts in the target's own units (the
	// standardisation of the target during training is folded into the
	// output layer).
	Target string
	// Classes labels the classes of a classifier: one per output, or two
	// for a single sigmoid output, which is then p(Classes[1]). Nil for
	// regression, and for a classifier whose classes are known by index
	// only (see [Model.Label]).
	Classes []string
	// Ignore names the columns of a data file that are neither features nor
	// the target (an id, a note): readers of a table pass over them. Nil
	// when there are none.
	Ignore []string
	// Unknown says what a category not seen in training becomes: "" (an
	// error) or "ignore" (all zeros).
	Unknown string
	// Missing says how a missing value of the data is handled: "" (an
	// error), "drop" (a record with one is left out as the data is read) or
	// "mean" (each feature's Fill: the training part's mean, or its most
	// frequent category).
	Missing string
}

// Feature is one field of a raw record and how it becomes input(s) of x⁰.
//
// A numeric feature gives one input, x⁰_j = (x_j − Offset)·Scale. A
// categorical feature (Categories not nil) gives one input per category,
// one-hot: its raw value is the index of the category (see
// [Pipeline.Record], which reads the category's name), and an unknown
// category (index −1, where the pipeline's Unknown is "ignore") gives all
// zeros. A missing value is NaN in the raw record; Fill, when set,
// replaces it (a numeric feature's value in the feature's units, or a
// categorical feature's category index), else it is an error.
type Feature struct {
	Name string `json:"name"`
	// x⁰_j = (x_j − Offset)·Scale, computed in float64; 0 and 1 for a
	// categorical feature.
	Offset float64 `json:"offset"`
	Scale  float64 `json:"scale"`
	// Categories are the categories of a categorical feature, in the order
	// of its inputs; nil for a numeric feature.
	Categories []string `json:"categories,omitempty"`
	// Fill is the value a missing one becomes; nil when a missing value is
	// an error.
	Fill *float64 `json:"fill,omitempty"`
}

// UnmarshalJSON reads a feature object of a model file: name, offset and
// scale present (a missing scale is not taken as 0), categories and fill
// optional, no field unknown.
func (f *Feature) UnmarshalJSON(data []byte) error {
	var v struct {
		Name          *string
		Offset, Scale *float64
		Categories    []string
		Fill          *float64
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	if v.Name == nil || v.Offset == nil || v.Scale == nil {
		return errors.New(`a feature needs "name", "offset" and "scale"`)
	}
	f.Name, f.Offset, f.Scale, f.Categories, f.Fill = *v.Name, *v.Offset, *v.Scale, v.Categories, v.Fill
	return nil
}

// String formats the feature as {name offset scale}, with its categories
// and fill when it has them.
func (f Feature) String() string {
	s := fmt.Sprintf("{%s %v %v", f.Name, f.Offset, f.Scale)
	if f.Categories != nil {
		s += fmt.Sprintf(" categories %q", f.Categories)
	}
	if f.Fill != nil {
		s += fmt.Sprintf(" fill %v", *f.Fill)
	}
	return s + "}"
}

// Apply returns the input x⁰_j that the raw value v of a numeric feature
// gives, (v − Offset)·Scale.
func (f *Feature) Apply(v float64) float64 { return (v - f.Offset) * f.Scale }

// Width is the number of inputs of x⁰ the feature gives: its number of
// categories, or 1 for a numeric feature.
func (f *Feature) Width() int {
	if f.Categories != nil {
		return len(f.Categories)
	}
	return 1
}

// MaxCategories is the most categories a categorical feature may have.
const MaxCategories = 1 << 10

// Width is the number of inputs of x⁰ a record gives: the sum of the
// features' widths (0 when there are no features: then x⁰ is the record).
func (p *Pipeline) Width() int {
	n := 0
	for j := range p.Features {
		n += p.Features[j].Width()
	}
	return n
}

// Encoded reports whether the pipeline does more than scale: a categorical
// feature or a missing-value fill.
func (p *Pipeline) Encoded() bool {
	for _, f := range p.Features {
		if f.Categories != nil || f.Fill != nil {
			return true
		}
	}
	return false
}

// Record returns the raw record of fields, one string per feature as in a
// data file: a numeric feature's number, a categorical feature's index of
// the category named, NaN for a missing value (an empty field). An unknown
// category is an error naming the feature and the value, or −1 when
// Unknown is "ignore". The result is dst[:len(Features)] when dst has room.
func (p *Pipeline) Record(dst []float64, fields []string) ([]float64, error) {
	if len(fields) != len(p.Features) {
		return nil, fmt.Errorf("record: %d fields, want one per feature (%d)", len(fields), len(p.Features))
	}
	if cap(dst) < len(fields) {
		dst = make([]float64, len(fields))
	}
	dst = dst[:len(fields)]
	for j, s := range fields {
		f := &p.Features[j]
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			dst[j] = math.NaN()
		case f.Categories != nil:
			k := slices.Index(f.Categories, s)
			if k < 0 && p.Unknown != UnknownIgnore {
				return nil, fmt.Errorf("feature %q: unknown category %q (not seen in training; known: %s)", f.Name, s, strings.Join(f.Categories, ", "))
			}
			dst[j] = float64(k)
		default:
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || !finite(v) {
				return nil, fmt.Errorf("feature %q: %q is not a finite number", f.Name, s)
			}
			dst[j] = v
		}
	}
	return dst, nil
}

// UnknownIgnore is the Pipeline's Unknown that encodes a category not seen
// in training as all zeros.
const UnknownIgnore = "ignore"

// CheckRecords reports whether x holds whole records that the pipeline can
// encode: a categorical feature's value a category index (or −1 when Unknown
// is "ignore"), and a missing value (NaN) only where the feature has a
// Fill.
func (p *Pipeline) CheckRecords(x []float64) error {
	n := len(p.Features)
	if n == 0 {
		return nil
	}
	if len(x)%n != 0 {
		return fmt.Errorf("%d values are not whole records of %d features", len(x), n)
	}
	for i, v := range x {
		f := &p.Features[i%n]
		switch {
		case math.IsNaN(v):
			if f.Fill == nil {
				return fmt.Errorf("record %d: feature %q is missing (NaN) and the model has no fill for it", i/n+1, f.Name)
			}
		case f.Categories != nil:
			if v != math.Trunc(v) || v >= float64(len(f.Categories)) || v < -1 || v == -1 && p.Unknown != UnknownIgnore {
				return fmt.Errorf("record %d: feature %q: %v is not a category index (0 to %d)", i/n+1, f.Name, v, len(f.Categories)-1)
			}
		}
	}
	return nil
}

// Provenance is how a model was made: from which data, split how, with
// which flags, and how the training went.
type Provenance struct {
	// Data is where the training data came from (a file, directory or
	// embedded set, as given to train).
	Data string `json:"data,omitempty"`
	// Fingerprint identifies the training data's rows, whatever file holds
	// them: "sha256:" and 64 hex digits (see data.Fingerprint).
	Fingerprint string `json:"fingerprint,omitempty"`
	// Split is how the data was divided into training, validation and test
	// parts; nil when not known.
	Split *Split `json:"split,omitempty"`
	// Flags holds the value of every option of the run, by name.
	Flags map[string]string `json:"flags,omitempty"`
	// Config and History are the trainer's configuration and per-epoch
	// history, as package train writes them (train.Config, []train.Epoch).
	Config  json.RawMessage `json:"config,omitempty"`
	History json.RawMessage `json:"history,omitempty"`
}

// Split is how the training data was divided: the test part first, Test of
// the rows (stratified by class when Stratified) drawn with Seed, then the
// validation part, Val of the rest, drawn with Seed+1; the remainder trained
// the network. A test or validation part that came from a file of its own
// has fraction 0 and names the file in TestData or ValData.
//
// Hashed (a run that streamed its data, train --stream) says that each
// record's part was drawn from a hash of Seed and its record number instead
// (data.HashSplit): the parts hold their fractions in expectation, not
// stratified.
type Split struct {
	Seed       uint64  `json:"seed"`
	Test       float64 `json:"test"`
	Val        float64 `json:"val"`
	Stratified bool    `json:"stratified,omitempty"`
	Hashed     bool    `json:"hashed,omitempty"`
	TestData   string  `json:"test_data,omitempty"`
	ValData    string  `json:"val_data,omitempty"`
}

// pipelineFields are the top-level fields of a model file the Pipeline and
// Provenance own, those of today's format and those of the files of
// backprop-model/1 ("scaler", "training", and "features" as names), which
// the reader converts.
var pipelineFields = []string{"features", "scaling", "target", "classes", "ignore", "unknown", "missing", "provenance", "scaler", "training"}

// NewModel returns the model of net with pipeline p, after checking that p
// fits the network.
func NewModel[T Float](net *Network[T], p Pipeline) (*Model[T], error) {
	m := &Model[T]{Net: net, Pipeline: p}
	if err := m.Check(); err != nil {
		return nil, err
	}
	return m, nil
}

// Check reports whether the pipeline fits the network: one feature per
// input, unique names, finite offsets and scales, a known scaling, and
// classes that the output layer gives probabilities for.
func (m *Model[T]) Check() error {
	if m.Net == nil {
		return errors.New("model: no network")
	}
	if err := m.Net.Validate(); err != nil {
		return err
	}
	p := &m.Pipeline
	width := 0
	for j, f := range p.Features {
		if err := f.check(); err != nil {
			return fmt.Errorf("features[%d] %q: %v", j, f.Name, err)
		}
		width += f.Width()
	}
	if p.Features != nil && width != m.Net.Inputs {
		if width == len(p.Features) {
			return fmt.Errorf("features: %d, want %d (one per input of the network)", width, m.Net.Inputs)
		}
		return fmt.Errorf("features: %d inputs, want %d (one per input of the network; a categorical feature gives one per category)", width, m.Net.Inputs)
	}
	switch p.Unknown {
	case "", UnknownIgnore:
	default:
		return fmt.Errorf("unknown: %q, want \"ignore\" or nothing", p.Unknown)
	}
	switch p.Missing {
	case "", "drop", "mean":
	default:
		return fmt.Errorf("missing: %q, want drop, mean or nothing", p.Missing)
	}
	seen := map[string]bool{}
	for j, f := range p.Features {
		switch {
		case f.Name == "":
			return fmt.Errorf("features[%d]: no name", j)
		case seen[f.Name]:
			return fmt.Errorf("features[%d]: %q appears twice", j, f.Name)
		case !finite(f.Offset) || !finite(f.Scale):
			return fmt.Errorf("features[%d] %q: offset %v, scale %v, want finite numbers", j, f.Name, f.Offset, f.Scale)
		}
		seen[f.Name] = true
	}
	for k, s := range p.Ignore {
		switch {
		case s == "":
			return fmt.Errorf("ignore[%d]: no name", k)
		case seen[s]:
			return fmt.Errorf("ignore[%d]: %q is a feature or appears twice", k, s)
		case s == p.Target:
			return fmt.Errorf("ignore[%d]: %q is the target", k, s)
		}
		seen[s] = true
	}
	switch p.Scaling {
	case "", "standard", "minmax", "none":
	default:
		return fmt.Errorf("scaling: %q, want standard, minmax or none", p.Scaling)
	}
	if p.Classes == nil {
		return nil
	}
	out := m.Net.Layers[m.Net.L()-1] // Validate: at least one layer
	n := out.Out
	switch {
	case n == 1 && len(p.Classes) != 2:
		return fmt.Errorf("classes: %d for one output, want 2 (the output is p(classes[1]))", len(p.Classes))
	case n > 1 && len(p.Classes) != n:
		return fmt.Errorf("classes: %d for %d outputs, want one per output", len(p.Classes), n)
	case out.Activation != Softmax && out.Activation != Sigmoid:
		return fmt.Errorf("classes: the output layer is %s, want softmax or sigmoid (class probabilities)", out.Activation)
	}
	seen = map[string]bool{}
	for k, c := range p.Classes {
		if seen[c] {
			return fmt.Errorf("classes[%d]: %q appears twice", k, c)
		}
		seen[c] = true
	}
	return nil
}

// check refuses categories that are too many, empty or repeated, and a
// fill that is not finite or not a category index.
func (f *Feature) check() error {
	if f.Categories != nil {
		switch {
		case len(f.Categories) == 0:
			return errors.New("no categories")
		case len(f.Categories) > MaxCategories:
			return fmt.Errorf("%d categories, more than the limit of %d (MaxCategories)", len(f.Categories), MaxCategories)
		}
		seen := make(map[string]bool, len(f.Categories))
		for k, c := range f.Categories {
			if c == "" || seen[c] {
				return fmt.Errorf("categories[%d]: %q is empty or appears twice", k, c)
			}
			seen[c] = true
		}
	}
	if f.Fill != nil {
		v := *f.Fill
		if !finite(v) || f.Categories != nil && (v != math.Trunc(v) || v < 0 || v >= float64(len(f.Categories))) {
			return fmt.Errorf("fill %v: want a finite number (a category index for a categorical feature)", v)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Classifier reports whether the model answers with classes: it has class
// labels, or a loss other than squared.
func (m *Model[T]) Classifier() bool { return m.Classes != nil || m.Net.Loss != Squared }

// Labels returns the names of the classes: Classes, or the class indices
// "0", "1" ... when the model has none (at least two). It returns nil for a
// regression model.
func (m *Model[T]) Labels() []string {
	if !m.Classifier() {
		return nil
	}
	if m.Classes != nil {
		return m.Classes
	}
	names := make([]string, max(m.Net.Outputs(), 2))
	for k := range names {
		names[k] = strconv.Itoa(k)
	}
	return names
}

// Label returns the name of class k.
func (m *Model[T]) Label(k int) string {
	if m.Classes != nil {
		return m.Classes[k]
	}
	return strconv.Itoa(k)
}

// Class returns the index of the class named name (a label, or an index
// when the model has no labels).
func (m *Model[T]) Class(name string) (int, error) {
	labels := m.Labels()
	if labels == nil {
		return 0, errors.New("a regression model has no classes")
	}
	if k := slices.Index(labels, name); k >= 0 {
		return k, nil
	}
	return 0, fmt.Errorf("unknown class %q (want %s)", name, strings.Join(labels, ", "))
}

// FeatureNames returns the names of the features, or nil when the model has
// none.
func (m *Model[T]) FeatureNames() []string {
	if m.Features == nil {
		return nil
	}
	names := make([]string, len(m.Features))
	for j, f := range m.Features {
		names[j] = f.Name
	}
	return names
}

// Encode writes x⁰ for the raw records x (whole records of one value per
// feature, as in the data file; see [Feature]) into dst (Width() values per
// record, or len(x) when the pipeline has no features) and returns it: each
// numeric feature scaled, each categorical one one-hot, a missing value
// (NaN) replaced by the feature's Fill first. Check the records first (see
// [Pipeline.CheckRecords]): an index out of range gives all zeros, a NaN
// without a fill stays NaN.
func Encode[T Float, S Float](p *Pipeline, dst []T, x []S) []T {
	if p.Features == nil {
		dst = dst[:len(x)]
		for i, v := range x {
			dst[i] = T(v)
		}
		return dst
	}
	n, w := len(p.Features), p.Width()
	dst = dst[:len(x)/n*w]
	for r, o := 0, 0; r+n <= len(x); r, o = r+n, o+w {
		k := o
		for j := range p.Features {
			f := &p.Features[j]
			v := float64(x[r+j])
			if math.IsNaN(v) && f.Fill != nil {
				v = *f.Fill
			}
			if f.Categories == nil {
				dst[k] = T(f.Apply(v))
				k++
				continue
			}
			for c := range f.Categories {
				dst[k+c] = 0
			}
			if c := int(v); v >= 0 && c < len(f.Categories) {
				dst[k+c] = 1
			}
			k += len(f.Categories)
		}
	}
	return dst
}

// ModelOf returns the model of a network read from a model file: its
// pipeline and provenance from the network's Extra fields, which it
// removes. Files of backprop-model/1 (features as names, "scaler",
// "training") are converted.
func ModelOf[T Float](net *Network[T]) (*Model[T], error) {
	m := &Model[T]{Net: net}
	extra := cloneExtra(net.Extra)
	take := func(name string, v any) error {
		raw, ok := extra[name]
		if !ok {
			return nil
		}
		delete(extra, name)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %v%s", name, typeError(err), newer(err))
		}
		return nil
	}
	var features json.RawMessage
	var scaler *legacyScaler
	var training *legacyTraining
	for _, f := range []struct {
		name string
		v    any
	}{{"features", &features}, {"scaling", &m.Scaling}, {"target", &m.Target}, {"classes", &m.Classes},
		{"ignore", &m.Ignore}, {"unknown", &m.Unknown}, {"missing", &m.Missing}, {"provenance", &m.Provenance}, {"scaler", &scaler}, {"training", &training}} {
		if err := take(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if len(features) > 0 {
		var names []string
		if json.Unmarshal(features, &names) == nil { // backprop-model/1: names; the scaling is in "scaler"
			if names != nil {
				m.Features = make([]Feature, len(names))
				for j, name := range names {
					m.Features[j] = Feature{Name: name, Scale: 1}
				}
			}
		} else {
			dec := json.NewDecoder(bytes.NewReader(features))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m.Features); err != nil {
				return nil, fmt.Errorf("features: %v%s", typeError(err), newer(err))
			}
		}
	}
	if scaler != nil {
		if err := scaler.convert(&m.Pipeline, net.Inputs); err != nil {
			return nil, fmt.Errorf("scaler: %v (the file of format backprop-model/1 is damaged: train the model again)", err)
		}
	}
	if training != nil && m.Provenance == nil {
		m.Provenance = training.convert()
	}
	if pr := m.Provenance; pr != nil { // as written, whatever the file's indentation
		pr.Config, pr.History = compact(pr.Config), compact(pr.History)
	}
	if len(extra) == 0 {
		extra = nil
	}
	net.Extra = extra
	if err := m.Check(); err != nil {
		return nil, err
	}
	return m, nil
}

// newer adds a hint to an unknown-field error: the file may come from a
// newer version.
func newer(err error) string {
	if strings.Contains(err.Error(), "unknown field") {
		return " (a field this version does not know: was the file written by a newer backprop? read it with that version)"
	}
	return ""
}

// cloneExtra returns a copy of m, never nil.
func cloneExtra(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// legacyScaler is the "scaler" field of backprop-model/1: x'_j =
// (x_j − Offset[j])·Scale[j], or nothing for kind "none".
type legacyScaler struct {
	Kind   string    `json:"kind"`
	Offset []float64 `json:"offset,omitempty"`
	Scale  []float64 `json:"scale,omitempty"`
}

// convert moves the scaler into the features of p (named "x1", "x2" ...
// when the file had no names).
func (s *legacyScaler) convert(p *Pipeline, inputs int) error {
	switch s.Kind {
	case "none":
		if len(s.Offset) != 0 || len(s.Scale) != 0 {
			return fmt.Errorf("scaling %q has offsets or scales", s.Kind)
		}
	case "standard", "minmax":
		if len(s.Offset) != inputs || len(s.Scale) != inputs {
			return fmt.Errorf("%d offsets and %d scales, want one for each of %d inputs", len(s.Offset), len(s.Scale), inputs)
		}
	default:
		return fmt.Errorf("unknown scaling %q (want standard, minmax, none)", s.Kind)
	}
	p.Scaling = s.Kind
	if s.Kind == "none" {
		return nil // the features, if named, already have offset 0 and scale 1
	}
	if p.Features == nil {
		p.Features = make([]Feature, inputs)
		for j := range p.Features {
			p.Features[j] = Feature{Name: "x" + strconv.Itoa(j+1), Scale: 1}
		}
	}
	if len(p.Features) != inputs {
		return fmt.Errorf("%d features for %d inputs", len(p.Features), inputs)
	}
	for j := range p.Features {
		p.Features[j].Offset, p.Features[j].Scale = s.Offset[j], s.Scale[j]
	}
	return nil
}

// legacyTraining is the "training" field of backprop-model/1.
type legacyTraining struct {
	Data    string          `json:"data"`
	Hidden  []int           `json:"hidden"`
	Config  json.RawMessage `json:"config"`
	History json.RawMessage `json:"history"`
}

func (t *legacyTraining) convert() *Provenance {
	widths := make([]string, len(t.Hidden))
	for i, n := range t.Hidden {
		widths[i] = strconv.Itoa(n)
	}
	return &Provenance{Data: t.Data, Flags: map[string]string{"hidden": strings.Join(widths, ",")},
		Config: t.Config, History: t.History}
}

// Marshal returns the model file: the network's (see [Network.MarshalModel])
// with the pipeline and provenance as top-level fields.
func (m *Model[T]) Marshal() ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	extra := cloneExtra(m.Net.Extra)
	for _, k := range pipelineFields {
		delete(extra, k)
	}
	put := func(name string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("backprop: writing model: %s: %w", name, err)
		}
		extra[name] = raw
		return nil
	}
	p := &m.Pipeline
	for _, f := range []struct {
		name string
		v    any
		set  bool
	}{{"features", p.Features, p.Features != nil}, {"scaling", p.Scaling, p.Scaling != ""},
		{"target", p.Target, p.Target != ""}, {"classes", p.Classes, p.Classes != nil},
		{"ignore", p.Ignore, p.Ignore != nil}, {"unknown", p.Unknown, p.Unknown != ""},
		{"missing", p.Missing, p.Missing != ""},
		{"provenance", m.Provenance, m.Provenance != nil}} {
		if !f.set {
			continue
		}
		if err := put(f.name, f.v); err != nil {
			return nil, err
		}
	}
	net := *m.Net
	net.Extra = extra
	return net.MarshalModel()
}

// Write writes the model file to w.
func (m *Model[T]) Write(w io.Writer) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Save writes the model file to path atomically (a temporary file in the
// same directory, synced, then renamed over path): a crash never leaves a
// half-written model.
func (m *Model[T]) Save(path string) error {
	data, err := m.Marshal()
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, data)
}

// Read reads a model file: the network, validated as [ReadModel] does, and
// its pipeline and provenance (see [ModelOf]).
func Read[T Float](r io.Reader) (*Model[T], error) {
	net, err := ReadModel[T](r)
	if err != nil {
		return nil, err
	}
	return ModelOf(net)
}

// Load reads the model file at path, as Read; its errors start with the
// path.
func Load[T Float](path string) (*Model[T], error) {
	f, err := inputfile.Open(path, MaxModelBytes, "MaxModelBytes") // by stat; no device, pipe or directory
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Read[T](f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(raw) == 0 || json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
