package serve

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/lightgbm"
)

// BenchmarkLightGBMModel serves the serving benchmark's LightGBM model as
// `weir models serve` serves the LGBMClassifier mlflow.lightgbm saved
// (bench/serve/run.sh leaves its Booster text and the request bodies in
// WEIR_SERVE_BENCH_DIR, default /tmp/weir-serve-bench): the whole handler
// for 1 and 100 rows, then decoding and scoring the 100 rows on their own.
func BenchmarkLightGBMModel(b *testing.B) {
	dir := os.Getenv("WEIR_SERVE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "weir-serve-bench")
	}
	f, err := os.Open(filepath.Join(dir, "lightgbm-booster.txt"))
	if err != nil {
		b.Skipf("no serving benchmark model (run bench/serve/run.sh first): %v", err)
	}
	booster, err := lightgbm.Parse(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var inputs []mlmodel.Input
	for _, name := range booster.FeatureNames() {
		inputs = append(inputs, mlmodel.Input{Name: name, Kind: frame.Int, Required: true})
	}
	out := mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictLabel}
	sc, err := lightgbm.NewScorer(booster, inputs, out)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewScorerModel(sc)
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string][]byte{}
	for _, n := range []string{"1", "100"} {
		if bodies[n], err = os.ReadFile(filepath.Join(dir, "body"+n+".json")); err != nil {
			b.Fatal(err)
		}
		b.Run("handler/"+n, func(b *testing.B) {
			benchHandler(b, &Loaded{Model: m, Name: "bank", Version: "1", Output: out}, "/invocations", string(bodies[n]))
		})
	}
	s := newSchema(m.Inputs())
	rows, ok := s.decodeSplit(bodies["100"], false, nil)
	if !ok {
		b.Fatal("the 100-row body is not a dataframe_split body")
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rb := rowsPool.Get().(*rowsBuf)
			if _, ok := s.decodeSplit(bodies["100"], false, rb); !ok {
				b.Fatal("decode failed")
			}
			rb.release()
		}
	})
	preds := make([]Prediction, len(rows))
	b.Run("score", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Predict(rows, preds); err != nil {
				b.Fatal(err)
			}
		}
	})
}
