package transform_test

import (
	"fmt"
	"strings"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/transform"
)

func Example() {
	f, err := frame.ReadCSV(strings.NewReader(`age,pdays,job
30,-1,admin.
40,5,technician
50,-1,admin.
`), frame.CSVOptions{})
	if err != nil {
		panic(err)
	}
	p := &transform.Preprocessor{
		Derived: []transform.Derivation{
			&transform.Flag{Name: "never_contacted", Column: "pdays", Value: "-1"},
			&transform.ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
		},
		Steps: []transform.Step{
			{Columns: []string{"age", "pdays"}, Transforms: []transform.Transformer{
				&transform.Imputer{Strategy: transform.Median}, &transform.StandardScaler{}}},
			{Columns: []string{"never_contacted"}},
			{Columns: []string{"job"}, Transforms: []transform.Transformer{&transform.OneHot{}}},
		},
	}
	if err := p.Fit(f, nil); err != nil {
		panic(err)
	}
	fmt.Println(p.InputNames())
	fmt.Println(p.Features)
	// One row, as the scoring server gets it; the job was never seen.
	row, err := p.TransformMap(map[string]any{"age": 40.0, "pdays": -1.0, "job": "pilot"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(row)
	// Output:
	// [pdays age job]
	// [age pdays never_contacted job=admin. job=technician]
	// [0 0 1 0 0]
}
