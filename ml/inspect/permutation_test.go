package inspect

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
)

// data returns rows whose label depends on feature 0 strongly, feature 1
// weakly and feature 2 not at all.
func data(n int) (*ml.Matrix, []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	X := ml.NewMatrix(n, 3)
	X.Names = []string{"strong", "weak", "noise"}
	y := make([]float64, n)
	for i := range y {
		for j := range 3 {
			X.Cols[j][i] = rng.NormFloat64()
		}
		if 2*X.Cols[0][i]+0.5*X.Cols[1][i]+rng.NormFloat64() > 0 {
			y[i] = 1
		}
	}
	return X, y
}

// linearScore is a fixed model: the score 2·x0 + 0.5·x1, ignoring x2.
func linearScore(X *ml.Matrix) ([]float64, error) {
	p := make([]float64, X.Rows)
	for i := range p {
		p[i] = 2*X.Cols[0][i] + 0.5*X.Cols[1][i]
	}
	return p, nil
}

func TestPermutationRanksFeatures(t *testing.T) {
	X, y := data(2000)
	before := append([]float64(nil), X.Cols[0]...)
	res, err := Permutation(context.Background(), linearScore, X, y, nil, Options{NRepeats: 10, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	strong, weak, noise := res.Importances[0], res.Importances[1], res.Importances[2]
	if !(strong.Mean > weak.Mean && weak.Mean > 0) {
		t.Errorf("means strong %v, weak %v: want strong > weak > 0", strong.Mean, weak.Mean)
	}
	// The model ignores the noise column, so shuffling it changes nothing.
	if noise.Mean != 0 || noise.Std != 0 {
		t.Errorf("noise importance = %v ± %v, want exactly 0", noise.Mean, noise.Std)
	}
	if strong.Name != "strong" || len(strong.Drops) != 10 {
		t.Errorf("strong = %+v, want name and 10 drops", strong)
	}
	want, _ := metrics.ROCAUC(y, mustScore(t, X), nil)
	if res.Baseline != want {
		t.Errorf("baseline = %v, want %v", res.Baseline, want)
	}
	for i := range before {
		if X.Cols[0][i] != before[i] {
			t.Fatal("Permutation modified X")
		}
	}
}

func mustScore(tb testing.TB, X *ml.Matrix) []float64 {
	tb.Helper()
	p, err := linearScore(X)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestPermutationMeanStd(t *testing.T) {
	X, y := data(500)
	res, err := Permutation(context.Background(), linearScore, X, y, nil, Options{NRepeats: 4, Seed: 1, Features: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Importances) != 1 || res.Importances[0].Feature != 1 {
		t.Fatalf("importances = %+v, want feature 1 only", res.Importances)
	}
	fi := res.Importances[0]
	d := fi.Drops
	mean := (d[0] + d[1] + d[2] + d[3]) / 4
	var ss float64
	for _, v := range d {
		ss += (v - mean) * (v - mean)
	}
	if got, want := fi.Mean, mean; math.Abs(got-want) > 1e-15 {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	if got, want := fi.Std, math.Sqrt(ss/4); math.Abs(got-want) > 1e-15 {
		t.Errorf("Std = %v, want population std %v", got, want)
	}
}

func TestPermutationDeterministicAcrossWorkers(t *testing.T) {
	X, y := data(1000)
	var first *Result
	for _, w := range []int{1, 2, 5} {
		res, err := Permutation(context.Background(), linearScore, X, y, nil, Options{Seed: 9, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = res
			continue
		}
		for j, fi := range res.Importances {
			for r, d := range fi.Drops {
				if d != first.Importances[j].Drops[r] {
					t.Errorf("workers=%d: feature %d repeat %d drop %v, with 1 worker %v", w, j, r, d, first.Importances[j].Drops[r])
				}
			}
		}
	}
}

func TestPermutationErrors(t *testing.T) {
	X, y := data(100)
	failing := func(*ml.Matrix) ([]float64, error) { return nil, errors.New("model broke") }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		predict Predictor
		y       []float64
		opt     Options
	}{
		{"short y", context.Background(), linearScore, y[:5], Options{}},
		{"bad feature", context.Background(), linearScore, y, Options{Features: []int{3}}},
		{"negative repeats", context.Background(), linearScore, y, Options{NRepeats: -1}},
		{"predict fails", context.Background(), failing, y, Options{}},
		{"nil predict", context.Background(), nil, y, Options{}},
		{"one class", context.Background(), linearScore, make([]float64, 100), Options{}},
		{"canceled", ctx, linearScore, y, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Permutation(tt.ctx, tt.predict, X, tt.y, nil, tt.opt); err == nil {
				t.Error("Permutation succeeded, want an error")
			}
		})
	}
}

func TestNegate(t *testing.T) {
	y, p := []float64{0, 1}, []float64{0.2, 0.9}
	loss, _ := metrics.LogLoss(y, p, nil)
	got, err := Negate(metrics.LogLoss)(y, p, nil)
	if err != nil || got != -loss {
		t.Errorf("Negate(LogLoss) = %v, %v; want %v", got, err, -loss)
	}
}
