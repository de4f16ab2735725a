package gbdt

import "math/bits"

// A tableScorer scores rows without walking trees, in the manner of
// QuickScorer: a tree's leaves are numbered left to right, and every
// feature's values are cut into classes on which each node testing the
// feature answers the same way. For a class and a tree, a mask holds the
// leaves that the tree's nodes on the feature rule out by going right on
// that class (their left subtrees). A row clears the masks of its classes
// from a set of all leaves, feature by feature; the lowest leaf left is
// its exit leaf. Each step is a load and an AND-NOT in place of a
// hard-to-predict branch, which is what a 100-row request spent most of
// its time on.
//
// Masks are packed into 64-bit words, several trees to a word, each in a
// lane as wide as the largest tree needs (a power of two), so one AND-NOT
// clears two 31-leaf trees at once, or 32 stumps. Trees of more than 64
// leaves do not fit a word; they are walked, and their leaf values added in
// tree order like the others, so the sum is bit-identical to
// PredictRawRow's.
type tableScorer struct {
	// trees are the model's trees the table was built from; scoring checks
	// the model still has them.
	trees []*Tree
	// feats has the features with masks for every word first, dense of
	// them, then those that list their words.
	feats []featureTable
	dense int
	// none is a row of masks that rule nothing out, sc.words long.
	none []uint64
	// Tree t is in word t>>laneShift, at bit (t&(1<<laneShift-1))*laneBits.
	laneBits, laneShift int
	words               int
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
	// words lists the words holding trees with nodes on the feature, nil
	// when the feature has masks for every word (empty for trees without
	// nodes on it): a dense loop beats an index list when most trees use
	// the feature. width is the number of words per class.
	words []int32
	width int
	// kill[c*width+k] holds the leaves class c rules out in the k-th
	// word. Zero rules out nothing, so a fresh slice starts right.
	kill []uint64
}

// class returns the class of value v.
func (f *featureTable) class(v float64) int {
	if f.codeClass != nil {
		c, ok := catCode(v)
		if !ok || c >= len(f.codeClass) {
			return f.other
		}
		return int(f.codeClass[c])
	}
	if v != v {
		return f.other
	}
	return lowerBound(f.thresholds, v)
}

// lowerBound returns the number of values in ts (ascending, not empty)
// below v. The compares feed conditional moves, not branches, so the
// search costs no mispredicts whatever the value.
func lowerBound(ts []float64, v float64) int {
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
	return base
}

// rawRows sets out to the raw scores of rows, each at least as long as
// the model's features. It sums four rows at a time: one row's sum is a
// chain of dependent additions in tree order, which must stay as it is to
// match PredictRawRow, but four chains run side by side.
func (sc *tableScorer) rawRows(init float64, rows [][]float64, out []float64) {
	n := sc.words
	v := make([]uint64, 4*n)
	padded := (sc.dense + 3) &^ 3
	kills := make([][]uint64, padded+len(sc.feats)-sc.dense)
	for i := sc.dense; i < padded; i++ {
		kills[i] = sc.none
	}
	i := 0
	if sc.walk == nil {
		for ; i+4 <= len(rows); i += 4 {
			for g := range 4 {
				sc.exits(rows[i+g], v[g*n:(g+1)*n], kills)
			}
			sc.sum4(init, v, out[i:i+4])
		}
	}
	for ; i < len(rows); i++ {
		sc.exits(rows[i], v[:n], kills)
		out[i] = sc.sum(init, rows[i], v[:n])
	}
}

// rawRowsMulti sets out[i*k:(i+1)*k] to the k class scores of each row
// at least numFeatures long (Trees[t] is class t%k's), leaving the others
// alone. Each class sums its trees in tree order, as rawRowMulti does.
func (sc *tableScorer) rawRowsMulti(init float64, k int, rows [][]float64, numFeatures int, out []float64) {
	v := make([]uint64, sc.words)
	padded := (sc.dense + 3) &^ 3
	kills := make([][]uint64, padded+len(sc.feats)-sc.dense)
	for i := sc.dense; i < padded; i++ {
		kills[i] = sc.none
	}
	shift, lane, width := uint(sc.laneShift), 1<<sc.laneShift-1, uint(sc.laneBits)
	for i, row := range rows {
		if len(row) < numFeatures {
			continue
		}
		sc.exits(row, v, kills)
		s := out[i*k : (i+1)*k]
		for c := range s {
			s[c] = init
		}
		c := 0
		for t, o := range sc.leafOff {
			if sc.walk != nil && sc.walk[t] {
				tr := sc.trees[t]
				s[c] += tr.leafValue[tr.leaf(row)]
			} else {
				x := v[t>>shift] >> (uint(t&lane) * width)
				s[c] += sc.leafVal[int(o)+bits.TrailingZeros64(x)]
			}
			if c++; c == k {
				c = 0
			}
		}
	}
}

