package monitor

import (
	"errors"
	"math"
)

// ksExactMaxN is the largest sample size for which KS2Samp computes the exact
// p-value, SciPy's limit for method="auto"; above it the p-value comes from
// the one-sample distribution at the effective size n·m/(n+m).
const ksExactMaxN = 10000

// KS2Samp is the two-sided two-sample Kolmogorov–Smirnov test on sorted
// samples a and b (NaN-free): the largest distance between their empirical
// CDFs and its p-value, as scipy.stats.ks_2samp(method="auto") computes them.
func KS2Samp(a, b []float64) (stat, p float64, err error) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0, errors.New("ks: empty sample")
	}
	return ksTest(runsOf(a), runsOf(b))
}

// ksFromStatistic is the p-value of distance d between samples of n1 and
// n2 values.
func ksFromStatistic(d float64, n1, n2 int) (stat, p float64, err error) {
	if n1 == 0 || n2 == 0 {
		return 0, 0, errors.New("ks: empty sample")
	}
	if max(n1, n2) <= ksExactMaxN {
		g := gcd(n1, n2)
		lcm := int64(n1/g) * int64(n2)
		h := int64(math.Round(d * float64(lcm)))
		d = float64(h) / float64(lcm)
		if h == 0 {
			return d, 1, nil
		}
		var p float64
		if n1 == n2 {
			p = ksEqualSF(n1, int(h))
		} else {
			p = ksOutside(n1, n2, g, h)
		}
		if p >= 0 && p <= 1 {
			return d, p, nil
		}
	}
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := math.Round(m * n / (m + n))
	return d, clamp01(kolmogorovSF(int(en), d)), nil
}

// ksStatistic walks both samples' runs once; a tied value moves both CDFs
// at once, so the distance is only read between distinct values.
func ksStatistic(a, b runs) float64 {
	var fa, fb, d float64
	align(a, b, func(_, ca, cb float64) {
		fa, fb = fa+ca, fb+cb
		d = max(d, math.Abs(fa/a.n-fb/b.n))
	})
	return d
}

// ksTest is KS2Samp on runs.
func ksTest(a, b runs) (stat, p float64, err error) {
	return ksFromStatistic(ksStatistic(a, b), int(a.n), int(b.n))
}

// ksEqualSF is P(D ≥ h/n) for two samples of n each: the reflection formula
// 2·Σ (-1)^(k+1) C(2n, n-kh) / C(2n, n), each ratio a product of h factors
// per k.
func ksEqualSF(n, h int) float64 {
	var sum float64
	ratio := 1.0
	sign := 1.0
	for k := 1; k*h <= n; k++ {
		for j := (k - 1) * h; j < k*h; j++ {
			ratio *= float64(n-j) / float64(n+j+1)
		}
		sum += sign * ratio
		sign = -sign
		if ratio == 0 {
			break
		}
	}
	return 2 * sum
}

// ksOutside is the probability that a uniformly random merge of samples of
// sizes m and n reaches |i/m - j/n| ≥ h/lcm at some step. It walks the
// lattice with the chance of each step (the next element comes from x with
// probability remaining-x / remaining), so it never forms the binomial
// coefficients that overflow, and it adds up the mass of paths as they first
// leave the band, a sum of positive terms that keeps tiny p-values exact
// where 1 - P(inside) would lose them.
func ksOutside(m, n, g int, h int64) float64 {
	bound := h * int64(g) // inside when |i*n - j*m| < bound
	inside := func(i, j int) bool {
		v := int64(i)*int64(n) - int64(j)*int64(m)
		return v < bound && v > -bound
	}
	prev := make([]float64, n+1)
	cur := make([]float64, n+1)
	var out float64
	prev[0] = 1
	for j := 1; j <= n; j++ {
		v := prev[j-1] * float64(n-j+1) / float64(m+n-j+1)
		if !inside(0, j) {
			out += v
			break
		}
		prev[j] = v
	}
	for i := 1; i <= m; i++ {
		// Only cells near the diagonal can hold mass: |i*n - j*m| < bound
		// plus one step either side.
		lo := max(0, int((int64(i)*int64(n)-bound)/int64(m))-1)
		hi := min(n, int((int64(i)*int64(n)+bound)/int64(m))+1)
		clear(cur[max(0, lo-1):min(n+1, hi+2)])
		for j := lo; j <= hi; j++ {
			rest := float64(m + n - i - j + 1)
			v := prev[j] * float64(m-i+1) / rest
			if j > 0 {
				v += cur[j-1] * float64(n-j+1) / rest
			}
			if !inside(i, j) {
				out += v
				v = 0
			}
			cur[j] = v
		}
		prev, cur = cur, prev
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func clamp01(p float64) float64 { return min(1, max(0, p)) }
