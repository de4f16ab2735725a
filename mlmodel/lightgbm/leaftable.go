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
// a row costs one binary search per feature and one AND per word of trees
// that split on it, all independent loads, instead of a chain of dependent
// loads per tree. Small trees share a word: two trees of 31 leaves, eight
// of 8.
//
// Within an interval every node on the feature decides the same way
// (the intervals are cut at every value where some node's decision can
// change: thresholds, the edges of the zero band, category boundaries),
// and NaN has an interval of its own, so the table decides exactly as the
// walk does.
type leafTable struct {
	feats []tableFeature
	// words is the number of words a row's leaf bits take; start holds
	// them before any feature rules a leaf out.
	words int
	start []uint64
	// places[t] is where tree t's leaves are.
	places []treePlace
	// leafVals holds each covered tree's leaf values, left to right.
	leafVals []float64
	// dense is the number of features, first in feats, that every word
	// reads; ones is a mask of as many words that rules nothing out.
	dense int
	ones  []uint64
	// cost estimates the work of finding a row's leaves, in ANDs;
	// walkCost the steps of walking the trees the table takes instead.
	cost, walkCost int
}

// faster reports whether the table finds leaves faster than a walk.
func (lt *leafTable) faster() bool {
	// A step of a walk costs about five of the table's ANDs (measured
	// with BenchmarkLightGBMRows: 2 ns a step, 0.4 ns an AND); each
	// tree adds one leaf value either way. Four leaves a margin.
	return lt.cost <= 4*lt.walkCost
}

// treePlace is where the table keeps a tree: its leaves are bits shift,
// shift+1, ... of word word, and their values start at leafVals[vals].
// word is -1 for the trees the table does not take (linear leaves, more
// than 64 leaves, wide category sets), which are walked.
type treePlace struct {
	word  int32
	shift uint32
	vals  int32
}

// tableFeature is the table's part for one feature.
type tableFeature struct {
	feature int32
	// cuts are the ends of the feature's intervals as orderKey keys,
	// ascending: interval b holds the numbers x with cuts[b-1] < x <=
	// cuts[b]; interval len(cuts) those above the last cut, len(cuts)+1
	// NaN.
	cuts []int64
	// words are the words of trees that split on the feature, ascending;
	// nil when that is every word.
	words []int32
	// masks[b*n+j], n the number of words, is the j-th word as the
	// feature's nodes leave it for a value in interval b.
	masks []uint64
}

// Limits of what the table takes on.
const (
	// maxTableBytes bounds the masks of a table; a model that needs more
	// is walked.
	maxTableBytes = 64 << 20
	// maxTableWork bounds the decisions of nodes evaluated to fill the
	// masks (each node on a feature at each of its intervals), which is
	// the time a table takes to build.
	maxTableWork = 1 << 27
	// maxTableCategories bounds the categories of a categorical node the
	// table cuts into intervals, one per category.
	maxTableCategories = 4096
	// tableBlock rows are scored side by side, so that their sums of the
	// trees, which must be added in tree order, overlap.
	tableBlock = 4
)

