package monitor

import (
	"errors"
	"math"
)

// Wasserstein is the first Wasserstein (earth mover's) distance between the
// empirical distributions of sorted samples u and v: the area between their
// CDFs, as scipy.stats.wasserstein_distance computes it.
func Wasserstein(u, v []float64) float64 {
	if len(u) == 0 || len(v) == 0 {
		return math.NaN()
	}
	return wasserstein(runsOf(u), runsOf(v))
}

func wasserstein(u, v runs) float64 {
	var fu, fv, area float64
	prev := math.NaN()
	align(u, v, func(x, cu, cv float64) {
		// Between prev and x both CDFs are flat at fu/n and fv/n.
		if !math.IsNaN(prev) {
			area += math.Abs(fu/u.n-fv/v.n) * (x - prev)
		}
		fu, fv = fu+cu, fv+cv
		prev = x
	})
	return area
}

// ChiSquare is Pearson's goodness-of-fit test of observed against expected
// counts with len(obs)-1 degrees of freedom, as scipy.stats.chisquare. An
// expected zero beside a positive observation makes the statistic infinite
// and the p-value 0; a single category gives statistic 0 and p-value 1
// (nothing to compare) where SciPy gives NaN.
func ChiSquare(obs, exp []float64) (stat, p float64, err error) {
	if len(obs) != len(exp) || len(obs) == 0 {
		return 0, 0, errors.New("chisquare: observed and expected counts differ in length or are empty")
	}
	for i, o := range obs {
		e := exp[i]
		d := o - e
		switch {
		case e == 0 && o == 0:
		case e == 0:
			stat = math.Inf(1)
		default:
			stat += d * d / e
		}
	}
	if len(obs) == 1 {
		return 0, 1, nil
	}
	return stat, chi2SF(stat, len(obs)-1), nil
}

// ZTestProportions is the two-sided Z-test that two samples share the
// proportion of ones: k1 of n1 against k2 of n2, with the pooled variance.
// When every value is the same the samples cannot differ: z = 0, p = 1.
func ZTestProportions(k1, n1, k2, n2 float64) (z, p float64) {
	p1, p2 := k1/n1, k2/n2
	pool := (k1 + k2) / (n1 + n2)
	v := pool * (1 - pool) * (1/n1 + 1/n2)
	if v == 0 {
		return 0, 1
	}
	z = (p1 - p2) / math.Sqrt(v)
	return z, 2 * normalSF(math.Abs(z))
}

// JensenShannon is the Jensen–Shannon distance (the square root of the
// divergence, natural logarithm) between two distributions, each normalised
// to sum to 1, as scipy.spatial.distance.jensenshannon.
func JensenShannon(p, q []float64) float64 {
	sp, sq := sum(p), sum(q)
	var d float64
	for i := range p {
		a, b := p[i]/sp, q[i]/sq
		m := (a + b) / 2
		d += relEntr(a, m) + relEntr(b, m)
	}
	return math.Sqrt(max(0, d/2))
}

// KLDivergence is Σ p·log(p/q) after normalising both to sum to 1, as
// scipy.stats.entropy(p, q). Infinite where q is 0 and p is not.
func KLDivergence(p, q []float64) float64 {
	sp, sq := sum(p), sum(q)
	var d float64
	for i := range p {
		d += relEntr(p[i]/sp, q[i]/sq)
	}
	return d
}

// PSI is the population stability index Σ (p-q)·log(p/q) of two
// distributions given as shares (not renormalised, as Evidently uses them).
func PSI(p, q []float64) float64 {
	var d float64
	for i := range p {
		d += (p[i] - q[i]) * math.Log(p[i]/q[i])
	}
	return d
}

// relEntr is SciPy's rel_entr: x·log(x/y), 0 at x = 0, +Inf when y = 0 < x.
func relEntr(x, y float64) float64 {
	switch {
	case x == 0 && y >= 0:
		return 0
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x > 0 && y == 0:
		return math.Inf(1)
	}
	return math.Inf(1)
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}
