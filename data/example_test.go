package data_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/backprop-go/backprop/data"
)

func ExampleReadCSV() {
	const text = `height,weight,kind
1.0,20,cat
0.5,4,dog
1.2,30,cat
`
	d, err := data.ReadCSV(strings.NewReader(text), "pets.csv", data.CSVOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.N, "rows of", d.FeatureNames, "classes", d.Classes)
	for i := range d.N {
		fmt.Println(d.Row(i), d.Target(i), d.Labels[i])
	}
	// Output:
	// 3 rows of [height weight] classes [cat dog]
	// [1 20] [1 0] 0
	// [0.5 4] [0 1] 1
	// [1.2 30] [1 0] 0
}

func ExampleReadCSV_error() {
	const text = "p0,p1,p2,p3,digit\n0,0,5,13,0\n0,0,1,abc,7\n"
	_, err := data.ReadCSV(strings.NewReader(text), "digits.csv", data.CSVOptions{})
	fmt.Println(err)
	// Output:
	// digits.csv:3:4: "abc" is not a number (column "p3")
}

// A model's features and classes check a file at prediction time; the
// target column may be absent.
func ExampleReadCSV_prediction() {
	opt := data.CSVOptions{
		Features: []string{"height", "weight"},
		Classes:  []string{"cat", "dog"},
	}
	d, err := data.ReadCSV(strings.NewReader("weight,height\n20,1.0\n"), "new.csv", opt)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d.Row(0), d.Y == nil)

	_, err = data.ReadCSV(strings.NewReader("height,mass\n1.0,20\n"), "new.csv", opt)
	fmt.Println(err)
	// Output:
	// [1 20] true
	// new.csv:1:2: column "mass" is not a feature; want "weight" (renamed?)
}

func ExampleEmbedded() {
	for _, name := range data.EmbeddedNames() {
		d, err := data.Embedded(name)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-13s %4d×%-2d classes %d\n", name, d.N, d.Features, len(d.Classes))
	}
	// Output:
	// breast_cancer  569×30 classes 2
	// diabetes       442×10 classes 0
	// digits        1797×64 classes 10
	// iris           150×4  classes 3
	// wine           178×13 classes 3
}

func ExampleSplit() {
	d, err := data.Embedded("iris")
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := data.Split(d, 0.2, 1, true)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("train", train.N, train.ClassCounts())
	fmt.Println("test ", test.N, test.ClassCounts())
	// Output:
	// train 120 [40 40 40]
	// test  30 [10 10 10]
}

func ExampleFitScaler() {
	d, err := data.Embedded("iris")
	if err != nil {
		log.Fatal(err)
	}
	train, test, err := data.Split(d, 0.2, 1, true)
	if err != nil {
		log.Fatal(err)
	}
	s, err := data.FitScaler(train, data.ScaleMinMax) // the training rows only
	if err != nil {
		log.Fatal(err)
	}
	for _, part := range []*data.Dataset{train, test} {
		if err := s.Apply(part); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("petal length: offset %.1f, scale 1/%.1f\n", s.Offset[2], 1/s.Scale[2])
	fmt.Println("first training row:", train.Row(0))
	// Output:
	// petal length: offset 1.2, scale 1/5.5
	// first training row: [0.14285715 0.41666666 0.036363624 0.041666668]
}

func ExampleLoad() {
	// An embedded name, a CSV file or a directory of IDX files.
	train, test, err := data.Load("wine", data.CSVOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.N, train.Classes, test == nil)

	_, _, err = data.Load("wines", data.CSVOptions{})
	fmt.Println(err)
	// Output:
	// 178 [0 1 2] true
	// no file, directory or embedded dataset "wines" (embedded: "breast_cancer", "diabetes", "digits", "iris", "wine")
}

// A file too large to read into memory: ScanCSV reads it once (the
// columns, categories, classes, the parts of a hashed split, the training
// part's statistics), then a Reader reads a part again, a record at a time.
func ExampleScanCSV() {
	dir, _ := os.MkdirTemp("", "scan")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pets.csv")
	os.WriteFile(path, []byte("height,colour,kind\n1.0,grey,cat\n0.5,NA,dog\n1.2,black,cat\n0.4,grey,dog\n"), 0o644)

	opt := data.CSVOptions{Missing: data.MissingKeep}
	t, err := data.ScanCSV(context.Background(), path, opt, data.HashSplit{Seed: 1, Val: 0.25})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.FeatureNames, t.Categories[1], t.Classes, "parts:", t.Rows)
	fmt.Printf("height over the training part: mean %.3f\n", t.Stats[0].Mean)
	r := t.Reader(data.PartTrain)
	defer r.Close()
	x := make([]float32, t.Features())
	for {
		y, err := r.Next(x)
		if err == io.EOF {
			break
		}
		fmt.Println(x, t.Classes[int(y)])
	}
	// Output:
	// [height colour] [black grey] [cat dog] parts: [2 2 0]
	// height over the training part: mean 0.800
	// [1.2 0] cat
	// [0.4 1] dog
}