// newLeafTable builds the table for trees over nf features, or returns nil
// when no tree can use one, it would be too large or take too long to
// fill, or (unless always) a walk would be faster.
func newLeafTable(trees []tree, nf int, always bool) *leafTable {
	lt := &leafTable{places: make([]treePlace, len(trees))}
	left := make([][]uint64, len(trees)) // per tree and node: the bits of its left subtree, in place
	walkCost := 0
	shift := 64
	for t := range trees {
		tr := &trees[t]
		order, masks, depth, ok := tr.leftToRight()
		if !ok {
			lt.places[t].word = -1
			continue
		}
		if shift+len(order) > 64 {
			lt.start = append(lt.start, 0)
			shift = 0
		}
		w := len(lt.start) - 1
		lt.places[t] = treePlace{word: int32(w), shift: uint32(shift), vals: int32(len(lt.leafVals))}
		lt.start[w] |= bitRange(0, len(order)) << shift
		for i := range masks {
			masks[i] <<= shift
		}
		left[t] = masks
		walkCost += depth
		shift += len(order)
		for _, l := range order {
			lt.leafVals = append(lt.leafVals, tr.leafValue[l])
		}
	}
	lt.words = len(lt.start)
	if lt.words == 0 {
		return nil
	}
	// nodes[f] lists the covered nodes that split on feature f.
	nodes := make([][]treeNode, nf)
	for t := range trees {
		if lt.places[t].word < 0 {
			continue
		}
		for i, n := range trees[t].nodes {
			nodes[n.feature] = append(nodes[n.feature], treeNode{int32(t), int32(i)})
		}
	}
	size, tableCost, work := 0, 0, 0
	var featCuts [][]float64
	for f, ns := range nodes {
		if len(ns) == 0 {
			continue
		}
		tf := tableFeature{feature: int32(f)}
		var cuts []float64
		categories := -1 // the widest category set of a node on f
		for _, tn := range ns {
			var c int
			cuts, c = trees[tn.tree].cuts(tn.node, cuts)
			categories = max(categories, c)
			if w := lt.places[tn.tree].word; len(tf.words) == 0 || tf.words[len(tf.words)-1] != w {
				tf.words = append(tf.words, w)
			}
		}
		cuts = categoryCuts(categories, cuts)
		slices.Sort(cuts)
		cuts = slices.Compact(cuts)
		tf.cuts = make([]int64, len(cuts))
		for i, c := range cuts {
			tf.cuts[i] = orderKey(math.Float64bits(c))
		}
		// A feature most words use is ANDed into all of them, with no
		// list of words to read.
		if 4*len(tf.words) >= 3*lt.words {
			tf.words = nil
		}
		n := lt.nwords(&tf)
		size += (len(cuts) + 2) * n * 8
		tableCost += n + 2*bits.Len(uint(len(cuts)))
		work += (len(cuts) + 2) * len(ns)
		if size > maxTableBytes || work > maxTableWork {
			return nil
		}
		lt.feats = append(lt.feats, tf)
		featCuts = append(featCuts, cuts)
	}
	lt.cost, lt.walkCost = tableCost, walkCost
	if !always && !lt.faster() {
		return nil
	}
	// The features every word reads come first.
	order := make([]int, len(lt.feats))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		return boolInt(lt.feats[j].words == nil) - boolInt(lt.feats[i].words == nil)
	})
	feats, sorted := lt.feats, make([]tableFeature, len(lt.feats))
	sortedCuts := make([][]float64, len(lt.feats))
	for i, o := range order {
		sorted[i], sortedCuts[i] = feats[o], featCuts[o]
		if feats[o].words == nil {
			lt.dense++
		}
	}
	lt.feats, featCuts = sorted, sortedCuts
	lt.ones = make([]uint64, lt.words)
	for j := range lt.ones {
		lt.ones[j] = math.MaxUint64
	}
	for fi := range lt.feats {
		f := &lt.feats[fi]
		lt.fill(f, trees, nodes[f.feature], featCuts[fi], left)
	}
	return lt
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nwords is the number of words f's masks have per interval.
func (lt *leafTable) nwords(f *tableFeature) int {
	if f.words == nil {
		return lt.words
	}
	return len(f.words)
}

// treeNode is node node of tree tree.
type treeNode struct{ tree, node int32 }

// fill computes f's masks from the nodes on the feature (in tree order)
// and the bits of each node's left subtree in left.
func (lt *leafTable) fill(f *tableFeature, trees []tree, nodes []treeNode, cuts []float64, left [][]uint64) {
	nb, nw := len(cuts)+2, lt.nwords(f)
	f.masks = make([]uint64, nb*nw)
	for i := range f.masks {
		f.masks[i] = math.MaxUint64
	}
	for b := range nb {
		x := representative(cuts, b)
		row := f.masks[b*nw : (b+1)*nw]
		j := 0
		for _, tn := range nodes {
			t, i := tn.tree, tn.node
			w := lt.places[t].word
			if f.words == nil {
				j = int(w)
			} else {
				for f.words[j] != w {
					j++
				}
			}
			tr := &trees[t]
			if tr.child(i, x) != tr.nodes[i].left {
				row[j] &^= left[t][i]
			}
		}
	}
}

// representative returns a value in interval b of cuts: its upper end, a
// number above the last cut, or NaN.
func representative(cuts []float64, b int) float64 {
	switch n := len(cuts); {
	case b == n+1:
		return math.NaN()
	case b < n:
		return cuts[b]
	case n == 0:
		return 0
	default:
		return math.Nextafter(cuts[n-1], math.Inf(1))
	}
}

