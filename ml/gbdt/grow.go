package gbdt

import (
	"context"
	"math"
	"slices"
)

// learner grows one tree at a time, leaf-wise: it always splits the leaf
// whose best split gains most. The rows of each leaf are kept as one
// contiguous range of idx, so a leaf's histogram reads only its own rows.
type learner struct {
	p       *Params
	d       *dataset
	threads int

	idx, tmp []int32
	og, oh   []float64 // gradients of the leaf being built, in row order
	identity bool      // idx holds every row in order (no bagging)
	free     [][]histBin
	leaves   []leafState
	feats    []int
	small    []split // per-feature best splits, indexed like feats
	large    []split
}

// leafState is a growing leaf.
type leafState struct {
	start, n int
	sum      histBin
	depth    int
	value    float64
	hist     []histBin
	// useful[k] is false when feature feats[k] had no valid split in this
	// leaf or an ancestor; like LightGBM, descendants do not try it again.
	useful []bool
	best   split
	parent int32 // node whose child this leaf is, -1 for the root
	isLeft bool
}

func newLearner(p *Params, d *dataset) *learner {
	return &learner{
		p: p, d: d, threads: p.threads(),
		idx: make([]int32, d.rows), tmp: make([]int32, d.rows),
		og: make([]float64, d.rows), oh: make([]float64, d.rows),
	}
}

func (l *learner) getHist() []histBin {
	if n := len(l.free); n > 0 {
		h := l.free[n-1]
		l.free = l.free[:n-1]
		return h
	}
	return make([]histBin, l.d.nbins)
}

func (l *learner) putHist(leaf *leafState) {
	if leaf.hist != nil {
		l.free = append(l.free, leaf.hist)
		leaf.hist = nil
	}
}

// splittable reports whether a leaf could still be split at all, before
// paying for its histogram.
func (l *learner) splittable(s *leafState) bool {
	p := l.p
	return s.n >= 2*max(p.MinDataInLeaf, 1) && s.sum.h >= 2*p.MinSumHessianInLeaf &&
		(p.MaxDepth <= 0 || s.depth < p.MaxDepth)
}

