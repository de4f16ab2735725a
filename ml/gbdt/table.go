package gbdt

import (
	"math/bits"
)

// A tableScorer scores rows without walking trees, in the manner of
// QuickScorer: a tree's leaves are numbered left to right, and every
// feature's values are cut into classes on which each node testing the
// feature answers the same way. For a class and a tree, one 64-bit mask has
// cleared the leaves that some node of the tree, going right on that class,
// rules out. A row ANDs the masks of its classes, feature by feature; the
// lowest set bit left is its exit leaf. Each step is a load and an AND in
// place of a hard-to-predict branch, which is what a 100-row request spent
// most of its time on.
//
// Trees of more than 64 leaves do not fit a mask; they are walked, and
// their leaf values added in tree order like the others, so the sum is
// bit-identical to PredictRawRow's.
type tableScorer struct {
	// trees are the model's trees the table was built from; scoring checks
	// the model still has them.
	trees []*Tree
	feats []featureTable
	// leafOff[t] is where tree t's leaf values start in leafVal, in
	// left-to-right order.
	leafOff []int32
	leafVal []float64
	// walk[t] is set for the trees that are walked; nil when none is.
	walk []bool
	// bytes is the memory the tables hold.
	bytes int
}

// featureTable holds the classes and masks of one feature.
type featureTable struct {
	feature int
	// thresholds are a numeric feature's distinct thresholds, ascending:
	// a present value is in class i for the first t_i >= value, in class
	// len(thresholds) above them all, and NaN is class len(thresholds)+1.
	thresholds []float64
	// codeClass maps a categorical feature's codes to classes; codes out
	// of range, and values catCode rejects, are in class other.
	codeClass []int32
	other     int
	// trees lists the trees with nodes on the feature, nil when every tree
	// has. width is their number.
	trees []int32
	width int
	// masks[c*width+k] is the mask of class c for the k-th tree.
	masks []uint64
}

// Limits on building the table: maxTableBytes caps its memory, and
// maxCatWork caps categorical (class, node) pairs to decide, which keeps
// a model with huge category sets from slowing start-up.
const (
	maxTableBytes = 32 << 20
	maxCatWork    = 4 << 20
	maxTableLeafs = 64
)

// class returns the class of value v.
func (f *featureTable) class(v float64) int {
	if f.codeClass != nil {
		c, ok := catCode(v)
		if !ok || c >= len(f.codeClass) {
			return f.other
		}
		return int(f.codeClass[c])
	}
	ts := f.thresholds
	// Branch-free lower bound: the compares feed conditional moves, so
	// the search costs no mispredicts whatever the value.
	base := 0
	for n := len(ts); n > 1; {
		half := n >> 1
		if ts[base+half] < v {
			base += half
		}
		n -= half
	}
	if ts[base] < v {
		base++
	}
	if v != v {
		return len(ts) + 1
	}
	return base
}

// score returns the raw score of row, which has at least the model's
// number of features, using v (one word per tree) as scratch.
func (sc *tableScorer) score(init float64, row []float64, v []uint64) float64 {
	v = v[:len(sc.trees)]
	for i := range v {
		v[i] = ^uint64(0)
	}
	for fi := range sc.feats {
		f := &sc.feats[fi]
		c := f.class(row[f.feature])
		m := f.masks[c*f.width : (c+1)*f.width]
		if f.trees == nil {
			v := v[:len(m)]
			for k, x := range m {
				v[k] &= x
			}
			continue
		}
		for k, t := range f.trees {
			v[t] &= m[k]
		}
	}
	s := init
	off, vals := sc.leafOff[:len(v)], sc.leafVal
	if sc.walk == nil {
		for t, x := range v {
			s += vals[int(off[t])+bits.TrailingZeros64(x)]
		}
		return s
	}
	for t, x := range v {
		if sc.walk[t] {
			tr := sc.trees[t]
			s += tr.leafValue[tr.leaf(row)]
		} else {
			s += vals[int(off[t])+bits.TrailingZeros64(x)]
		}
	}
	return s
}

// usable reports whether the table was built for m's current trees.
func (sc *tableScorer) usable(m *Model) bool {
	return sc != nil && len(sc.trees) == len(m.Trees) && len(sc.trees) > 0 && &sc.trees[0] == &m.Trees[0]
}
