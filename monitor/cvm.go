package monitor

import (
	"errors"
	"math"
	"slices"
)

// cvmExactMaxN is the largest sample size for which CramerVonMises2Samp
// computes the exact p-value, as SciPy's method="auto" does.
const cvmExactMaxN = 20

// CramerVonMises2Samp is the two-sample Cramér–von Mises test on sorted
// samples x and y (NaN-free, at least two values each): Anderson's statistic
// T and its p-value, as scipy.stats.cramervonmises_2samp(method="auto")
// computes them. Ties get mid-ranks.
func CramerVonMises2Samp(x, y []float64) (stat, p float64, err error) {
	return cvmTest(runsOf(x), runsOf(y))
}

// cvmTest is CramerVonMises2Samp on runs.
func cvmTest(x, y runs) (stat, p float64, err error) {
	nx, ny := int(x.n), int(y.n)
	if nx < 2 || ny < 2 {
		return 0, 0, errors.New("cramer_von_mises: each sample needs at least two values")
	}
	u := cvmU(x, y)
	fx, fy := float64(nx), float64(ny)
	k, n := fx*fy, fx+fy
	t := u/(k*n) - (4*k-1)/(6*n)
	if max(nx, ny) <= cvmExactMaxN {
		return t, cvmExactSF(u, nx, ny), nil
	}
	// Anderson (1962): standardise T and read the limiting distribution of
	// the one-sample statistic.
	et := (1 + 1/n) / 6
	vt := (n + 1) * (4*k*n - 3*(fx*fx+fy*fy) - 2*k) / (45 * n * n * 4 * k)
	tn := 1.0/6 + (t-et)/math.Sqrt(45*vt)
	if tn < 0.003 {
		return t, 1, nil
	}
	return t, max(0, 1-cvmLimitCDF(tn)), nil
}

// cvmU is U = nx·Σ(r_i - i)² + ny·Σ(s_j - j)², with r and s the mid-ranks of
// x and y in the pooled sample, from one walk over both samples' runs. A
// tied block of a values of x after i0 of them (and b of y after j0) has
// mid-rank r for all, and Σ_{k=1..a} (r - i0 - k)² has a closed form.
func cvmU(x, y runs) float64 {
	var i0, j0, sx, sy float64
	align(x, y, func(_, a, b float64) {
		r := (2*(i0+j0) + a + b + 1) / 2
		sx += sumSquares(r-i0, a)
		sy += sumSquares(r-j0, b)
		i0, j0 = i0+a, j0+b
	})
	return x.n*sx + y.n*sy
}

// sumSquares is Σ_{k=1..a} (c - k)².
func sumSquares(c, a float64) float64 {
	if a == 0 {
		return 0
	}
	// Σ (c-k)² = a·c² - 2c·a(a+1)/2 + a(a+1)(2a+1)/6
	return a*c*c - c*a*(a+1) + a*(a+1)*(2*a+1)/6
}

// cvmExactSF is P(U ≥ u) over all C(nx+ny, nx) equally likely orderings of
// the pooled sample. Walking the orderings as lattice paths, placing the
// i-th x after j y's adds nx·j² to U and placing the j-th y after i x's adds
// ny·i², so the distribution of U builds up point by point.
func cvmExactSF(u float64, nx, ny int) float64 {
	type dist map[int64]float64
	grid := make([]dist, ny+1) // grid[j] holds the current row i
	for i := 0; i <= nx; i++ {
		for j := 0; j <= ny; j++ {
			d := dist{}
			if i == 0 && j == 0 {
				d[0] = 1
			}
			if i > 0 { // arrived by placing x number i after j y's
				add := int64(nx) * int64(j*j)
				for v, c := range grid[j] {
					d[v+add] += c
				}
			}
			if j > 0 { // arrived by placing y number j after i x's
				add := int64(ny) * int64(i*i)
				for v, c := range grid[j-1] {
					d[v+add] += c
				}
			}
			grid[j] = d
		}
	}
	final := grid[ny]
	keys := make([]int64, 0, len(final))
	var total float64
	for v, c := range final {
		keys = append(keys, v)
		total += c
	}
	slices.Sort(keys)
	var tail float64
	for _, v := range keys {
		if float64(v) >= u {
			tail += final[v]
		}
	}
	return tail / total
}

// cvmLimitCDF is the CDF of the limiting Cramér–von Mises distribution
// (Csörgő and Faraway 1996): Σ_k Γ(k+½)/(Γ(½)·k!)·√(4k+1)/(π√x)·
// exp(-q)·K_¼(q)·/√π with q = (4k+1)²/(16x).
func cvmLimitCDF(x float64) float64 {
	var sum float64
	for k := 0; k < 1000; k++ {
		a, _ := math.Lgamma(float64(k) + 0.5)
		b, _ := math.Lgamma(float64(k) + 1)
		y := float64(4*k + 1)
		q := y * y / (16 * x)
		term := math.Exp(a-b) / (math.Pow(math.Pi, 1.5) * math.Sqrt(x)) * math.Sqrt(y) * expNegBesselK(0.25, q)
		sum += term
		// SciPy stops after the first term below 1e-7; stopping at the
		// same place keeps its p-values, whose tail below ~1e-7 is shaped
		// by that truncation, digit for digit.
		if math.Abs(term) < 1e-7 {
			break
		}
	}
	return sum
}
