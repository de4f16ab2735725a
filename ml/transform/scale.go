package transform

import (
	"fmt"
	"math"
)

// StandardScaler centres each column on its mean and divides by its
// population standard deviation, like scikit-learn's StandardScaler: missing
// values are ignored when fitting and stay missing, and a constant column is
// divided by 1.
type StandardScaler struct {
	Mean  []float64 `json:"mean,omitempty"`
	Scale []float64 `json:"scale,omitempty"`
}

// Type returns "standard_scaler".
func (*StandardScaler) Type() string { return "standard_scaler" }

func (*StandardScaler) acceptsCategorical() bool { return false }

func (s *StandardScaler) fit(cols []values, _ []float64) error {
	s.Mean = make([]float64, len(cols))
	s.Scale = make([]float64, len(cols))
	for j, v := range cols {
		m, n := mean(v.num)
		if n == 0 {
			return fmt.Errorf("standard scaler: step column %d has no values", j+1)
		}
		ss := 0.0
		for _, x := range v.num {
			if !math.IsNaN(x) {
				ss += (x - m) * (x - m)
			}
		}
		variance := ss / float64(n)
		s.Mean[j] = m
		s.Scale[j] = math.Sqrt(variance)
		if nearConstant(variance, m, n) || s.Scale[j] < 10*eps {
			s.Scale[j] = 1
		}
	}
	return nil
}

const eps = 2.220446049250313e-16 // float64 machine epsilon

// nearConstant reports whether a variance is rounding noise around a
// constant column: the bound scikit-learn uses, n·ε·var + (n·mean·ε)².
func nearConstant(variance, mean float64, n int) bool {
	fn := float64(n)
	bound := fn*eps*variance + (fn*mean*eps)*(fn*mean*eps)
	return variance <= bound
}

func (s *StandardScaler) apply(j int, c *cell) { c.num = (c.num - s.Mean[j]) / s.Scale[j] }

func (s *StandardScaler) check(ncols int) error {
	if len(s.Mean) != ncols || len(s.Scale) != ncols {
		return fmt.Errorf("standard scaler has %d means and %d scales for %d columns", len(s.Mean), len(s.Scale), ncols)
	}
	return nil
}

// RobustScaler centres each column on its median and divides by its
// interquartile range (QuantileRange, in percent, default 25 to 75), like
// scikit-learn's RobustScaler; a zero range divides by 1. Missing values are
// ignored when fitting and stay missing.
type RobustScaler struct {
	QuantileRange [2]float64 `json:"quantile_range"` // zero value means {25, 75}

	Center []float64 `json:"center,omitempty"`
	Scale  []float64 `json:"scale,omitempty"`
}

// Type returns "robust_scaler".
func (*RobustScaler) Type() string { return "robust_scaler" }

func (*RobustScaler) acceptsCategorical() bool { return false }

func (s *RobustScaler) fit(cols []values, _ []float64) error {
	qr := s.QuantileRange
	if qr == [2]float64{} {
		qr = [2]float64{25, 75}
		s.QuantileRange = qr
	}
	if !(0 <= qr[0] && qr[0] <= qr[1] && qr[1] <= 100) {
		return fmt.Errorf("robust scaler: invalid quantile range %v", qr)
	}
	s.Center = make([]float64, len(cols))
	s.Scale = make([]float64, len(cols))
	for j, v := range cols {
		p := present(v.num)
		if len(p) == 0 {
			return fmt.Errorf("robust scaler: step column %d has no values", j+1)
		}
		s.Center[j], _ = quantile(p, 0.5, Linear)
		lo, _ := quantile(p, qr[0]/100, Linear)
		hi, _ := quantile(p, qr[1]/100, Linear)
		s.Scale[j] = hi - lo
		if s.Scale[j] < 10*eps {
			s.Scale[j] = 1
		}
	}
	return nil
}

func (s *RobustScaler) apply(j int, c *cell) { c.num = (c.num - s.Center[j]) / s.Scale[j] }

func (s *RobustScaler) check(ncols int) error {
	if len(s.Center) != ncols || len(s.Scale) != ncols {
		return fmt.Errorf("robust scaler has %d centers and %d scales for %d columns", len(s.Center), len(s.Scale), ncols)
	}
	return nil
}
