package train

import (
	"context"
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/backprop-go/backprop"
)

// TestDigits trains 64-64-10 relu/softmax on the 8×8 digits (1,797 images,
// pixels 0..16) with standardized inputs on an 80/20 split, and expects at
// least 95% accuracy on the held-out fifth.
// digitSets reads the 8×8 digits (1,797 images, pixels 0..16) and returns
// an 80/20 split, the inputs standardized with the training rows' mean and
// standard deviation.
func digitSets(t *testing.T) (trainSet, testSet Set[float32]) {
	// The data package's embedded copy, read as a file (train does not
	// import data), or the shared one.
	path := "../data/embedded/digits.csv"
	f, err := os.Open(path)
	if err != nil {
		path = "/work/shared/data/digits.csv"
		if f, err = os.Open(path); err != nil {
			t.Skipf("digits: %v", err)
		}
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	records = records[1:] // header
	const n0, nL = 64, 10
	rows := rand.New(rand.NewPCG(42, 0)).Perm(len(records))
	nTrain := len(rows) * 4 / 5
	sets := [2]Set[float32]{}
	for s, part := range [2][]int{rows[:nTrain], rows[nTrain:]} {
		set := Set[float32]{X: make([]float32, 0, len(part)*n0), Y: make([]float32, len(part)*nL), N: len(part)}
		for r, i := range part {
			rec := records[i]
			if len(rec) != n0+1 {
				t.Fatalf("%s:%d: %d columns, want %d", path, i+2, len(rec), n0+1)
			}
			for _, v := range rec[:n0] {
				x, err := strconv.ParseFloat(v, 32)
				if err != nil {
					t.Fatalf("%s:%d: %v", path, i+2, err)
				}
				set.X = append(set.X, float32(x))
			}
			digit, err := strconv.Atoi(rec[n0])
			if err != nil || digit < 0 || digit >= nL {
				t.Fatalf("%s:%d: label %q", path, i+2, rec[n0])
			}
			set.Y[r*nL+digit] = 1
		}
		sets[s] = set
	}
	trainSet, testSet = sets[0], sets[1]

	// Standardize with the training rows' mean and standard deviation.
	for j := range n0 {
		var sum, sq float64
		for r := range trainSet.N {
			v := float64(trainSet.X[r*n0+j])
			sum += v
			sq += v * v
		}
		mean := sum / float64(trainSet.N)
		std := math.Sqrt(math.Max(sq/float64(trainSet.N)-mean*mean, 0))
		if std < 1e-6 {
			std = 1
		}
		for _, s := range sets {
			for r := range s.N {
				s.X[r*n0+j] = float32((float64(s.X[r*n0+j]) - mean) / std)
			}
		}
	}

	return trainSet, testSet
}

func TestDigits(t *testing.T) {
	trainSet, testSet := digitSets(t)
	const n0, nL = 64, 10
	net, err := backprop.New[float32](n0, backprop.CrossEntropy, 1,
		backprop.LayerSpec{Units: 64, Activation: backprop.ReLU},
		backprop.LayerSpec{Units: nL, Activation: backprop.Softmax})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Mode: MiniBatch, Batch: 32, Epochs: 10, Alpha: 0.003, Optimizer: Adam, Schedule: Cosine, Seed: 1}
	res, err := Train(context.Background(), net, trainSet, Set[float32]{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Evaluate(net, testSet, "")
	if err != nil {
		t.Fatal(err)
	}
	last := res.History[len(res.History)-1]
	t.Logf("train loss %.4f, accuracy %.4f; test loss %.4f, accuracy %.4f", last.Train.Loss, last.Train.Accuracy, m.Loss, m.Accuracy)
	if m.Accuracy < 0.95 {
		t.Errorf("test accuracy %.4f, want at least 0.95", m.Accuracy)
	}
	support := 0
	for _, c := range m.Classes {
		support += c.Support
	}
	if support != testSet.N || len(m.Confusion) != nL {
		t.Errorf("confusion matrix covers %d examples in %d classes, want %d in %d", support, len(m.Confusion), testSet.N, nL)
	}
}

// TestHealthVanishing trains an 8-layer network (7 hidden layers of 32
// units, a softmax output) on the digits for 3 epochs: with sigmoid hidden
// layers the health of its last epoch warns of vanishing gradients naming
// layer 1; the same network with relu does not.
func TestHealthVanishing(t *testing.T) {
	trainSet, _ := digitSets(t)
	for _, f := range []backprop.Activation{backprop.Sigmoid, backprop.ReLU} {
		var specs []backprop.LayerSpec
		for range 7 {
			specs = append(specs, backprop.LayerSpec{Units: 32, Activation: f})
		}
		specs = append(specs, backprop.LayerSpec{Units: 10, Activation: backprop.Softmax})
		net, err := backprop.New[float32](64, backprop.CrossEntropy, 1, specs...)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Batch: 32, Epochs: 3, Alpha: 0.1, Seed: 1, Health: true}
		res, err := Train(context.Background(), net, trainSet, Set[float32]{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		last := res.History[len(res.History)-1]
		if len(last.Health) != 8 {
			t.Fatalf("%s: %d layers of health, want 8", f, len(last.Health))
		}
		for _, h := range last.Health {
			t.Logf("%s: layer %d grad RMS %.3g update/weight %.3g dead %.2f saturated %.2f", f, h.Layer, h.GradRMS, h.UpdateRatio, h.Dead, h.Saturated)
			if !(h.GradRMS > 0) || !(h.UpdateRatio > 0) {
				t.Errorf("%s: layer %d: grad RMS %v, update/weight %v, want > 0", f, h.Layer, h.GradRMS, h.UpdateRatio)
			}
		}
		var vanishing *Warning
		for _, w := range Diagnose(res.History) {
			t.Logf("%s: warning: %s", f, w.Text)
			if w.Kind == "vanishing" {
				vanishing = &w
			}
		}
		switch {
		case f == backprop.Sigmoid && vanishing == nil:
			t.Errorf("sigmoid: no vanishing-gradient warning")
		case f == backprop.Sigmoid && (vanishing.Layer != 1 || !strings.Contains(vanishing.Text, "layer 1's gradient RMS")):
			t.Errorf("sigmoid: the warning does not name layer 1: %s", vanishing.Text)
		case f == backprop.ReLU && vanishing != nil:
			t.Errorf("relu: %s", vanishing.Text)
		}
	}
}
