package lightgbm

import (
	"math"
	"math/bits"
	"slices"
)

// A leafTable finds the leaf of every tree for a row without walking the
// trees, in the manner of QuickScorer (Lucchese et al., SIGIR 2015): each
// tree's leaves are numbered left to right as bits of a word, and a node
// that sends a row right rules out the leaves of its left subtree, so the
// lowest bit left after every node has ruled out its own is the row's
// leaf. Unlike QuickScorer, which visits the nodes a row fails one by one,
// the table holds, for every feature and every interval between the
// feature's thresholds, the word each tree's nodes on that feature leave:
// a row costs one binary search per feature and one AND per feature a tree
// splits on, all independent loads, instead of a chain of dependent loads
// per tree.
//
// Within an interval every node on the feature decides the same way
// (the intervals are cut at every value where some node's decision can
// change: thresholds, the edges of the zero band, category boundaries),
// and missing values get an interval of their own, so the table decides
// exactly as the walk does.
type leafTable struct {
	feats []tableFeature
	// covered[t] says the table finds tree t's leaf; the others (linear
	// leaves, more than 64 leaves, wide category sets) are walked.
	covered []bool
	// ones[t] has a bit for each leaf of tree t: a row's words start so.
	ones []uint64
	// leafVals[leafStart[t]+p] is the value of tree t's p-th leaf from the
	// left.
	leafStart []int32
	leafVals  []float64
}

// tableFeature is the table's part for one feature.
type tableFeature struct {
	feature int32
	// cuts are the ends of the feature's intervals, ascending: interval b
	// holds the numbers x with cuts[b-1] < x <= cuts[b]; interval
	// len(cuts) those above the last cut, len(cuts)+1 NaN.
	cuts []float64
	// trees are the covered trees that split on the feature, ascending.
	trees []int32
	// masks[b*len(trees)+k] is the word tree trees[k]'s nodes on the
	// feature leave for a value in interval b.
	masks []uint64
}

// Limits of what the table takes on.
const (
	// maxTableBytes bounds the masks of a table; a model that needs more
	// is walked.
	maxTableBytes = 64 << 20
	// maxTableCategories bounds the categories of a categorical node the
	// table cuts into intervals, one per category.
	maxTableCategories = 4096
)

// interval returns the interval of f that x falls in: the number of cuts
// below x, or len(cuts)+1 for NaN. The search has no data-dependent
// branch: its steps compile to conditional moves.
func (f *tableFeature) interval(x float64) int {
	c := f.cuts
	if x != x {
		return len(c) + 1
	}
	n := len(c)
	if n == 0 {
		return 0
	}
	base := 0
	for n > 1 {
		half := n >> 1
		if c[base+half] < x {
			base += half
		}
		n -= half
	}
	if c[base] < x {
		base++
	}
	return base
}

// newLeafTable builds the table for trees over nf features, or returns nil
// when no tree can use one or it would be too large.
func newLeafTable(trees []tree, nf int) *leafTable {
	lt := &leafTable{covered: make([]bool, len(trees)), ones: make([]uint64, len(trees)), leafStart: make([]int32, len(trees))}
	left := make([][]uint64, len(trees)) // per tree and node: the bits of its left subtree
	some := false
	for t := range trees {
		tr := &trees[t]
		lt.leafStart[t] = int32(len(lt.leafVals))
		order, masks, ok := tr.leftToRight()
		if !ok {
			continue
		}
		lt.covered[t], some = true, true
		lt.ones[t] = 1<<(len(order)-1)<<1 - 1
		for _, l := range order {
			lt.leafVals = append(lt.leafVals, tr.leafValue[l])
		}
		left[t] = masks
	}
	if !some {
		return nil
	}
	// nodes[f] lists the covered nodes that split on feature f.
	nodes := make([][]treeNode, nf)
	for t := range trees {
		if !lt.covered[t] {
			continue
		}
		for i, n := range trees[t].nodes {
			nodes[n.feature] = append(nodes[n.feature], treeNode{int32(t), int32(i)})
		}
	}
	size := 0
	for f, ns := range nodes {
		if len(ns) == 0 {
			continue
		}
		tf := tableFeature{feature: int32(f)}
		for _, tn := range ns {
			tf.cuts = trees[tn.tree].cuts(tn.node, tf.cuts)
			if len(tf.trees) == 0 || tf.trees[len(tf.trees)-1] != tn.tree {
				tf.trees = append(tf.trees, tn.tree)
			}
		}
		slices.Sort(tf.cuts)
		tf.cuts = slices.Compact(tf.cuts)
		size += (len(tf.cuts) + 2) * len(tf.trees) * 8
		if size > maxTableBytes {
			return nil
		}
		lt.feats = append(lt.feats, tf)
	}
	for fi := range lt.feats {
		lt.feats[fi].fill(trees, nodes[lt.feats[fi].feature], left)
	}
	return lt
}

// treeNode is node node of tree tree.
type treeNode struct{ tree, node int32 }

