package data

import (
	"fmt"
	"os"
)

// Load resolves spec, a command-line --data argument, and reads it:
//
//   - the name of an embedded dataset (see [EmbeddedNames]), read with opt;
//     to read a file of that name, write it as ./name;
//   - the path of a CSV file, read with opt;
//   - the path of a directory of MNIST-style IDX files, read by
//     [LoadIDXDir]. These are classification data, so opt.Task must not
//     be regression; the other options do not apply.
//
// test is nil except for an IDX directory, which comes split.
func Load(spec string, opt CSVOptions) (train, test *Dataset, err error) {
	if isEmbedded(spec) {
		train, err = EmbeddedCSV(spec, opt)
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
		return LoadIDXDir(spec)
	}
	f, err := os.Open(spec)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	train, err = ReadCSV(f, spec, opt)
	return train, nil, err
}