// exits sets v (sc.words long) to the exit leaves of row, which has at
// least the model's number of features: the lowest set bit of each tree's
// lane. kills is scratch, as rawRows makes it.
func (sc *tableScorer) exits(row []float64, v []uint64, kills [][]uint64) {
	padded := (sc.dense + 3) &^ 3
	for fi := range sc.feats {
		f := &sc.feats[fi]
		c := f.class(row[f.feature])
		at := fi
		if fi >= sc.dense {
			at += padded - sc.dense
		}
		kills[at] = f.kill[c*f.width : (c+1)*f.width]
	}
	// The dense features' masks go four at a time: one load and store of
	// v per word for four features, not one per feature.
	if padded == 0 {
		for k := range v {
			v[k] = ^uint64(0)
		}
	}
	for g := 0; g < padded; g += 4 {
		a, b, c, d := kills[g][:len(v)], kills[g+1][:len(v)], kills[g+2][:len(v)], kills[g+3][:len(v)]
		if g == 0 {
			for k := range v {
				v[k] = ^(a[k] | b[k] | c[k] | d[k])
			}
			continue
		}
		for k := range v {
			v[k] &^= a[k] | b[k] | c[k] | d[k]
		}
	}
	for fi, f := range sc.feats[sc.dense:] {
		kill := kills[padded+fi][:len(f.words)]
		for k, w := range f.words {
			v[w] &^= kill[k]
		}
	}
}

// sum returns the raw score of row from its exits v, in tree order. Only
// a lane's lowest set bit matters, so the lanes above it need no masking.
func (sc *tableScorer) sum(init float64, row []float64, v []uint64) float64 {
	s := init
	shift, lane, width := uint(sc.laneShift), 1<<sc.laneShift-1, uint(sc.laneBits)
	for t, o := range sc.leafOff {
		if sc.walk != nil && sc.walk[t] {
			tr := sc.trees[t]
			s += tr.leafValue[tr.leaf(row)]
			continue
		}
		x := v[t>>shift] >> (uint(t&lane) * width)
		s += sc.leafVal[int(o)+bits.TrailingZeros64(x)]
	}
	return s
}

// sum4 sets out[0:4] to the raw scores of four rows from their exits,
// v[g*sc.words:] for row g, when no tree is walked.
func (sc *tableScorer) sum4(init float64, v []uint64, out []float64) {
	n := sc.words
	v0, v1, v2, v3 := v[:n], v[n:2*n], v[2*n:3*n], v[3*n:4*n]
	s0, s1, s2, s3 := init, init, init, init
	vals := sc.leafVal
	shift, lane, width := uint(sc.laneShift), 1<<sc.laneShift-1, uint(sc.laneBits)
	for t, o := range sc.leafOff {
		w, at := t>>shift, uint(t&lane)*width
		s0 += vals[int(o)+bits.TrailingZeros64(v0[w]>>at)]
		s1 += vals[int(o)+bits.TrailingZeros64(v1[w]>>at)]
		s2 += vals[int(o)+bits.TrailingZeros64(v2[w]>>at)]
		s3 += vals[int(o)+bits.TrailingZeros64(v3[w]>>at)]
	}
	out[0], out[1], out[2], out[3] = s0, s1, s2, s3
}

// usable reports whether the table was built for m's current trees. It
// compares the trees' backing array, not just their number, so a model
// whose Trees were replaced or cut after Fit falls back to the walk.
func (sc *tableScorer) usable(m *Model) bool {
	return sc != nil && len(sc.trees) == len(m.Trees) && len(sc.trees) > 0 && &sc.trees[0] == &m.Trees[0]
}
