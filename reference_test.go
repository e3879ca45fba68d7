package backprop_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/backprop-go/backprop"
)

// refCase is one case of testdata/cases.json: a network, a batch, a learning
// rate, and what PyTorch computed for one gradient step.
type refCase struct {
	Name     string          `json:"name"`
	Model    json.RawMessage `json:"model"`
	X        [][]float64     `json:"x"`
	Y        [][]float64     `json:"y"`
	LR       float64         `json:"lr"`
	Expected struct {
		Loss   float64 `json:"loss"`
		Layers []struct {
			Z            [][]float64 `json:"z"`
			A            [][]float64 `json:"a"`
			Delta        [][]float64 `json:"delta"`
			GradWeights  [][]float64 `json:"grad_weights"`
			GradBias     []float64   `json:"grad_bias"`
			WeightsAfter [][]float64 `json:"weights_after"`
			BiasAfter    []float64   `json:"bias_after"`
		} `json:"layers"`
		OutputAfter [][]float64 `json:"output_after"`
	} `json:"expected"`
}

func loadCases(t testing.TB) []refCase {
	t.Helper()
	var file struct{ Cases []refCase }
	data, err := os.ReadFile("testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	var article refCase
	data, err = os.ReadFile("testdata/article.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &article); err != nil {
		t.Fatal(err)
	}
	return append(file.Cases, article)
}

func flat[T backprop.Float](m [][]float64) []T {
	var s []T
	for _, row := range m {
		for _, v := range row {
			s = append(s, T(v))
		}
	}
	return s
}

// checker compares computed numbers with PyTorch's at a relative tolerance
// and names the first few that differ. Element-wise (normwise false), the
// error is relative to each number (absolute below abs); normwise, it is
// relative to the largest magnitude of the same array, which is how float32
// sums with cancellation are fairly judged (a gradient entry of 1e-6 summed
// from terms of 1e-1 cannot carry 4 significant float32 digits).
type checker struct {
	t        *testing.T
	name     string
	tol, abs float64
	normwise bool
	worst    float64
	fails    int
}

func (c *checker) num(what string, got, want float64) { c.numScaled(what, got, want, 0) }

func (c *checker) numScaled(what string, got, want, scale float64) {
	d := math.Abs(got - want)
	rel := d / math.Max(math.Max(math.Abs(want), c.abs), scale)
	c.worst = math.Max(c.worst, rel)
	if !(rel <= c.tol) {
		c.fails++
		if c.fails <= 5 {
			c.t.Errorf("%s: %s = %.12g, want %.12g (relative error %.2g)", c.name, what, got, want, rel)
		}
	}
}

func (c *checker) matrix(what string, got []float64, cols int, want [][]float64) {
	if len(got) != len(want)*cols {
		c.t.Errorf("%s: %s has %d values, want %d×%d", c.name, what, len(got), len(want), cols)
		return
	}
	var scale float64
	if c.normwise {
		for _, row := range want {
			for _, v := range row {
				scale = math.Max(scale, math.Abs(v))
			}
		}
	}
	for i, row := range want {
		for j, v := range row {
			c.numScaled(fmt.Sprintf("%s[%d][%d]", what, i, j), got[i*cols+j], v, scale)
		}
	}
}

func f64[T backprop.Float](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// runCase runs one gradient step of the case in precision T and checks every
// number of it.
func runCase[T backprop.Float](t *testing.T, rc refCase, tol, abs float64, normwise bool) float64 {
	net, err := backprop.UnmarshalModel[T](rc.Model)
	if err != nil {
		t.Fatalf("%s: %v", rc.Name, err)
	}
	c := &checker{t: t, name: rc.Name, tol: tol, abs: abs, normwise: normwise}
	x, y := flat[T](rc.X), flat[T](rc.Y)
	ws := net.NewWorkspace(len(rc.X))
	ws.Forward(x)
	E := ws.Backward(y)
	c.num("loss", E, rc.Expected.Loss)
	ws.Step(T(rc.LR))
	for l := 1; l <= net.L(); l++ {
		want := rc.Expected.Layers[l-1]
		lay := net.Layer(l)
		p := fmt.Sprintf("layer %d ", l)
		c.matrix(p+"z", f64(ws.Z[l][:ws.Rows*lay.Out]), lay.Out, want.Z)
		c.matrix(p+"a", f64(ws.A[l][:ws.Rows*lay.Out]), lay.Out, want.A)
		c.matrix(p+"delta", f64(ws.Delta[l][:ws.Rows*lay.Out]), lay.Out, want.Delta)
		c.matrix(p+"grad_weights", f64(ws.DW[l]), lay.In, want.GradWeights)
		c.matrix(p+"weights_after", f64(lay.W), lay.In, want.WeightsAfter)
		if (lay.B != nil) != (want.GradBias != nil) {
			t.Errorf("%s: %sbias present = %v, want %v", rc.Name, p, lay.B != nil, want.GradBias != nil)
			continue
		}
		if lay.B != nil {
			c.matrix(p+"grad_bias", f64(ws.DB[l]), lay.Out, [][]float64{want.GradBias})
			c.matrix(p+"bias_after", f64(lay.B), lay.Out, [][]float64{want.BiasAfter})
		}
	}
	c.matrix("output_after", f64(ws.Forward(x)), net.Outputs(), rc.Expected.OutputAfter)
	return c.worst
}

// TestReference checks every number of one gradient step against PyTorch,
// for the 24 reference cases and the worked example: float64 to a relative
// error of 1e-9 for every number, float32 to 1e-4 of each array's largest
// magnitude.
func TestReference(t *testing.T) {
	var worst64, worst32 float64
	for _, rc := range loadCases(t) {
		worst64 = math.Max(worst64, runCase[float64](t, rc, 1e-9, 1e-12, false))
		worst32 = math.Max(worst32, runCase[float32](t, rc, 1e-4, 1e-6, true))
	}
	t.Logf("worst relative error against PyTorch: float64 %.2g, float32 %.2g", worst64, worst32)
}
