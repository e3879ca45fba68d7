package explain_test

import (
	"fmt"

	"github.com/backprop-go/backprop/explain"
)

// The worked example: one gradient step takes the output from 0.671846 to
// 0.698076.
func ExampleStep() {
	t, err := explain.Step(explain.Article())
	if err != nil {
		fmt.Println(err)
		return
	}
	L := len(t.Layers)
	fmt.Printf("output before the step: %.6f\n", t.Layer(L).A[0][0])
	fmt.Printf("E = %.6f\n", t.Loss)
	fmt.Printf("output delta: %.6f\n", t.Layer(L).Delta[0][0])
	fmt.Printf("output after the step: %.6f\n", t.OutputAfter[0][0])
	// Output:
	// output before the step: 0.671846
	// E = 0.397726
	// output delta: -0.328154
	// output after the step: 0.698076
}