// fill computes f's masks from the nodes on the feature (in tree order),
// the bits of each node's left subtree in left.
func (f *tableFeature) fill(trees []tree, nodes []treeNode, left [][]uint64) {
	nb, nt := len(f.cuts)+2, len(f.trees)
	f.masks = make([]uint64, nb*nt)
	for b := range nb {
		x := f.representative(b)
		row := f.masks[b*nt : (b+1)*nt]
		k := 0
		for j := range row {
			row[j] = math.MaxUint64
		}
		for _, tn := range nodes {
			t, i := tn.tree, tn.node
			for f.trees[k] != t {
				k++
			}
			tr := &trees[t]
			if tr.child(i, x) != tr.nodes[i].left {
				row[k] &^= left[t][i]
			}
		}
	}
}

// representative returns a value of interval b: its upper end, a number
// above the last cut, or NaN.
func (f *tableFeature) representative(b int) float64 {
	switch n := len(f.cuts); {
	case b == n+1:
		return math.NaN()
	case b < n:
		return f.cuts[b]
	case n == 0:
		return 0
	default:
		return math.Nextafter(f.cuts[n-1], math.Inf(1))
	}
}

// cuts appends to c the values at which node i's decision can change: x
// <= cut and x just above it may go different ways. -0 is written as 0,
// which compares equal to it.
func (t *tree) cuts(i int32, c []float64) []float64 {
	n := &t.nodes[i]
	add := func(v float64) {
		if v == v {
			c = append(c, v+0)
		}
	}
	switch n.op {
	case opCategory:
		// Values up to -1 go right; above, a value reads as the category
		// int(x), the same for every x in [k, k+1), and (-1, 1) for 0.
		add(-1)
		r := t.cats[i]
		for k := 1; k <= 32*int(r.end-r.start); k++ {
			add(math.Nextafter(float64(k), math.Inf(-1)))
		}
	case opZeroMissing:
		add(math.Nextafter(-zeroThreshold, math.Inf(-1)))
		add(zeroThreshold)
		add(n.threshold)
	default:
		add(n.threshold)
	}
	return c
}

// child returns the child of node i that the value x goes to, deciding as
// leaf does.
func (t *tree) child(i int32, x float64) int32 {
	n := &t.nodes[i]
	switch {
	case n.op > opNaNMissing:
		return t.next(i, x)
	case x <= n.threshold:
		return n.left
	case x == x:
		return n.right
	}
	return n.nan
}

// leftToRight numbers the leaves of t from left to right, as a depth-first
// walk from the root meets them: order[p] is the p-th leaf, and masks[i]
// has bit p set for every leaf p below node i's left child. It reports
// !ok for the trees a table does not take: linear ones, those of more than
// 64 leaves, and those with category sets wider than maxTableCategories.
// A node reached by two paths (which LightGBM never writes, but a damaged
// file may) is numbered once per path.
func (t *tree) leftToRight() (order []int32, masks []uint64, ok bool) {
	if t.linear {
		return nil, nil, false
	}
	for i := range t.nodes {
		if r := t.cats; r != nil && t.nodes[i].op == opCategory && 32*int(r[i].end-r[i].start) > maxTableCategories {
			return nil, nil, false
		}
	}
	if len(t.nodes) == 0 {
		return []int32{0}, nil, true
	}
	masks = make([]uint64, len(t.nodes))
	var visit func(c int32) bool
	visit = func(c int32) bool {
		if c < 0 {
			order = append(order, ^c)
			return len(order) <= 64
		}
		first := len(order)
		if !visit(t.nodes[c].left) {
			return false
		}
		masks[c] |= bitRange(first, len(order))
		return visit(t.nodes[c].right)
	}
	if !visit(0) {
		return nil, nil, false
	}
	return order, masks, true
}

// bitRange has bits lo to hi-1 set (hi <= 64).
func bitRange(lo, hi int) uint64 {
	if hi-lo == 64 {
		return math.MaxUint64
	}
	return (1<<(hi-lo) - 1) << lo
}

// rowRaw adds the trees' outputs for the row x into out (k outputs, tree t
// into out[t%k]), in tree order, as predictRaw does; v is scratch of one
// word per tree.
func (lt *leafTable) rowRaw(trees []tree, x []float64, v []uint64, out []float64) {
	copy(v, lt.ones)
	for fi := range lt.feats {
		f := &lt.feats[fi]
		nt := len(f.trees)
		b := f.interval(x[f.feature])
		m := f.masks[b*nt : (b+1)*nt]
		for k, t := range f.trees {
			v[t] &= m[k]
		}
	}
	k := len(out)
	if k == 1 {
		s := out[0]
		for t := range trees {
			if lt.covered[t] {
				s += lt.leafVals[int(lt.leafStart[t])+bits.TrailingZeros64(v[t])]
			} else {
				s += trees[t].predict(x)
			}
		}
		out[0] = s
		return
	}
	for t := range trees {
		if lt.covered[t] {
			out[t%k] += lt.leafVals[int(lt.leafStart[t])+bits.TrailingZeros64(v[t])]
		} else {
			out[t%k] += trees[t].predict(x)
		}
	}
}
