package mlmodel

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
)

// smallCSV is a toy problem with every column kind a signature maps.
const smallCSV = `age,job,balance,member,y
25,student,100.5,true,no
32,manager,2500,false,yes
47,manager,,true,yes
51,worker,300,false,no
38,worker,1200,true,no
62,manager,4000,false,yes
29,student,50,true,no
44,,800,false,yes
35,worker,900,true,no
58,manager,3000,true,yes
41,worker,700,false,no
53,student,2000,false,yes
`

func mustSmall(tb testing.TB) *frame.Frame {
	tb.Helper()
	f, err := frame.ReadCSV(strings.NewReader(smallCSV), frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func mustPredictor(tb testing.TB, f *frame.Frame) *predictor.Predictor {
	tb.Helper()
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: linear.NewLogisticRegression()})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// mustSaved saves a small model with a three-row input example into a new
// temporary directory and returns the directory.
func mustSaved(tb testing.TB) string {
	tb.Helper()
	f := mustSmall(tb)
	ex, err := f.Slice(0, 3)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir() + "/model"
	if err := Save(dir, mustPredictor(tb, f), Info{Example: ex}); err != nil {
		tb.Fatal(err)
	}
	return dir
}
