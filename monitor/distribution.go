package monitor

import (
	"cmp"
	"slices"
)

// maxShownCategories is how many categories a distribution keeps before
// folding the rest into "(other)": enough to read, few enough to draw.
const maxShownCategories = 20

// Distribution is what a report draws for one column: the shares of the
// reference and current values over common bins (numbers) or categories.
type Distribution struct {
	Edges     []float64 `json:"edges,omitempty"`  // numerical: len(Reference)+1 bin edges
	Labels    []string  `json:"labels,omitempty"` // categorical: one per share
	Reference []float64 `json:"reference"`
	Current   []float64 `json:"current"`
}

// newDistribution bins both samples alike: Sturges bins over the combined
// range for numbers, the most common categories for the rest.
func newDistribution(ref, cur *sample) *Distribution {
	if ref.kind == Numerical {
		lo := min(ref.num.min(), cur.num.min())
		hi := max(ref.num.max(), cur.num.max())
		edges := sturgesEdges(lo, hi, ref.n+cur.n)
		return &Distribution{Edges: edges,
			Reference: shares(histogram(ref.num, edges), ref.n),
			Current:   shares(histogram(cur.num, edges), cur.n)}
	}
	keys, rc, cc := jointCounts(ref, cur)
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rc[b]+cc[b], rc[a]+cc[a]) })
	d := &Distribution{}
	var restR, restC float64
	for k, i := range order {
		if k >= maxShownCategories {
			restR, restC = restR+rc[i], restC+cc[i]
			continue
		}
		d.Labels = append(d.Labels, keys[i].String())
		d.Reference = append(d.Reference, rc[i]/float64(ref.n))
		d.Current = append(d.Current, cc[i]/float64(cur.n))
	}
	if len(order) > maxShownCategories {
		d.Labels = append(d.Labels, "(other)")
		d.Reference = append(d.Reference, restR/float64(ref.n))
		d.Current = append(d.Current, restC/float64(cur.n))
	}
	return d
}
