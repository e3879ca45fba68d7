package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/backprop-go/backprop/data"
)

// vectors is a repeatable flag of comma-separated numbers: --x 1,0 --x 0,1.
type vectors [][]float64

func (v *vectors) String() string {
	var rows []string
	for _, r := range *v {
		var s []string
		for _, x := range r {
			s = append(s, strconv.FormatFloat(x, 'g', -1, 64))
		}
		rows = append(rows, strings.Join(s, ","))
	}
	return strings.Join(rows, " ")
}

func (v *vectors) Set(s string) error {
	row, err := parseVector(s)
	if err != nil {
		return err
	}
	*v = append(*v, row)
	return nil
}

// parseVector parses "1,0.5,-2" into finite numbers, in decimal or
// scientific notation as in a CSV file.
func parseVector(s string) ([]float64, error) {
	var row []float64
	for i, f := range strings.Split(s, ",") {
		x, err := data.ParseDecimal(f)
		if err != nil {
			return nil, fmt.Errorf("value %d, %q, is not a finite number", i+1, f)
		}
		row = append(row, x)
	}
	return row, nil
}

// strList is a repeatable string flag.
type strList []string

func (l *strList) String() string     { return strings.Join(*l, " ") }
func (l *strList) Set(s string) error { *l = append(*l, s); return nil }

// intList is a repeatable integer flag.
type intList []int

func (l *intList) String() string { return fmt.Sprint([]int(*l)) }
func (l *intList) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*l = append(*l, n)
	return nil
}

// unsetFloat is a float flag whose default, NaN, means "chosen later" (as
// --lr's is by the optimizer): the help shows no "(default NaN)".
type unsetFloat struct{ p *float64 }

func (u unsetFloat) String() string {
	if u.p == nil || math.IsNaN(*u.p) {
		return ""
	}
	return strconv.FormatFloat(*u.p, 'g', -1, 64)
}

func (u unsetFloat) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", s)
	}
	*u.p = v
	return nil
}

// plural spells n things: "1 epoch", "30 epochs".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}
