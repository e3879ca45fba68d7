package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestGradcheckSaturated: `backprop gradcheck` and `backprop explain` on
// model files whose outputs saturate (z = ±60 and ±1e4, one layer on x = 1),
// for every activation × loss pair that is not matched: the gradient check
// passes and explain prints no NaN.
func TestGradcheckSaturated(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []backprop.Activation{backprop.Identity, backprop.Sigmoid, backprop.Tanh, backprop.ReLU, backprop.LeakyReLU, backprop.Softmax} {
		for _, J := range []backprop.Loss{backprop.Squared, backprop.Log, backprop.CrossEntropy} {
			for _, s := range []float64{60, -60, 1e4, -1e4} {
				net := &backprop.Network[float64]{Inputs: 1, Loss: J, Layers: []*backprop.Layer[float64]{
					{Activation: f, Slope: 0.125, In: 1, Out: 2, W: []float64{s, -s}}}}
				if net.Validate() != nil || backprop.Matched(f, J) {
					continue
				}
				m, err := backprop.NewModel(net, backprop.Pipeline{})
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, fmt.Sprintf("%s-%s-%g.json", f, J, s))
				if err := m.Save(path); err != nil {
					t.Fatal(err)
				}
				for _, y := range []string{"1,0", "0,1"} {
					name := fmt.Sprintf("%s+%s z=(%g, %g) y=%s", f, J, s, -s, y)
					out, errs, status := cli(t, "gradcheck", "--model", path, "--x", "1", "--y", y)
					if status != 0 || strings.Contains(out, "FAIL") {
						t.Errorf("%s: gradcheck status %d\n%s%s", name, status, out, errs)
					}
					out, errs, status = cli(t, "explain", "--model", path, "--x", "1", "--y", y)
					if status != 0 || strings.Contains(out, "NaN") {
						t.Errorf("%s: explain status %d\n%s%s", name, status, out, errs)
					}
				}
			}
		}
	}
}
