package predictor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/transform"
	"github.com/weir-ml/weir/ml/tree"
)

// readBank returns every step-th row of the bank-marketing data (which is in
// time order, so a stride keeps every period) without duration, which leaks
// the target; it skips the test when the data is absent.
func readBank(tb testing.TB, step int) *frame.Frame {
	tb.Helper()
	p := os.Getenv("WEIR_BANK_DATA")
	if p == "" {
		p = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", p, err)
	}
	f, err := frame.ReadCSVFile(p, frame.CSVOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if f, err = f.Drop("duration"); err != nil {
		tb.Fatal(err)
	}
	var rows []int
	for i := 0; i < f.NumRows(); i += step {
		rows = append(rows, i)
	}
	if f, err = f.Take(rows); err != nil {
		tb.Fatal(err)
	}
	return f
}

// bankPreprocessor uses derivations and a target encoder, so that the round
// trip covers more of the transform package than DefaultPreprocessor does.
func bankPreprocessor() *transform.Preprocessor {
	return &transform.Preprocessor{
		Derived: []transform.Derivation{
			&transform.Flag{Name: "never_contacted", Column: "pdays", Value: "-1"},
			&transform.ReplaceWithNaN{Column: "pdays", Values: []string{"-1"}},
		},
		Steps: []transform.Step{
			{Name: "numeric", Columns: []string{"age", "balance", "campaign", "pdays", "previous"},
				Transforms: []transform.Transformer{&transform.Imputer{Strategy: transform.Median}}},
			{Name: "flags", Columns: []string{"never_contacted"}},
			{Name: "day", Columns: []string{"day"}, Transforms: []transform.Transformer{&transform.QuantileBins{Bins: 4}}},
			{Name: "categories", Columns: []string{"job", "marital", "education", "default", "housing", "loan", "contact", "poutcome"},
				Transforms: []transform.Transformer{&transform.OneHot{MinFrequency: 200}}},
			{Name: "month", Columns: []string{"month"}, Transforms: []transform.Transformer{&transform.TargetEncoder{Seed: 1}}},
		},
	}
}

func TestBankRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("fits three learners on the bank data")
	}
	train := readBank(t, 4)
	for name, mk := range learners() {
		t.Run(name, func(t *testing.T) {
			spec := Spec{Model: mk()}
			if name == GBDT {
				spec.Preprocessor = bankPreprocessor()
			}
			p, err := Fit(context.Background(), train, "y", spec)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Classes, []string{"no", "yes"}) {
				t.Fatalf("classes = %q", p.Classes)
			}
			proba, _, err := p.PredictFrame(train)
			if err != nil {
				t.Fatal(err)
			}
			y := make([]float64, len(proba))
			yc, _ := train.Column("y")
			for i := range y {
				if yc.Text(i) == "yes" {
					y[i] = 1
				}
			}
			auc, err := metrics.ROCAUC(y, proba, nil)
			if err != nil {
				t.Fatal(err)
			}
			// A model that learned nothing scores 0.5; these learn something.
			if auc < 0.65 {
				t.Errorf("training AUC = %.3f, want > 0.65", auc)
			}
			t.Logf("%s: %d features, training AUC %.3f", name, len(p.FeatureNames()), auc)
			head, _ := train.Slice(0, 2000)
			checkRoundTrip(t, p, head)
		})
	}
}

// BenchmarkBankPredictRow scores one bank client at a time, as the scoring
// server does, with each learner at its default settings.
func BenchmarkBankPredictRow(b *testing.B) {
	f := readBank(b, 4)
	names := []string{LogisticRegression, RandomForest, GBDT}
	for _, name := range names {
		p, err := Fit(context.Background(), f, "y", Spec{Model: defaultLearner(name)})
		if err != nil {
			b.Fatal(err)
		}
		rows := make([][]any, 256)
		for i := range rows {
			rows[i] = make([]any, len(p.InputSchema().Fields))
			for k, fl := range p.InputSchema().Fields {
				c, _ := f.Column(fl.Name)
				rows[i][k] = c.Value(i)
			}
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, _, err := p.PredictRow(rows[i%len(rows)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func defaultLearner(name string) ml.Classifier {
	switch name {
	case LogisticRegression:
		return linear.NewLogisticRegression()
	case RandomForest:
		return tree.NewRandomForestClassifier()
	}
	return gbdt.NewClassifier()
}
