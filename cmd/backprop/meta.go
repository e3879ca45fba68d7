package main

import (
	"encoding/json"
	"fmt"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/train"
)

// meta is what a trained model file carries beside the network, in the
// network's Extra fields: what the inputs are, what the outputs mean, how the
// inputs were scaled, and how it was trained.
type meta struct {
	Features []string     `json:"features,omitempty"`
	Target   string       `json:"target,omitempty"`
	Classes  []string     `json:"classes,omitempty"` // nil for regression
	Scaler   *data.Scaler `json:"scaler,omitempty"`
	Training *trainingLog `json:"training,omitempty"`
}

// trainingLog records how a model was trained. It holds no times, so that the
// same data, flags and seed give the same model file, byte for byte.
type trainingLog struct {
	Data    string         `json:"data"`
	Hidden  []int          `json:"hidden"`
	Config  train.Config   `json:"config"`
	History []historyEntry `json:"history"`
}

type historyEntry struct {
	Epoch int          `json:"epoch"`
	Alpha float64      `json:"alpha"`
	Train train.Score  `json:"train"`
	Val   *train.Score `json:"val,omitempty"`
}

var metaFields = []string{"features", "target", "classes", "scaler", "training"}

// setMeta stores m in the network's Extra fields.
func setMeta[T backprop.Float](net *backprop.Network[T], m *meta) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return err
	}
	if net.Extra == nil {
		net.Extra = map[string]json.RawMessage{}
	}
	for _, k := range metaFields {
		delete(net.Extra, k)
	}
	for k, v := range fields {
		net.Extra[k] = v
	}
	return nil
}

// getMeta reads the meta fields of a model file; a model without them (one
// written by hand) has none, and takes its inputs unscaled.
func getMeta[T backprop.Float](net *backprop.Network[T]) (*meta, error) {
	m := &meta{}
	fields := map[string]json.RawMessage{}
	for _, k := range metaFields {
		if v, ok := net.Extra[k]; ok {
			fields[k] = v
		}
	}
	raw, _ := json.Marshal(fields)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("model metadata: %v", err)
	}
	if m.Features != nil && len(m.Features) != net.Inputs {
		return nil, fmt.Errorf("model metadata: %d feature names for %d inputs", len(m.Features), net.Inputs)
	}
	if m.Classes != nil {
		if n := net.Outputs(); n != len(m.Classes) && !(n == 1 && len(m.Classes) == 2) {
			return nil, fmt.Errorf("model metadata: %d classes for %d outputs", len(m.Classes), n)
		}
	}
	if m.Scaler != nil {
		if err := m.Scaler.Check(net.Inputs); err != nil {
			return nil, fmt.Errorf("model metadata: scaler: %v", err)
		}
	}
	return m, nil
}
