package monitor

import "math"

// kolmogorovSF is P(D_n ≥ x) for the two-sided one-sample Kolmogorov–Smirnov
// statistic of n observations, the distribution SciPy's kstwo uses for
// ks_2samp's asymptotic p-value. It follows Simard and L'Ecuyer's (2011)
// choice of method by region: exact closed forms near the ends, Durbin's
// matrix where it is cheap, the one-sided Smirnov sum where the two tails
// cannot overlap, and the Pelz–Good expansion elsewhere.
func kolmogorovSF(n int, x float64) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	fn := float64(n)
	t := fn * x
	switch {
	case x >= 1:
		return 0
	case t <= 0.5:
		return 1
	case t <= 1:
		// P(D_n < x) = n!/n^n (2t-1)^n (Ruben and Gambino).
		lf, _ := math.Lgamma(fn + 1)
		return 1 - math.Exp(lf-fn*math.Log(fn)+fn*math.Log(2*t-1))
	case t >= fn-1:
		return 2 * math.Pow(1-x, fn)
	case x >= 0.5:
		return 2 * smirnovSF(n, x)
	}
	nx2 := t * x
	if n <= 140 {
		if nx2 <= 4 {
			return 1 - durbinCDF(n, x)
		}
		return 2 * smirnovSF(n, x)
	}
	switch {
	case nx2 >= 370:
		return 0
	case nx2 >= 2.2:
		return 2 * smirnovSF(n, x)
	case n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4:
		return 1 - durbinCDF(n, x)
	}
	return 1 - pelzGoodCDF(n, x)
}

// smirnovSF is P(D+_n ≥ x), the one-sided statistic, by the Birnbaum–Tingey
// sum x·Σ_j C(n,j) (1-x-j/n)^(n-j) (x+j/n)^(j-1), each term in logs.
func smirnovSF(n int, x float64) float64 {
	fn := float64(n)
	jmax := int(math.Floor(fn * (1 - x)))
	var sum float64
	for j := 0; j <= jmax; j++ {
		fj := float64(j)
		a := 1 - x - fj/fn
		if a <= 0 {
			continue
		}
		l := logChoose(n, j) + (fn-fj)*math.Log(a) + (fj-1)*math.Log(x+fj/fn)
		sum += math.Exp(l)
	}
	return clamp01(x * sum)
}

// durbinCDF is P(D_n < x) by Durbin's matrix formula (Marsaglia, Tsang and
// Wang 2003): n!/n^n times an entry of H^n, where H is a (2k-1)-square matrix
// built from h = k - nx. The power is taken by squaring with the exponent of
// the scale kept apart so that nothing overflows.
func durbinCDF(n int, x float64) float64 {
	fn := float64(n)
	k := int(fn*x) + 1
	m := 2*k - 1
	h := float64(k) - fn*x
	H := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if i-j+1 >= 0 {
				H[i*m+j] = 1
			}
		}
	}
	for i := 0; i < m; i++ {
		H[i*m] -= math.Pow(h, float64(i+1))
		H[(m-1)*m+i] -= math.Pow(h, float64(m-i))
	}
	if 2*h-1 > 0 {
		H[(m-1)*m] += math.Pow(2*h-1, float64(m))
	}
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if d := i - j + 1; d > 0 {
				for g := 2; g <= d; g++ {
					H[i*m+j] /= float64(g)
				}
			}
		}
	}
	q, e := matPow(H, m, n)
	// Multiply by n!/n^n one factor i/n at a time, rescaling as we go.
	s := q[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		s *= float64(i) / fn
		if s < 1e-140 {
			s *= 1e140
			e -= 140
		}
	}
	return s * math.Pow(10, float64(e))
}

// matPow returns A^p as a matrix and a decimal exponent: A^p = M·10^e.
func matPow(a []float64, m, p int) ([]float64, int) {
	if p == 1 {
		return append([]float64(nil), a...), 0
	}
	half, e := matPow(a, m, p/2)
	v := matMul(half, half, m)
	e *= 2
	if p%2 == 1 {
		v = matMul(a, v, m)
	}
	if v[(m/2)*m+m/2] > 1e140 {
		for i := range v {
			v[i] *= 1e-140
		}
		e += 140
	}
	return v, e
}

func matMul(a, b []float64, m int) []float64 {
	c := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for k := 0; k < m; k++ {
			aik := a[i*m+k]
			if aik == 0 {
				continue
			}
			row := b[k*m : k*m+m]
			out := c[i*m : i*m+m]
			for j, v := range row {
				out[j] += aik * v
			}
		}
	}
	return c
}

// pelzGoodCDF is the Pelz–Good (1976) asymptotic expansion of P(D_n ≤ x):
// K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5 at z = x√n, with each K_i written
// as theta-function sums that converge fast for the moderate z used here.
func pelzGoodCDF(n int, x float64) float64 {
	fn := float64(n)
	z := math.Sqrt(fn) * x
	z2 := z * z
	pi2 := math.Pi * math.Pi
	if -pi2/8/z2 < -708 {
		return 0
	}
	z4, z6 := z2*z2, z2*z2*z2
	var k0, k1, k2, k3 float64
	for k := 1; ; k++ {
		m2 := float64((2*k - 1) * (2*k - 1))
		w := math.Exp(-m2 * pi2 / (8 * z2))
		k0 += w
		k1 += w * (pi2*m2/4 - z2)
		k2 += w * (6*z6 + 2*z4 + (2*z4-5*z2)*pi2*m2/4 + pi2*pi2*(1-2*z2)*m2*m2/16)
		k3 += w * (-30*z6 - 90*z6*z2 + pi2*(135*z4-96*z6)*m2/4 +
			pi2*pi2*(212*z4-60*z2)*m2*m2/16 + pi2*pi2*pi2*(5-30*z2)*m2*m2*m2/64)
		if w < 1e-300 || (k > 2 && w*m2*m2*m2 < 1e-20*math.Abs(k0)) {
			break
		}
	}
	var e2, e3 float64
	for k := 1; ; k++ {
		kk := float64(k * k)
		w := math.Exp(-kk * pi2 / (2 * z2))
		e2 += kk * w
		e3 += (3*z2 - pi2*kk) * kk * w
		if w < 1e-300 || w*kk*kk < 1e-20 {
			break
		}
	}
	r := math.Sqrt(2 * math.Pi)
	k0 *= r / z
	k1 *= r / (6 * z4)
	k2 = k2*r/(72*z6*z) - pi2*r/(36*z2*z)*e2
	k3 = k3*r/(6480*z6*z4) + pi2*r/(216*z6)*e3
	return k0 + k1/math.Sqrt(fn) + k2/fn + k3/(fn*math.Sqrt(fn))
}
