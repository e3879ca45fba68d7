package serve

import (
	"math"
	"time"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/train"
)

// What the page draws: a session's state, its network, its data and the
// output maps over the plane.

// finite returns v, or -1 for NaN and infinities (JSON has no NaN).
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return -1
	}
	return v
}

// state is the answer to GET .../state: everything the page draws.
type state struct {
	ID        string         `json:"id"`
	Config    Config         `json:"config"`
	Task      string         `json:"task"` // classification or regression
	Epoch     int            `json:"epoch"`
	Steps     int            `json:"total_steps"`
	TrainLoss float64        `json:"train_loss"`
	TestLoss  float64        `json:"test_loss"`
	Diverged  string         `json:"diverged,omitempty"`
	History   []historyPoint `json:"history"`
	Network   netJSON        `json:"network"`
	Boundary  *grid          `json:"boundary,omitempty"`
	Neurons   []neuronMap    `json:"neurons,omitempty"`
	Data      *dataJSON      `json:"data,omitempty"`
	Inputs    []string       `json:"inputs"`          // the names of the network's inputs
	Table     *tableJSON     `json:"table,omitempty"` // the table trained on (dataset csv)
	// Health is each layer's health on the training set (train.MeasureHealth:
	// mean |δ|, dead or saturated units), for the bars under the network.
	Health     []train.LayerHealth `json:"health,omitempty"`
	Limits     Limits              `json:"limits"`
	ExpiresSec float64             `json:"expires_in_seconds"`
}

// netJSON is the network as the page draws it; Layers[l-1] is layer l.
type netJSON struct {
	Inputs int         `json:"inputs"`
	Loss   string      `json:"loss"`
	Layers []layerJSON `json:"layers"`
}

type layerJSON struct {
	Activation string      `json:"activation"`
	Weights    [][]float64 `json:"weights"`        // n_l × n_(l-1): weights[i][j] = w^l_(i,j+1)
	Bias       []float64   `json:"bias,omitempty"` // b^l = w^l_i0; absent without a bias
	Mask       [][]bool    `json:"mask,omitempty"` // false: the connection is absent
}

func netOf(net *backprop.Network[float64]) netJSON {
	out := netJSON{Inputs: net.Inputs, Loss: net.Loss.String()}
	for _, lay := range net.Layers {
		lj := layerJSON{Activation: lay.Activation.String(), Weights: matrix(lay.W, lay.In), Bias: lay.B}
		if lay.Mask != nil {
			for i := range lay.Out {
				lj.Mask = append(lj.Mask, lay.Mask[i*lay.In:(i+1)*lay.In])
			}
		}
		out.Layers = append(out.Layers, lj)
	}
	return out
}

func matrix(s []float64, width int) [][]float64 {
	var m [][]float64
	for r := 0; r+width <= len(s); r += width {
		m = append(m, s[r:r+width])
	}
	return m
}

// grid is a map of a value over the square [-1, 1]²: Res×Res cells, row-major
// from the top row (x2 = 1) down, each row from x1 = -1 to 1, at the cells'
// centres. The output map of a network of several outputs (one per class)
// gives each cell's class, the largest output, in Class and that output in
// Values.
type grid struct {
	Res    int       `json:"res"`
	Values []float64 `json:"values"`
	Min    float64   `json:"min"`
	Max    float64   `json:"max"`
	Class  []int     `json:"class,omitempty"`
}

// neuronMap is the output map of neuron Index (0-based) of layer Layer (1..L).
type neuronMap struct {
	Layer int `json:"layer"`
	Index int `json:"index"`
	grid
}

type dataJSON struct {
	Train [][3]float64 `json:"train"` // rows of x1, x2, y (y: the class, or the target)
	Test  [][3]float64 `json:"test"`
}

// rowsOf returns the points xy with their targets y as rows of x1, x2, y.
func rowsOf(xy, y []float64) [][3]float64 {
	rows := make([][3]float64, len(y))
	for i := range rows {
		rows[i] = [3]float64{xy[2*i], xy[2*i+1], y[i]}
	}
	return rows
}

