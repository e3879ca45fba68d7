package main

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/backprop-go/backprop"
	"github.com/backprop-go/backprop/data"
)

// sepUsage is the help of --sep, the same for every verb that reads CSV.
const sepUsage = "field separator of CSV data: , ; | or tab (default: detected from the header line)"

// parseSep reads --sep: "" (detect), ",", ";", "|", or tab (as "tab",
// "\t" or a tab character).
func parseSep(verb, s string) (rune, error) {
	switch s {
	case "", "auto":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case ",", ";", "|":
		return rune(s[0]), nil
	}
	return 0, usagef("%s: --sep %q: want , ; | or tab", verb, s)
}

// addSep declares --sep on fs.
func addSep(fs *flag.FlagSet) *string {
	return fs.String("sep", "", sepUsage)
}

// parseIgnore reads --ignore COL,...: column names, none empty or twice.
func parseIgnore(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var names []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, usagef("train: --ignore %q: an empty column name", s)
		}
		names = append(names, c)
	}
	seen := map[string]bool{}
	for _, c := range names {
		if seen[c] {
			return nil, usagef("train: --ignore: column %q named twice", c)
		}
		seen[c] = true
	}
	return names, nil
}

// missingFlags checks --missing and --unknown and returns the reader's
// options for them (mean reads a missing value as NaN, for the fill).
func missingFlags(missing, unknown string) (readMissing, readUnknown string, err error) {
	switch missing {
	case "error":
		readMissing = data.MissingError
	case "drop":
		readMissing = data.MissingDrop
	case "mean":
		readMissing = data.MissingKeep
	default:
		return "", "", usagef("train: --missing %q: want error, drop or mean", missing)
	}
	switch unknown {
	case "error":
	case "ignore":
		readUnknown = backprop.UnknownIgnore
	default:
		return "", "", usagef("train: --unknown %q: want error or ignore", unknown)
	}
	return readMissing, readUnknown, nil
}

// readOptions are the reader's options for data given to a trained model:
// its features, target, classes, categories, ignored columns and missing
// and unknown-value policies.
func readOptions(p *backprop.Pipeline, classifier bool, sep rune) data.CSVOptions {
	opt := data.CSVOptions{Target: p.Target, Features: featureNames(p), Classes: p.Classes, Ignore: p.Ignore,
		Sep: sep, Categories: categoriesOf(p), Unknown: p.Unknown}
	switch p.Missing {
	case "drop":
		opt.Missing = data.MissingDrop
	case "mean":
		opt.Missing = data.MissingKeep
	}
	if !classifier {
		opt.Task = data.TaskRegression
	}
	return opt
}

func featureNames(p *backprop.Pipeline) []string {
	if p.Features == nil {
		return nil
	}
	names := make([]string, len(p.Features))
	for j, f := range p.Features {
		names[j] = f.Name
	}
	return names
}

// categoriesOf returns the categories of a pipeline's categorical
// features, by name (nil when there are none).
func categoriesOf(p *backprop.Pipeline) map[string][]string {
	var m map[string][]string
	for _, f := range p.Features {
		if f.Categories != nil {
			if m == nil {
				m = make(map[string][]string)
			}
			m[f.Name] = f.Categories
		}
	}
	return m
}

// categoriesByName returns the categories of d's categorical features, by
// name, for reading another file like d.
func categoriesByName(d *data.Dataset) map[string][]string {
	var m map[string][]string
	for j, c := range d.Categories {
		if c != nil {
			if m == nil {
				m = make(map[string][]string)
			}
			m[d.FeatureNames[j]] = c
		}
	}
	return m
}

// describeCategories lists the categorical features and their widths.
func describeCategories(d *data.Dataset) string {
	var parts []string
	for j, c := range d.Categories {
		if c != nil {
			parts = append(parts, fmt.Sprintf("%s → %d", d.FeatureNames[j], len(c)))
		}
	}
	return strings.Join(parts, ", ")
}

// fillMissing fits --missing mean on the training part, each feature's
// mean (or most frequent category, the first of equals) over the values it
// has, and fills the training part's missing values with it.
func fillMissing(p *dataParts) error {
	d := p.train
	p.fills = make([]*float64, d.Features)
	for j := range d.Features {
		categorical := d.Categories != nil && d.Categories[j] != nil
		var sum float64
		var n int
		var counts []int
		if categorical {
			counts = make([]int, len(d.Categories[j]))
		}
		for i := range d.N {
			v := d.X[i*d.Features+j]
			if math.IsNaN(float64(v)) {
				continue
			}
			n++
			if categorical {
				counts[int(v)]++
			} else {
				sum += float64(v)
			}
		}
		if n == 0 {
			return usagef("train: --missing mean: column %q has no value in the training part to fill from", d.FeatureNames[j])
		}
		fill := float64(float32(sum / float64(n))) // as the training part holds it
		if categorical {
			fill = float64(slices.Index(counts, slices.Max(counts)))
		}
		p.fills[j] = &fill
		for i := range d.N {
			if x := &d.X[i*d.Features+j]; math.IsNaN(float64(*x)) {
				*x = float32(fill)
			}
		}
	}
	return nil
}

// encodeParts replaces the raw rows of d by x⁰, as the pipeline encodes
// them: scaled, one-hot, filled.
func encodeParts(p *backprop.Pipeline, d *data.Dataset) {
	w := p.Width()
	d.X = backprop.Encode(p, make([]float32, d.N*w), d.X)
	names := make([]string, 0, w)
	for _, f := range p.Features {
		if f.Categories == nil {
			names = append(names, f.Name)
			continue
		}
		for _, c := range f.Categories {
			names = append(names, f.Name+"="+c)
		}
	}
	d.Features, d.FeatureNames, d.Categories = w, names, nil
}
