package metrics

import (
	"math"
	"testing"
)

func TestROCAUC(t *testing.T) {
	tests := []struct {
		name        string
		y, score, w []float64
		want        float64
	}{
		// Values from sklearn.metrics.roc_auc_score on the same inputs.
		{"perfect", []float64{0, 0, 1, 1}, []float64{0.1, 0.2, 0.8, 0.9}, nil, 1},
		{"sklearn doc example", []float64{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8}, nil, 0.75},
		{"ties count half", []float64{0, 1, 0, 1}, []float64{0.5, 0.5, 0.5, 0.5}, nil, 0.5},
		{"weighted", []float64{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8}, []float64{1, 2, 1, 1}, 2.0 / 3.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ROCAUC(tt.y, tt.score, tt.w)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("ROCAUC = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestROCAUCErrors(t *testing.T) {
	for _, tt := range []struct {
		name     string
		y, score []float64
	}{
		{"one class", []float64{1, 1}, []float64{0.2, 0.3}},
		{"length mismatch", []float64{0, 1}, []float64{0.2}},
		{"bad label", []float64{0, 2}, []float64{0.2, 0.3}},
		{"empty", nil, nil},
		{"nan score", []float64{0, 1}, []float64{math.NaN(), 0.3}},
	} {
		if _, err := ROCAUC(tt.y, tt.score, nil); err == nil {
			t.Errorf("%s: ROCAUC succeeded, want an error", tt.name)
		}
	}
}
