package tracing

import (
	"context"
	"math"
)

// Correlation is how two trace filters co-occur among an experiment's
// traces: the counts of the 2×2 table and their normalized pointwise
// mutual information, plain and smoothed.
type Correlation struct {
	NPMI, NPMISmoothed                                 float64
	Filter1Count, Filter2Count, JointCount, TotalCount int
}

// CorrelationService counts traces matching two filters (and a base
// filter every counted trace matches), as MLflow's
// calculate-filter-correlation does.
type CorrelationService interface {
	CorrelateTraceFilters(ctx context.Context, experimentIDs []string, filter1, filter2, base string) (*Correlation, error)
}

// jeffreysPrior is the pseudo-count added to each cell for the smoothed
// value.
const jeffreysPrior = 0.5

// NewCorrelation computes the NPMI of two events from their counts:
// NPMI = log(p(x,y) / (p(x) p(y))) / -log p(x,y), in [-1, 1]. It is NaN when
// there are no traces or either filter matches none, -1 (unsmoothed) when
// both match some traces but never the same, and 1 when both match every
// trace together.
func NewCorrelation(joint, n1, n2, total int) Correlation {
	c := Correlation{Filter1Count: n1, Filter2Count: n2, JointCount: joint, TotalCount: total,
		NPMI: math.NaN(), NPMISmoothed: math.NaN()}
	n11, n10, n01 := float64(joint), float64(n1-joint), float64(n2-joint)
	n00 := float64(total - n1 - n2 + joint)
	if total <= 0 || n1 == 0 || n2 == 0 || min(n11, n10, n01, n00) < 0 {
		return c
	}
	if joint == 0 {
		c.NPMI = -1
	} else {
		c.NPMI = npmi(n11, n10, n01, n00, 0)
	}
	c.NPMISmoothed = npmi(n11, n10, n01, n00, jeffreysPrior)
	return c
}

// npmi computes the NPMI of a 2×2 table with a pseudo-count added to each
// cell.
func npmi(n11, n10, n01, n00, add float64) float64 {
	if n10 == 0 && n01 == 0 && n00 == 0 {
		return 1 // the two always occur together
	}
	a, b, c, d := n11+add, n10+add, n01+add, n00+add
	n, x, y := a+b+c+d, a+b, a+c
	if x <= 0 || y <= 0 || a <= 0 {
		return math.NaN()
	}
	pmi := math.Log(a) + math.Log(n) - math.Log(x) - math.Log(y)
	v := pmi / -(math.Log(a) - math.Log(n))
	return max(-1, min(1, v))
}
