package data

import (
	"fmt"
	"os"

	"github.com/backprop-go/backprop/internal/inputfile"
)

// Load resolves spec, a command-line --data argument, and reads it:
//
//   - the name of an embedded dataset (see [EmbeddedNames]), read with opt;
//     to read a file of that name, write it as ./name;
//   - the path of a CSV file, read with opt;
//   - "-": CSV text on standard input, read with opt (within the same
//     limits as a file: MaxCSVBytes, MaxLineBytes);
//   - the path of a directory of MNIST-style IDX files, read by
//     [LoadIDXDir]. These are classification data, so opt.Task must not
//     be regression; the other options do not apply.
//
// test is nil except for an IDX directory, which comes split.
func Load(spec string, opt CSVOptions) (train, test *Dataset, err error) {
	return load(spec, opt, false)
}

// LoadTest is Load for data to measure or run a trained model on: an IDX
// directory gives only its test set (the t10k files; the training files are
// not read), with opt.Classes, if given, as its classes. test is always nil.
func LoadTest(spec string, opt CSVOptions) (d *Dataset, err error) {
	d, _, err = load(spec, opt, true)
	return d, err
}

func load(spec string, opt CSVOptions, testOnly bool) (train, test *Dataset, err error) {
	if isEmbedded(spec) {
		train, err = EmbeddedCSV(spec, opt)
		return train, nil, err
	}
	if spec == "-" {
		train, err = ReadCSV(os.Stdin, "stdin", opt)
		return train, nil, err
	}
	info, err := os.Stat(spec)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("no file, directory or embedded dataset %q (embedded: %s)", spec, list(EmbeddedNames()))
		}
		return nil, nil, err
	}
	if info.IsDir() {
		if opt.Task == TaskRegression {
			return nil, nil, fmt.Errorf("%s: IDX images are classification data, not regression", spec)
		}
		if testOnly {
			train, err = LoadIDXTestDir(spec, len(opt.Classes))
			return train, nil, err
		}
		return LoadIDXDir(spec)
	}
	f, err := inputfile.Open(spec, MaxCSVBytes, "data.MaxCSVBytes")
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	train, err = ReadCSV(f, spec, opt)
	return train, nil, err
}