// grow fits one tree to gradients g and hessians h over the given rows
// (nil: all rows), splitting only on feats. It returns the tree, without
// the learning rate applied, and leaves l.leaves describing each leaf's rows.
func (l *learner) grow(ctx context.Context, g, h []float64, rows []int32, feats []int) (*Tree, error) {
	l.feats = feats
	l.small = growSplits(l.small, len(feats))
	l.large = growSplits(l.large, len(feats))
	l.leaves = l.leaves[:0]
	n := l.d.rows
	l.identity = rows == nil
	if rows == nil {
		for i := range n {
			l.idx[i] = int32(i)
		}
	} else {
		n = copy(l.idx, rows)
	}
	root := leafState{n: n, parent: -1}
	for _, r := range l.idx[:n] {
		root.sum.g += g[r]
		root.sum.h += h[r]
	}
	root.value = leafOutput(root.sum.g, root.sum.h, l.p.LambdaL1, l.p.LambdaL2)
	root.best.feature = -1
	root.useful = make([]bool, len(feats))
	for k := range root.useful {
		root.useful[k] = true
	}
	if l.splittable(&root) {
		root.hist = l.getHist()
		if err := l.build(ctx, &root, nil, g, h); err != nil {
			return nil, err
		}
	}
	l.leaves = append(l.leaves, root)
	t := &Tree{}
	for len(l.leaves) < l.p.NumLeaves {
		bi := -1
		for i := range l.leaves {
			if l.leaves[i].best.feature >= 0 && (bi < 0 || l.leaves[i].best.gain > l.leaves[bi].best.gain) {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		if err := l.split(ctx, t, bi, g, h); err != nil {
			return nil, err
		}
	}
	t.leafValue = make([]float64, len(l.leaves))
	t.leafCount = make([]int, len(l.leaves))
	for i := range l.leaves {
		t.leafValue[i] = l.leaves[i].value
		t.leafCount[i] = l.leaves[i].n
		l.putHist(&l.leaves[i])
	}
	return t, nil
}

func growSplits(s []split, n int) []split {
	if cap(s) < n {
		return make([]split, n)
	}
	return s[:n]
}

// split splits leaf li by its best split: the left child keeps index li,
// the right child is appended.
func (l *learner) split(ctx context.Context, t *Tree, li int, g, h []float64) error {
	parent := &l.leaves[li]
	s := parent.best
	m := l.d.mappers[s.feature]
	nd := node{feature: int32(s.feature), left: ^int32(li), right: ^int32(len(l.leaves))}
	if m.categorical {
		codes := make([]int, len(s.catLeft))
		for i, b := range s.catLeft {
			codes[i] = m.cats[b]
		}
		nd.flags |= flagCategorical
		nd.threshold = float64(len(t.catSets))
		t.catSets = append(t.catSets, catBitset(codes))
	} else {
		// Only the last value bin has an infinite bound, when a split sends
		// every present value left and missing ones right; JSON cannot hold
		// +Inf, and the largest float splits the same finite values.
		nd.threshold = min(m.upper[s.bin], math.MaxFloat64)
		switch {
		case m.nanBin < 0:
			nd.flags |= flagMissingZero
		case s.defaultLeft:
			nd.flags |= flagDefaultLeft
		}
	}
	ni := int32(len(t.nodes))
	t.nodes = append(t.nodes, nd)
	t.nodeGain = append(t.nodeGain, s.gain)
	if parent.parent >= 0 {
		if parent.isLeft {
			t.nodes[parent.parent].left = ni
		} else {
			t.nodes[parent.parent].right = ni
		}
	}
	nLeft := l.partition(parent, &s)
	left := leafState{start: parent.start, n: nLeft, sum: s.left, depth: parent.depth + 1,
		value: s.leftOut, parent: ni, isLeft: true}
	right := leafState{start: parent.start + nLeft, n: parent.n - nLeft, sum: s.right, depth: parent.depth + 1,
		value: s.rightOut, parent: ni}
	left.best.feature, right.best.feature = -1, -1
	left.useful, right.useful = parent.useful, slices.Clone(parent.useful)
	small, large := &left, &right
	if right.n < left.n {
		small, large = large, small
	}
	hist := parent.hist
	parent.hist = nil
	if l.splittable(small) || l.splittable(large) {
		large.hist = hist
		small.hist = l.getHist()
		if err := l.build(ctx, small, large, g, h); err != nil {
			return err
		}
		if !l.splittable(small) {
			l.putHist(small)
		}
		if !l.splittable(large) {
			l.putHist(large)
		}
	} else if hist != nil {
		l.free = append(l.free, hist)
	}
	l.leaves[li] = left
	l.leaves = append(l.leaves, right)
	return nil
}

// build computes small's histogram from its rows and, when large is not
// nil, turns large.hist (holding the parent's histogram) into large's by
// subtraction; then it finds both leaves' best splits. Each feature is
// handled by one goroutine from start to end, and the per-feature results
// are reduced in feature order, so the tree does not depend on threads.
func (l *learner) build(ctx context.Context, small, large *leafState, g, h []float64) error {
	rows := l.idx[small.start : small.start+small.n]
	direct := l.identity && small.n == l.d.rows
	if !direct {
		og, oh := l.og[:len(rows)], l.oh[:len(rows)]
		for k, r := range rows {
			og[k] = g[r]
			oh[k] = h[r]
		}
	}
	findSmall := l.splittable(small)
	exact := l.p.exactSplits()
	findLarge := large != nil && l.splittable(large)
	threads := l.threads
	if small.n*len(l.feats) < 1<<15 {
		threads = 1
	}
	spSmall := newSplitter(l.p, small.sum, small.n)
	var spLarge splitter
	if large != nil {
		spLarge = newSplitter(l.p, large.sum, large.n)
	}
	err := parallelFor(ctx, len(l.feats), threads, func(k int) {
		l.small[k].feature = -1
		l.large[k].feature = -1
		if !small.useful[k] {
			return
		}
		f := l.feats[k]
		off, nb := l.d.offset[f], l.d.mappers[f].numBins
		col := l.d.cols[f]
		if col.b8 != nil {
			// uint8 features own 256 slots, so bins index without bounds checks.
			hb := (*[256]histBin)(small.hist[off : off+256])
			*hb = [256]histBin{}
			if direct {
				accumulateAll8(col.b8, g, h, hb)
			} else {
				accumulate8(col.b8, rows, l.og, l.oh, hb)
			}
		} else {
			seg := small.hist[off : off+nb]
			clear(seg)
			if direct {
				accumulateAll16(col.b16, g, h, seg)
			} else {
				accumulate16(col.b16, rows, l.og, l.oh, seg)
			}
		}
		seg := small.hist[off : off+nb]
		if exact {
			l.d.mappers[f].fixHistogram(seg, small.sum)
		}
		if findSmall {
			l.findSplit(spSmall, f, seg, small.sum, &l.small[k])
			small.useful[k] = l.small[k].feature >= 0
		}
		if large != nil {
			lseg := large.hist[off : off+nb]
			for b := range lseg {
				lseg[b].sub(seg[b])
			}
			if findLarge {
				l.findSplit(spLarge, f, lseg, large.sum, &l.large[k])
				large.useful[k] = l.large[k].feature >= 0
			}
		}
	})
	if err != nil {
		return err
	}
	for k := range l.feats {
		if l.small[k].better(&small.best) {
			small.best = l.small[k]
		}
		if large != nil && l.large[k].better(&large.best) {
			large.best = l.large[k]
		}
	}
	return nil
}

func (l *learner) findSplit(sp splitter, f int, hist []histBin, sum histBin, best *split) {
	m := l.d.mappers[f]
	if m.categorical {
		sp.categorical(f, hist, sum, best)
	} else {
		sp.numeric(f, hist, m, sum, best)
	}
}

// Histogram accumulation. Leaves of many rows sum alternate rows into two
// histograms and add them at the end: consecutive rows often hit the same
// bin, and one histogram would make each add wait for the previous one.
// The order of additions depends only on the rows, never on threads.

const splitAccumulate = 2048

func accumulate8(bins []uint8, rows []int32, og, oh []float64, hist *[256]histBin) {
	og, oh = og[:len(rows)], oh[:len(rows)]
	k := 0
	if len(rows) >= splitAccumulate {
		var h2 [256]histBin
		for ; k+1 < len(rows); k += 2 {
			a := &hist[bins[rows[k]]]
			b := &h2[bins[rows[k+1]]]
			a.g += og[k]
			a.h += oh[k]
			b.g += og[k+1]
			b.h += oh[k+1]
		}
		for i := range h2 {
			hist[i].add(h2[i])
		}
	}
	for ; k < len(rows); k++ {
		a := &hist[bins[rows[k]]]
		a.g += og[k]
		a.h += oh[k]
	}
}

// accumulateAll8 is accumulate8 over every row, in order, with no index.
func accumulateAll8(bins []uint8, g, h []float64, hist *[256]histBin) {
	g, h = g[:len(bins)], h[:len(bins)]
	k := 0
	if len(bins) >= splitAccumulate {
		var h2 [256]histBin
		for ; k+1 < len(bins); k += 2 {
			a := &hist[bins[k]]
			b := &h2[bins[k+1]]
			a.g += g[k]
			a.h += h[k]
			b.g += g[k+1]
			b.h += h[k+1]
		}
		for i := range h2 {
			hist[i].add(h2[i])
		}
	}
	for ; k < len(bins); k++ {
		a := &hist[bins[k]]
		a.g += g[k]
		a.h += h[k]
	}
}

func accumulate16(bins []uint16, rows []int32, og, oh []float64, seg []histBin) {
	og, oh = og[:len(rows)], oh[:len(rows)]
	for k, r := range rows {
		b := &seg[bins[r]]
		b.g += og[k]
		b.h += oh[k]
	}
}

func accumulateAll16(bins []uint16, g, h []float64, seg []histBin) {
	g, h = g[:len(bins)], h[:len(bins)]
	for i, v := range bins {
		b := &seg[v]
		b.g += g[i]
		b.h += h[i]
	}
}

// partition reorders the leaf's rows so those going left come first,
// keeping row order on each side, and returns how many go left.
func (l *learner) partition(leaf *leafState, s *split) int {
	m := l.d.mappers[s.feature]
	goLeft := make([]bool, m.numBins)
	if m.categorical {
		for _, b := range s.catLeft {
			goLeft[b] = true
		}
	} else {
		for b := 0; b <= s.bin; b++ {
			goLeft[b] = true
		}
		if m.nanBin >= 0 {
			goLeft[m.nanBin] = s.defaultLeft
		}
	}
	rows := l.idx[leaf.start : leaf.start+leaf.n]
	col := l.d.cols[s.feature]
	var nl int
	if col.b8 != nil {
		nl = partitionRows(col.b8, goLeft, rows, l.tmp)
	} else {
		nl = partitionRows(col.b16, goLeft, rows, l.tmp)
	}
	return nl
}

func partitionRows[T uint8 | uint16](bins []T, goLeft []bool, rows, tmp []int32) int {
	nl, nr := 0, 0
	for _, r := range rows {
		if goLeft[bins[r]] {
			rows[nl] = r
			nl++
		} else {
			tmp[nr] = r
			nr++
		}
	}
	copy(rows[nl:], tmp[:nr])
	return nl
}
