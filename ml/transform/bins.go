package transform

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// QuantileBins replaces each value by the index (0, 1, ...) of its quantile
// bin, like scikit-learn's KBinsDiscretizer(strategy="quantile",
// encode="ordinal"): edges are the quantiles at 0, 1/Bins, ..., 1 by Method,
// edges closer than 1e-8 to the previous one are dropped (fewer bins), and a
// constant column has one bin. Unlike scikit-learn, missing values are
// ignored when fitting and stay missing.
type QuantileBins struct {
	Bins   int    `json:"bins"`   // 0 means 5
	Method string `json:"method"` // a quantile method; "" means AveragedInvertedCDF, scikit-learn 1.9's default

	// Edges holds each column's fitted bin edges, first and last included.
	Edges [][]float64 `json:"edges,omitempty"`
}

// Type returns "quantile_bins".
func (*QuantileBins) Type() string { return "quantile_bins" }

func (*QuantileBins) acceptsCategorical() bool { return false }

func (b *QuantileBins) fit(cols []values, _ []float64) error {
	if b.Bins == 0 {
		b.Bins = 5
	}
	if b.Method == "" {
		b.Method = AveragedInvertedCDF
	}
	if b.Bins < 2 {
		return fmt.Errorf("quantile bins: %d bins, want at least 2", b.Bins)
	}
	b.Edges = make([][]float64, len(cols))
	for j, v := range cols {
		p := present(v.num)
		if len(p) == 0 {
			return fmt.Errorf("quantile bins: step column %d has no values", j+1)
		}
		if p[0] == p[len(p)-1] {
			// scikit-learn stores (-inf, inf); two equal edges bin the same
			// way and stay valid JSON.
			b.Edges[j] = []float64{p[0], p[0]}
			continue
		}
		step := 100 / float64(b.Bins) // as numpy.linspace(0, 100, bins+1)
		edges := make([]float64, 0, b.Bins+1)
		for k := 0; k <= b.Bins; k++ {
			level := float64(k) * step
			if k == b.Bins {
				level = 100
			}
			e, err := quantile(p, level/100, b.Method)
			if err != nil {
				return fmt.Errorf("quantile bins: %w", err)
			}
			if k == 0 || e-edges[len(edges)-1] > 1e-8 {
				edges = append(edges, e)
			}
		}
		b.Edges[j] = edges
	}
	return nil
}

func (b *QuantileBins) apply(j int, c *cell) {
	if math.IsNaN(c.num) {
		return
	}
	e := b.Edges[j]
	inner := e[1 : len(e)-1]
	// The number of inner edges <= x: numpy.searchsorted(side="right").
	c.num = float64(sort.Search(len(inner), func(k int) bool { return inner[k] > c.num }))
}

func (b *QuantileBins) check(ncols int) error {
	if len(b.Edges) != ncols {
		return fmt.Errorf("quantile bins has edges for %d columns, want %d", len(b.Edges), ncols)
	}
	for j, e := range b.Edges {
		if len(e) < 2 || !slices.IsSorted(e) {
			return fmt.Errorf("quantile bins: column %d edges %v are not a sorted list of at least 2", j+1, e)
		}
	}
	return nil
}
