package serve

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
)

// BenchmarkBankModel splits a request to the serving benchmark's model
// (bench/serve/run.sh leaves it and its request bodies in
// WEIR_SERVE_BENCH_DIR, default /tmp/weir-serve-bench) into its stages:
// the whole handler for 1 and 100 rows, then decoding, transforming,
// scoring and encoding the 100 rows on their own.
func BenchmarkBankModel(b *testing.B) {
	dir := os.Getenv("WEIR_SERVE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "weir-serve-bench")
	}
	f, err := os.Open(filepath.Join(dir, "weir-model", "predictor.json"))
	if err != nil {
		b.Skipf("no serving benchmark model (run bench/serve/run.sh first): %v", err)
	}
	p, err := predictor.Load(f)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewPredictorModel(p)
	if err != nil {
		b.Fatal(err)
	}
	bodies := map[string][]byte{}
	for _, n := range []string{"1", "100"} {
		if bodies[n], err = os.ReadFile(filepath.Join(dir, "body"+n+".json")); err != nil {
			b.Fatal(err)
		}
		b.Run("handler/"+n, func(b *testing.B) {
			benchHandler(b, &Loaded{Model: m, Name: "bank", Version: "1"}, "/invocations", string(bodies[n]))
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
	nf := p.Preprocessor.NumFeatures()
	x := make([]float64, len(rows)*nf)
	b.Run("transform", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Preprocessor.TransformRows(rows, x); err != nil {
				b.Fatal(err)
			}
		}
	})
	xs := make([][]float64, len(rows))
	for i := range xs {
		xs[i] = x[i*nf : (i+1)*nf]
	}
	scores := make([]float64, len(rows))
	b.Run("score", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.batch.PredictRows(xs, scores)
		}
	})
	preds := make([]Prediction, len(rows))
	if err := m.Predict(rows, preds); err != nil {
		b.Fatal(err)
	}
	var out []byte
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out = appendPredictions(out[:0], &mlmodel.Output{}, preds)
		}
	})
}
