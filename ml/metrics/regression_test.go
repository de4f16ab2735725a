package metrics

import (
	"math"
	"strings"
	"testing"
)

func TestRegressionErrors(t *testing.T) {
	y := []float64{1, 2, 3}
	tests := []struct {
		name       string
		y, pred, w []float64
		want       string
	}{
		{"empty", nil, nil, nil, "y is empty"},
		{"short predictions", y, []float64{1, 2}, nil, "predictions have 2"},
		{"NaN prediction", y, []float64{1, math.NaN(), 3}, nil, "value 1 is NaN"},
		{"negative weight", y, y, []float64{1, -2, 1}, "weights[1] = -2"},
		{"infinite weight", y, y, []float64{1, math.Inf(1), 1}, "weights[1] = +Inf"},
		{"zero weights", y, y, []float64{0, 0, 0}, "weights sum to zero"},
	}
	for _, tt := range tests {
		if _, err := Regression(tt.y, tt.pred, tt.w); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Regression %s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
	if _, err := MeanBaseline(y, nil, -1); err == nil {
		t.Error("MeanBaseline for -1 rows: no error")
	}
	if _, err := MedianBaseline([]float64{1, math.NaN()}, nil, 2); err == nil {
		t.Error("MedianBaseline of a NaN target: no error")
	}
}

func TestMedianBaselineDoesNotReorderY(t *testing.T) {
	y := []float64{3, 1, 2, 10}
	got, err := MedianBaseline(y, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0] != 2.5 {
		t.Errorf("MedianBaseline = %v, want 2.5", got[0])
	}
	if y[0] != 3 || y[3] != 10 {
		t.Errorf("MedianBaseline reordered its input")
	}
}

func BenchmarkROCAUCOvR(b *testing.B) {
	const n, k = 20000, 5
	y := make([]float64, n)
	proba := make([]float64, n*k)
	for i := range y {
		y[i] = float64(i % k)
		s := 0.0
		for c := 0; c < k; c++ {
			v := float64((i*7919+c*104729)%1000) + 1
			proba[i*k+c] = v
			s += v
		}
		for c := 0; c < k; c++ {
			proba[i*k+c] /= s
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ROCAUCOvR(y, proba, k, nil, Weighted); err != nil {
			b.Fatal(err)
		}
		if _, err := ROCAUCOvO(y, proba, k, Macro); err != nil {
			b.Fatal(err)
		}
	}
}