// cuts appends to c the values at which node i's decision can change: x
// <= cut and x just above it may go different ways. -0 is written as 0,
// which compares equal to it. For a categorical node it appends nothing
// and returns the width of its category set instead (else -1):
// categoryCuts cuts a feature's categories once for all its nodes.
func (t *tree) cuts(i int32, c []float64) ([]float64, int) {
	n := &t.nodes[i]
	add := func(v float64) {
		if v == v {
			c = append(c, v+0)
		}
	}
	switch n.op {
	case opCategory:
		r := t.cats[i]
		return c, 32 * int(r.end-r.start)
	case opZeroMissing:
		add(math.Nextafter(-zeroThreshold, math.Inf(-1)))
		add(zeroThreshold)
		add(n.threshold)
	default:
		add(n.threshold)
	}
	return c, -1
}

// categoryCuts appends to c the values at which a categorical node with a
// set of n categories can change its decision (none for n < 0): values up
// to -1 go right; above, a value reads as the category int(x), the same
// for every x in [k, k+1), and (-1, 1) for 0; from n on, every value goes
// right.
func categoryCuts(n int, c []float64) []float64 {
	if n < 0 {
		return c
	}
	c = append(c, -1)
	for k := 1; k <= n; k++ {
		c = append(c, math.Nextafter(float64(k), math.Inf(-1)))
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
// has bit p set for every leaf p below node i's left child. depth is the
// tree's depth. It reports !ok for the trees a table does not take: linear
// ones, those of more than 64 leaves, and those with category sets wider
// than maxTableCategories. A node reached by two paths (which LightGBM
// never writes, but a damaged file may) is numbered once per path.
func (t *tree) leftToRight() (order []int32, masks []uint64, depth int, ok bool) {
	if len(t.nodes) == 0 {
		return []int32{0}, nil, 0, !t.linear
	}
	masks = make([]uint64, len(t.nodes))
	var visit func(c int32, d int) bool
	visit = func(c int32, d int) bool {
		if c < 0 {
			order = append(order, ^c)
			depth = max(depth, d)
			return len(order) <= 64
		}
		first := len(order)
		if !visit(t.nodes[c].left, d+1) {
			return false
		}
		masks[c] |= bitRange(first, len(order))
		return visit(t.nodes[c].right, d+1)
	}
	if !visit(0, 0) || t.linear {
		return nil, nil, max(depth, t.depth), false
	}
	for i := range t.nodes {
		if r := t.cats; r != nil && t.nodes[i].op == opCategory && 32*int(r[i].end-r[i].start) > maxTableCategories {
			return nil, nil, depth, false
		}
	}
	return order, masks, depth, true
}

// bitRange has bits lo to hi-1 set (hi <= 64).
func bitRange(lo, hi int) uint64 {
	if hi-lo == 64 {
		return math.MaxUint64
	}
	return (1<<(hi-lo) - 1) << lo
}

// leaves writes the leaf bits of up to tableBlock rows, whose keys are k
// (nf per row), into v, lt.words per row.
func (lt *leafTable) leaves(k []int64, nf int, v []uint64) {
	nw, n := lt.words, len(k)/nf
	for r := range n {
		copy(v[r*nw:(r+1)*nw], lt.start)
	}
	var b [tableBlock]int
	// The features every word reads are ANDed in four at a time, so that
	// each word is loaded and stored once for four of them.
	for g := 0; g < lt.dense; g += 4 {
		var ms [4][tableBlock][]uint64
		for q := range ms {
			if g+q >= lt.dense {
				for r := range n {
					ms[q][r] = lt.ones
				}
				continue
			}
			f := &lt.feats[g+q]
			f.intervals(k, nf, &b)
			for r := range n {
				ms[q][r] = f.masks[b[r]*nw : (b[r]+1)*nw]
			}
		}
		for r := range n {
			and4(v[r*nw:(r+1)*nw], ms[0][r], ms[1][r], ms[2][r], ms[3][r])
		}
	}
	for fi := lt.dense; fi < len(lt.feats); fi++ {
		f := &lt.feats[fi]
		f.intervals(k, nf, &b)
		nm := len(f.words)
		for r := range n {
			m := f.masks[b[r]*nm : (b[r]+1)*nm]
			vr := v[r*nw : (r+1)*nw]
			for j, w := range f.words[:len(m)] {
				vr[w] &= m[j]
			}
		}
	}
}

// and4 ANDs a, b, c and d into v, all of one length.
func and4(v, a, b, c, d []uint64) {
	a, b, c, d = a[:len(v)], b[:len(v)], c[:len(v)], d[:len(v)]
	for j := range v {
		v[j] &= a[j] & b[j] & c[j] & d[j]
	}
}

// intervals sets b[r] to the interval of feature f in row r of the up to
// tableBlock rows of keys k (nf per row): the number of cuts below the
// value, or len(cuts)+1 for NaN. The rows are searched side by side, with
// no data-dependent branch, so that their chains of loads overlap.
func (f *tableFeature) intervals(k []int64, nf int, b *[tableBlock]int) {
	c := f.cuts
	n := len(k) / nf
	var x [tableBlock]uint64
	for r := range x {
		x[r] = uint64(k[min(r, n-1)*nf+int(f.feature)]) ^ 1<<63
	}
	var b0, b1, b2, b3 int
	if m := len(c); m > 0 {
		for m > 1 {
			half := m >> 1
			// below is 1 when the cut is below the value.
			_, below0 := bits.Sub64(uint64(c[b0+half])^1<<63, x[0], 0)
			_, below1 := bits.Sub64(uint64(c[b1+half])^1<<63, x[1], 0)
			_, below2 := bits.Sub64(uint64(c[b2+half])^1<<63, x[2], 0)
			_, below3 := bits.Sub64(uint64(c[b3+half])^1<<63, x[3], 0)
			b0 += half & -int(below0)
			b1 += half & -int(below1)
			b2 += half & -int(below2)
			b3 += half & -int(below3)
			m -= half
		}
		_, below0 := bits.Sub64(uint64(c[b0])^1<<63, x[0], 0)
		_, below1 := bits.Sub64(uint64(c[b1])^1<<63, x[1], 0)
		_, below2 := bits.Sub64(uint64(c[b2])^1<<63, x[2], 0)
		_, below3 := bits.Sub64(uint64(c[b3])^1<<63, x[3], 0)
		b0, b1, b2, b3 = b0+int(below0), b1+int(below1), b2+int(below2), b3+int(below3)
	}
	*b = [tableBlock]int{b0, b1, b2, b3}
	for r, xr := range x {
		if xr == nanKey^1<<63 {
			b[r] = len(c) + 1
		}
	}
}

// leafValue is the value of the leaf the leaf bits v give tree p.
func (lt *leafTable) leafValue(p treePlace, v []uint64) float64 {
	return lt.leafVals[int(p.vals)+bits.TrailingZeros64(v[p.word]>>p.shift)]
}

// blockRaw adds the trees' outputs for a block of up to tableBlock rows
// (x, nf features each) into out (k outputs per row, tree t into output
// t%k), in tree order for each row, as predictRaw does. keys and v are
// scratch: a key per value of x, lt.words words per row.
func (lt *leafTable) blockRaw(trees []tree, x []float64, nf int, keys []int64, v []uint64, out []float64) {
	n := len(x) / nf
	rowKeys(x, keys[:len(x)])
	lt.leaves(keys[:len(x)], nf, v)
	nw, k := lt.words, len(out)/n
	if n == tableBlock && k == 1 {
		v0, v1, v2, v3 := v[:nw], v[nw:2*nw], v[2*nw:3*nw], v[3*nw:4*nw]
		var s0, s1, s2, s3 float64
		for t, p := range lt.places {
			if p.word < 0 {
				s0 += trees[t].predict(x[:nf])
				s1 += trees[t].predict(x[nf : 2*nf])
				s2 += trees[t].predict(x[2*nf : 3*nf])
				s3 += trees[t].predict(x[3*nf : 4*nf])
				continue
			}
			s0 += lt.leafValue(p, v0)
			s1 += lt.leafValue(p, v1)
			s2 += lt.leafValue(p, v2)
			s3 += lt.leafValue(p, v3)
		}
		out[0], out[1], out[2], out[3] = s0, s1, s2, s3
		return
	}
	for t, p := range lt.places {
		c := t % k
		for r := range n {
			if p.word < 0 {
				out[r*k+c] += trees[t].predict(x[r*nf : (r+1)*nf])
			} else {
				out[r*k+c] += lt.leafValue(p, v[r*nw:(r+1)*nw])
			}
		}
	}
}
