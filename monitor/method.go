package monitor

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Method names a drift test. The names are Evidently's, so a configuration
// written for Evidently reads the same here.
type Method string

// The drift tests. P-value tests flag drift when the p-value falls below
// the threshold; distance tests when the distance reaches it.
const (
	KS             Method = "ks"               // two-sample Kolmogorov–Smirnov p-value (numerical)
	ChiSquareTest  Method = "chisquare"        // chi-square p-value of current counts against reference shares
	ZTest          Method = "z"                // Z-test for proportions p-value (two categories)
	WassersteinN   Method = "wasserstein"      // Wasserstein distance / reference std (numerical)
	JSDistance     Method = "jensenshannon"    // Jensen–Shannon distance of binned shares
	PSIMethod      Method = "psi"              // population stability index of binned shares
	KLDiv          Method = "kl_div"           // Kullback–Leibler divergence of binned shares
	Hellinger      Method = "hellinger"        // Hellinger distance
	CramerVonMises Method = "cramer_von_mises" // two-sample Cramér–von Mises p-value (numerical)
)

// Methods lists every drift test in a fixed order.
var Methods = []Method{KS, ChiSquareTest, ZTest, WassersteinN, JSDistance, PSIMethod, KLDiv, Hellinger, CramerVonMises}

// DefaultThreshold returns Evidently's default threshold for m.
func (m Method) DefaultThreshold() float64 {
	switch m {
	case KS, ChiSquareTest, ZTest:
		return 0.05
	}
	return 0.1
}

// PValue reports whether m's score is a p-value (drift when small) rather
// than a distance (drift when large).
func (m Method) PValue() bool {
	return m == KS || m == ChiSquareTest || m == ZTest || m == CramerVonMises
}

// Drifted applies m's rule to a score: Evidently's KS and Cramér–von Mises
// flag p ≤ threshold, chi-square and Z p < threshold, distances ≥ threshold.
func (m Method) Drifted(score, threshold float64) bool {
	switch m {
	case KS, CramerVonMises:
		return score <= threshold
	case ChiSquareTest, ZTest:
		return score < threshold
	}
	return score >= threshold
}

func (m Method) numericalOnly() bool { return m == KS || m == WassersteinN || m == CramerVonMises }

// ParseMethod returns the Method named s.
func ParseMethod(s string) (Method, error) {
	if slices.Contains(Methods, Method(s)) {
		return Method(s), nil
	}
	known := make([]string, len(Methods))
	for i, m := range Methods {
		known[i] = string(m)
	}
	return "", fmt.Errorf("unknown drift method %q (known: %s)", s, strings.Join(known, ", "))
}

// DefaultMethod is the test Evidently picks for a column: with up to 1000
// reference values, KS for numbers with more than 5 distinct values,
// otherwise chi-square, or the Z-test when there are at most two distinct
// values; with more reference values, the normalised Wasserstein distance
// for numbers with more than 5 distinct values and Jensen–Shannon otherwise.
// refValues counts present reference values, distinct counts distinct
// values over reference and current together.
func DefaultMethod(kind Kind, refValues, distinct int) Method {
	if refValues <= 1000 {
		if kind == Numerical && distinct > 5 {
			return KS
		}
		if distinct > 2 {
			return ChiSquareTest
		}
		return ZTest
	}
	if kind == Numerical && distinct > 5 {
		return WassersteinN
	}
	return JSDistance
}

// score runs m on two non-empty samples and returns its score and, where it
// has one apart from the score, the test statistic.
func (m Method) score(ref, cur *sample) (score, stat float64, err error) {
	if m.numericalOnly() && ref.kind != Numerical {
		return 0, 0, fmt.Errorf("%s needs a numerical column", m)
	}
	stat = math.NaN()
	switch m {
	case KS:
		stat, score, err = ksTest(ref.num, cur.num)
	case CramerVonMises:
		stat, score, err = cvmTest(ref.num, cur.num)
	case WassersteinN:
		stat = wasserstein(ref.num, cur.num)
		score = stat / max(ref.std(), 0.001)
	case ChiSquareTest:
		_, rc, cc := jointCounts(ref, cur)
		k := float64(cur.n) / float64(ref.n)
		for i := range rc {
			rc[i] *= k
		}
		stat, score, err = ChiSquare(cc, rc)
	case ZTest:
		stat, score = zScore(ref, cur)
	case JSDistance:
		rp, cp := binnedShares(ref, cur, false)
		score = JensenShannon(rp, cp)
	case PSIMethod:
		rp, cp := binnedShares(ref, cur, true)
		score = PSI(rp, cp)
	case KLDiv:
		rp, cp := binnedShares(ref, cur, true)
		score = KLDivergence(rp, cp)
	case Hellinger:
		score = hellinger(ref, cur)
	default:
		return 0, 0, fmt.Errorf("unknown drift method %q", m)
	}
	return score, stat, err
}

// zScore compares the share of values other than the smallest key.
func zScore(ref, cur *sample) (z, p float64) {
	_, rc, cc := jointCounts(ref, cur)
	if len(rc) == 1 {
		return 0, 1
	}
	k1 := float64(ref.n) - rc[0]
	k2 := float64(cur.n) - cc[0]
	return ZTestProportions(k1, float64(ref.n), k2, float64(cur.n))
}
