package tracing

import (
	"math"
	"testing"
)

// TestNewCorrelation checks NPMI against the definition computed by hand:
// 6 of 10 traces match filter 1, 7 filter 2, 6 both:
// log((6/10) / ((6/10)(7/10))) / -log(6/10) = log(10/7) / log(10/6) = 0.69822.
func TestNewCorrelation(t *testing.T) {
	c := NewCorrelation(6, 6, 7, 10)
	if want := math.Log(10.0/7) / math.Log(10.0/6); math.Abs(c.NPMI-want) > 1e-12 {
		t.Errorf("NPMI = %v, want %v", c.NPMI, want)
	}
	// Smoothed: every cell + 0.5, so 6.5, 0.5, 1.5, 3.5 out of 12.
	if want := (math.Log(6.5) + math.Log(12) - math.Log(7) - math.Log(8)) / -(math.Log(6.5) - math.Log(12)); math.Abs(c.NPMISmoothed-want) > 1e-12 {
		t.Errorf("smoothed NPMI = %v, want %v", c.NPMISmoothed, want)
	}
	if c := NewCorrelation(0, 3, 4, 10); c.NPMI != -1 || math.IsNaN(c.NPMISmoothed) {
		t.Errorf("never together: %+v, want -1 and a smoothed value", c)
	}
	if c := NewCorrelation(5, 5, 5, 5); c.NPMI != 1 {
		t.Errorf("always together: %+v, want 1", c)
	}
	for _, c := range []Correlation{NewCorrelation(0, 0, 4, 10), NewCorrelation(0, 0, 0, 0), NewCorrelation(5, 3, 4, 10)} {
		if !math.IsNaN(c.NPMI) || !math.IsNaN(c.NPMISmoothed) {
			t.Errorf("undefined case %+v, want NaN", c)
		}
	}
}
