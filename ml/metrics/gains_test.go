package metrics

import (
	"math"
	"testing"
)

func TestGains(t *testing.T) {
	// 10 rows, 4 positives; the model ranks 3 of them in its top 2 tenths... by
	// hand: scores descending put rows with y = 1,1,0,1,0,0,0,1,0,0.
	y := []float64{1, 1, 0, 1, 0, 0, 0, 1, 0, 0}
	score := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05}
	got, err := Gains(y, score, nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []GainsPoint{
		{0.2, 0.5, 2.5},
		{0.4, 0.75, 1.875},
		{0.6, 0.75, 1.25},
		{0.8, 1, 1.25},
		{1, 1, 1},
	}
	for i := range want {
		if math.Abs(got[i].Fraction-want[i].Fraction) > 1e-12 || math.Abs(got[i].Gain-want[i].Gain) > 1e-12 ||
			math.Abs(got[i].Lift-want[i].Lift) > 1e-12 {
			t.Errorf("Gains[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := Gains([]float64{0, 0}, []float64{0.1, 0.2}, nil, 2); err == nil {
		t.Error("Gains without positives succeeded, want an error")
	}
}

func TestPercentileMatchesNumpy(t *testing.T) {
	// numpy.percentile([1, 2, 4, 8], q) for q = 0, 10, 50, 90, 100.
	s := []float64{1, 2, 4, 8}
	for q, want := range map[float64]float64{0: 1, 10: 1.3, 50: 3, 90: 6.8, 100: 8} {
		if got := Percentile(s, q); math.Abs(got-want) > 1e-12 {
			t.Errorf("Percentile(%v) = %v, want %v", q, got, want)
		}
	}
}
