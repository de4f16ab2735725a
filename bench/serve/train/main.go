// Command train fits the GBDT the serving benchmark serves: LightGBM's
// default settings (100 trees, 31 leaves, learning rate 0.1) on the numeric
// columns of the bank-marketing data's 2008 rows, saved as an MLflow model
// directory. train_lightgbm.py fits the same model with LightGBM for
// mlflow models serve.
//
// Usage: go run ./bench/serve/train CSV OUTDIR
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
)

// Columns are the bank data's numeric inputs without duration, which leaks
// the target. Categorical columns are left out because MLflow's LightGBM
// flavor cannot score string columns from a JSON request.
var columns = []string{"age", "balance", "day", "campaign", "pdays", "previous", "y"}

const trainRows = 27729 // 2008

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: train CSV OUTDIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(csv, out string) error {
	f, err := frame.ReadCSVFile(csv, frame.CSVOptions{})
	if err != nil {
		return err
	}
	if f, err = f.Select(columns...); err != nil {
		return err
	}
	if f, err = f.Slice(0, trainRows); err != nil {
		return err
	}
	g := gbdt.NewClassifier()
	g.NumThreads = 2
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: g})
	if err != nil {
		return err
	}
	ex, err := f.Slice(0, 2)
	if err != nil {
		return err
	}
	return mlmodel.Save(out, p, mlmodel.Info{Example: ex})
}
