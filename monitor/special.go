package monitor

import "math"

// normalSF returns P(Z > z) for a standard normal Z, accurate in the tail
// (erfc rather than 1 - cdf).
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// chi2SF returns P(X > x) for X chi-square with df degrees of freedom: the
// regularised upper incomplete gamma function Q(df/2, x/2).
func chi2SF(x float64, df int) float64 {
	switch {
	case math.IsNaN(x):
		return math.NaN()
	case math.IsInf(x, 1):
		return 0
	case x <= 0:
		return 1
	}
	return gammaQ(float64(df)/2, x/2)
}

// gammaQ is the regularised upper incomplete gamma function. Below a+1 the
// power series for P converges fast; above it the continued fraction for Q
// does, and keeps its relative accuracy deep in the tail, where small
// p-values live.
func gammaQ(a, x float64) float64 {
	lg, _ := math.Lgamma(a)
	front := math.Exp(a*math.Log(x) - x - lg)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1; n < 10000; n++ {
			term *= x / (a + float64(n))
			sum += term
			if math.Abs(term) < math.Abs(sum)*1e-17 {
				break
			}
		}
		return 1 - front*sum
	}
	// Modified Lentz evaluation of the continued fraction.
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-16 {
			break
		}
	}
	return front * h
}

// expNegBesselK returns exp(-q)·K_ν(q), the modified Bessel function of the
// second kind damped by exp(-q), from its integral
// form K_ν(q) = ∫₀^∞ exp(-q cosh t) cosh(νt) dt. The integrand is smooth and
// decays doubly exponentially, so the trapezoid rule converges geometrically
// in the step.
func expNegBesselK(nu, q float64) float64 {
	const h = 1.0 / 64
	f := func(t float64) float64 { return math.Exp(-q*(1+math.Cosh(t))) * math.Cosh(nu*t) }
	sum := f(0) / 2
	peak := f(0)
	for k := 1; ; k++ {
		v := f(float64(k) * h)
		sum += v
		if v < peak*1e-18 || v == 0 {
			break
		}
	}
	return sum * h
}

// logChoose returns log(n choose k).
func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