// gridInputs returns the res×res cell centres as rows of (x1, x2).
func gridInputs(res int) []float64 {
	x := make([]float64, 0, 2*res*res)
	for r := range res {
		x2 := 1 - (float64(r)+0.5)*2/float64(res)
		for c := range res {
			x1 := -1 + (float64(c)+0.5)*2/float64(res)
			x = append(x, x1, x2)
		}
	}
	return x
}

// round4 keeps 4 decimals, enough for a picture, to keep the JSON small.
func round4(v float64) float64 { return finite(math.Round(v*1e4) / 1e4) }

// maps runs the network on a res×res grid and returns the maps of the
// neurons of layers from..to (0: the inputs; inclusive).
func (s *session) maps(res, from, to int) []neuronMap {
	ws := s.net.NewWorkspace(res * res)
	ws.Forward(s.at(gridInputs(res)))
	var out []neuronMap
	for l := from; l <= to; l++ {
		n := s.net.Inputs
		if l > 0 {
			n = s.net.Layer(l).Out
		}
		for i := range n {
			m := neuronMap{Layer: l, Index: i, grid: grid{Res: res, Values: make([]float64, res*res), Min: math.Inf(1), Max: math.Inf(-1)}}
			for r := range res * res {
				v := ws.A[l][r*n+i]
				m.Values[r] = round4(v)
				m.Min, m.Max = min(m.Min, v), max(m.Max, v)
			}
			m.Min, m.Max = round4(m.Min), round4(m.Max)
			out = append(out, m)
		}
	}
	return out
}

// boundary is the output map at res: the output's value, or with several
// outputs each cell's class and its output.
func (s *session) boundary(res int) *grid {
	outs := s.maps(res, s.net.L(), s.net.L())
	if len(outs) == 1 {
		return &outs[0].grid
	}
	g := &grid{Res: res, Values: make([]float64, res*res), Class: make([]int, res*res), Min: math.Inf(1), Max: math.Inf(-1)}
	for r := range res * res {
		g.Values[r] = math.Inf(-1)
		for k, m := range outs {
			if v := m.Values[r]; v > g.Values[r] {
				g.Values[r], g.Class[r] = v, k
			}
		}
		g.Min, g.Max = min(g.Min, g.Values[r]), max(g.Max, g.Values[r])
	}
	return g
}

// state returns the session's state, with the output map at res (0: none),
// the neurons' maps at neuronRes (0: none) and the data points if asked.
func (s *session) state(res, neuronRes int, data bool, lim Limits, expires time.Duration) state {
	st := state{
		ID: s.id, Config: s.cfg, Task: "classification",
		Epoch: s.cur.Epoch(), Steps: s.steps, TrainLoss: finite(s.trainLoss), TestLoss: finite(s.testLoss),
		Diverged: s.diverged, History: s.history, Network: netOf(s.net), Limits: lim,
		ExpiresSec: expires.Seconds(),
	}
	if st.History == nil {
		st.History = []historyPoint{}
	}
	if s.regression {
		st.Task = "regression"
	}
	st.Inputs = s.inputs
	if s.tab != nil {
		st.Table = s.tab.json(s.net, data)
	}
	L := s.net.L()
	if res > 0 {
		st.Boundary = s.boundary(res)
	}
	if neuronRes > 0 {
		first := 1
		if s.tab != nil {
			first = 0 // a table's inputs over the maps: the page cannot compute them
		}
		st.Neurons = s.maps(neuronRes, first, L)
	}
	if data {
		st.Data = &dataJSON{Train: rowsOf(s.trainXY, s.trainDot), Test: rowsOf(s.testXY, s.testDot)}
	}
	if s.trainSet.N > 0 && s.diverged == "" {
		st.Health, _ = train.MeasureHealth(s.net, s.trainSet)
		for _, h := range st.Health {
			if finite(h.GradRMS) != h.GradRMS || finite(h.MeanAbsDelta) != h.MeanAbsDelta {
				st.Health = nil // JSON has no NaN; the page then draws no bars
				break
			}
		}
	}
	return st
}
