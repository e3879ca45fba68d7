package backprop_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
	"github.com/backprop-go/backprop/train"
)

// Train a model on raw data, save it with its pipeline (feature names,
// scaling, classes), load it and classify raw records.
func ExampleModel() {
	d, _ := data.Embedded("iris") // 150 flowers: 4 measurements, 3 species
	s, _ := data.FitScaler(d, data.ScaleStandard)
	net, _ := backprop.New[float32](4, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 8, Activation: backprop.Tanh},
		backprop.LayerSpec{Units: 3, Activation: backprop.Softmax})
	m, _ := backprop.NewModel(net, s.Pipeline(d))
	x0 := backprop.Encode(&m.Pipeline, make([]float32, len(d.X)), d.X) // scaled, as the model will
	cfg := train.Config{Epochs: 50, Alpha: 0.01, Optimizer: train.Adam, Seed: 1}
	train.Train(context.Background(), net, train.Set[float32]{X: x0, Y: d.Y, N: d.N}, train.Set[float32]{}, cfg)
	path := filepath.Join(os.TempDir(), "iris-example.json")
	m.Save(path) // atomic: a temporary file, then rename

	back, _ := backprop.Load[float32](path)                  // in another program, or in an HTTP handler
	raw := []float64{5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3} // two records, as in the CSV
	k, _ := back.Classify(nil, raw)
	p, _ := back.Predict(nil, raw)
	fmt.Printf("%s %.2f, %s %.2f\n", back.Label(k[0]), p[k[0]], back.Label(k[1]), p[3+k[1]])
	os.Remove(path)
	// Output: setosa 0.99, virginica 0.99
}
