package gbdt

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// Limits on building the table: maxTableBytes caps its memory, maxCatWork
// the categorical (class, node) pairs to decide, which keeps a model with
// huge category sets from slowing start-up, and maxTableLeafs is the
// most leaves a word holds.
const (
	maxTableBytes = 32 << 20
	maxCatWork    = 4 << 20
	maxTableLeafs = 64
)

// newTableScorer builds the table scorer for trees over numFeatures
// columns, or returns nil when it cannot: no tree fits a word, a feature
// has both numeric and categorical nodes, a tree is malformed, or the
// table would take more than maxTableBytes. Callers then walk the trees.
func newTableScorer(trees []*Tree, numFeatures int) *tableScorer {
	if len(trees) == 0 || numFeatures < 1 {
		return nil
	}
	sc := &tableScorer{trees: trees, leafOff: make([]int32, len(trees)), laneBits: 1}
	nodes, leaves := 0, 0
	for _, tr := range trees {
		if len(tr.leafValue) <= maxTableLeafs {
			nodes, leaves = nodes+len(tr.nodes), leaves+len(tr.leafValue)
		}
	}
	// leftBits[t][i] has the bits of node i's left subtree's leaves.
	leftBits := make([][]uint64, len(trees))
	flat := make([]uint64, nodes)
	sc.leafVal = make([]float64, 0, leaves)
	r := &leafRanker{numFeatures: numFeatures}
	walked := 0
	for t, tr := range trees {
		sc.leafOff[t] = int32(len(sc.leafVal))
		if len(tr.leafValue) > maxTableLeafs {
			if sc.walk == nil {
				sc.walk = make([]bool, len(trees))
			}
			sc.walk[t] = true
			walked++
			continue
		}
		leftBits[t], flat = flat[:len(tr.nodes):len(tr.nodes)], flat[len(tr.nodes):]
		if !r.rank(tr, leftBits[t]) {
			return nil
		}
		for _, leaf := range r.order[:r.ranked] {
			sc.leafVal = append(sc.leafVal, tr.leafValue[leaf])
		}
		for sc.laneBits < r.ranked {
			sc.laneBits *= 2
		}
	}
	if walked == len(trees) {
		return nil
	}
	sc.laneShift = bits.TrailingZeros(uint(64 / sc.laneBits))
	sc.words = (len(trees)-1)>>sc.laneShift + 1
	users, ok := featureUsers(trees, sc.walk, numFeatures, sc.laneShift)
	if !ok {
		return nil
	}
	sc.bytes = len(sc.leafVal)*8 + len(sc.leafOff)*4
	for f := range users {
		u := &users[f]
		if len(u.nodes) == 0 {
			continue
		}
		ft := featureTable{feature: f, words: u.words, width: len(u.words)}
		if 2*len(u.words) >= sc.words {
			ft.words, ft.width = nil, sc.words
		}
		budget := maxTableBytes - sc.bytes
		if u.categorical && !ft.buildCategorical(sc, leftBits, u, budget) ||
			!u.categorical && !ft.buildNumeric(sc, leftBits, u, budget) {
			return nil
		}
		sc.bytes += len(ft.kill)*8 + len(ft.thresholds)*8 + len(ft.codeClass)*4 + len(ft.words)*4
		sc.feats = append(sc.feats, ft)
	}
	slices.SortStableFunc(sc.feats, func(a, b featureTable) int {
		return cmp.Compare(len(a.words), len(b.words)) // dense (nil) first
	})
	for _, f := range sc.feats {
		if f.words == nil {
			sc.dense++
		}
	}
	sc.none = make([]uint64, sc.words)
	return sc
}

// leafRanker numbers a tree's leaves left to right; its arrays are
// scratch reused from tree to tree.
type leafRanker struct {
	nodes       []node
	numFeatures int
	leftBits    []uint64 // per node: the bits of its left subtree's leaves
	seen        [maxTableLeafs]bool
	order       [maxTableLeafs]int32 // leaves in rank order
	ranked      int
	visited     int
}

// rank numbers tr's leaves, filling leftBits (one per node) and r.order;
// ok is false unless tr is a proper binary tree over numFeatures columns
// with at most maxTableLeafs leaves.
func (r *leafRanker) rank(tr *Tree, leftBits []uint64) (ok bool) {
	leaves := len(tr.leafValue)
	if leaves != len(tr.nodes)+1 || leaves > maxTableLeafs || len(leftBits) != len(tr.nodes) {
		return false
	}
	r.nodes, r.leftBits, r.ranked, r.visited = tr.nodes, leftBits, 0, 0
	clear(r.seen[:leaves])
	if len(tr.nodes) == 0 {
		r.order[0], r.ranked = 0, 1
		return true
	}
	_, hi, ok := r.span(0)
	return ok && hi == leaves
}

// span numbers the leaves under child c and returns their rank range. The
// visit count stops a cycle before it recurses deeper than the number of
// nodes.
func (r *leafRanker) span(c int32) (lo, hi int, ok bool) {
	if c < 0 {
		leaf := int(^c)
		if leaf >= len(r.nodes)+1 || r.seen[leaf] {
			return 0, 0, false
		}
		r.seen[leaf] = true
		r.order[r.ranked] = int32(leaf)
		r.ranked++
		return r.ranked - 1, r.ranked, true
	}
	if int(c) >= len(r.nodes) || r.visited >= len(r.nodes) {
		return 0, 0, false
	}
	r.visited++
	n := &r.nodes[c]
	if n.feature < 0 || int(n.feature) >= r.numFeatures {
		return 0, 0, false
	}
	lo, mid, ok := r.span(n.left)
	if !ok {
		return 0, 0, false
	}
	r.leftBits[c] = (uint64(1)<<(mid-lo) - 1) << lo
	_, hi, ok = r.span(n.right)
	return lo, hi, ok
}

// featureNodes are the nodes on one feature.
type featureNodes struct {
	categorical bool
	words       []int32    // the words of the table trees with nodes on it, ascending
	nodes       [][2]int32 // (tree, node) pairs, in tree order
}

// featureUsers lists, per feature, the nodes of the table trees on it,
// for trees packed 1<<laneShift to a word. ok is false when a feature has
// both numeric and categorical nodes.
func featureUsers(trees []*Tree, walk []bool, numFeatures, laneShift int) (users []featureNodes, ok bool) {
	users = make([]featureNodes, numFeatures)
	count := make([]int, numFeatures)
	for t, tr := range trees {
		if walk == nil || !walk[t] {
			for i := range tr.nodes {
				count[tr.nodes[i].feature]++
			}
		}
	}
	for f, n := range count {
		users[f].nodes = make([][2]int32, 0, n)
	}
	for t, tr := range trees {
		if walk != nil && walk[t] {
			continue
		}
		w := int32(t >> laneShift)
		for i := range tr.nodes {
			n := &tr.nodes[i]
			u := &users[n.feature]
			cat := n.flags&flagCategorical != 0
			if len(u.nodes) > 0 && u.categorical != cat {
				return nil, false
			}
			u.categorical = cat
			if len(u.words) == 0 || u.words[len(u.words)-1] != w {
				u.words = append(u.words, w)
			}
			u.nodes = append(u.nodes, [2]int32{int32(t), int32(i)})
		}
	}
	return users, true
}

// columns calls f for every node of u with its tree, the node, the
// node's left-subtree leaves shifted to the tree's lane, and the column
// of its word in ft.kill.
func (ft *featureTable) columns(sc *tableScorer, leftBits [][]uint64, u *featureNodes, f func(tr *Tree, n *node, left uint64, col int)) {
	pos := -1
	lane := 1<<sc.laneShift - 1
	for _, ref := range u.nodes {
		t, i := int(ref[0]), int(ref[1])
		w := t >> sc.laneShift
		if pos < 0 || int(u.words[pos]) != w {
			pos++
		}
		col := w
		if ft.words != nil {
			col = pos
		}
		left := leftBits[t][i] << (uint(t&lane) * uint(sc.laneBits))
		f(sc.trees[t], &sc.trees[t].nodes[i], left, col)
	}
}

// buildNumeric fills the masks of a numeric feature. A node with the j-th
// threshold goes left on classes up to j and right above, so the leaves
// class c rules out in a tree are those of its nodes with j < c: a running
// OR over the classes. goLeft itself decides each node at its boundary
// classes and on NaN, so the table cannot drift from the walk.
func (ft *featureTable) buildNumeric(sc *tableScorer, leftBits [][]uint64, u *featureNodes, budget int) bool {
	trees := sc.trees
	vals := make([]float64, len(u.nodes))
	for i, ref := range u.nodes {
		vals[i] = trees[ref[0]].nodes[ref[1]].threshold
	}
	th, rank, ok := rankThresholds(vals)
	if !ok {
		return false
	}
	k := len(th)
	classes := k + 2
	if classes*ft.width*8+k*8 > budget {
		return false
	}
	ft.thresholds = th
	ft.other = k + 1
	ft.kill = make([]uint64, classes*ft.width)
	w, next := ft.width, 0
	ft.columns(sc, leftBits, u, func(tr *Tree, n *node, left uint64, col int) {
		j := int(rank[next])
		next++
		if !n.goLeft(th[j], tr.catSets) {
			ok = false
		}
		// Above the last threshold is a class only if it is below +Inf.
		if j+1 < k || th[k-1] < math.Inf(1) {
			above := math.Inf(1)
			if j+1 < k {
				above = th[j+1]
			}
			if n.goLeft(above, tr.catSets) {
				ok = false
			}
			ft.kill[(j+1)*w+col] |= left
		}
		if !n.goLeft(math.NaN(), tr.catSets) {
			ft.kill[(k+1)*w+col] |= left
		}
	})
	// The running OR goes class by class over whole rows, in memory order.
	for c := 1; c <= k; c++ {
		prev, row := ft.kill[(c-1)*w:c*w], ft.kill[c*w:(c+1)*w]
		for col := range row {
			row[col] |= prev[col]
		}
	}
	return ok
}

// rankThresholds returns the distinct values of vals in ascending order,
// and the index of each value among them. A hash table finds the distinct
// values, so only they are sorted and no value needs a search: with
// hundreds of nodes on each feature, sorting and searching them all was
// most of the time it took to build a table. NaN makes ok false: the
// classes need ordered thresholds.
func rankThresholds(vals []float64) (sorted []float64, rank []int32, ok bool) {
	size := 16
	for size < 2*len(vals) {
		size *= 2
	}
	shift := 64 - uint(bits.TrailingZeros(uint(size)))
	slot := make([]int32, size) // 1 + the value's distinct index; 0 when empty
	key := make([]uint64, size)
	var distinct []float64
	rank = make([]int32, len(vals))
	for i, v := range vals {
		if v != v {
			return nil, nil, false
		}
		if v == 0 {
			v = 0 // -0 and 0 are one threshold: they compare alike
		}
		b := math.Float64bits(v)
		h := (b * 0x9e3779b97f4a7c15) >> shift
		for slot[h] != 0 && key[h] != b {
			h = (h + 1) & uint64(size-1)
		}
		if slot[h] == 0 {
			distinct = append(distinct, v)
			slot[h], key[h] = int32(len(distinct)), b
		}
		rank[i] = slot[h] - 1
	}
	// Sort the distinct values, then find each in the table again to learn
	// its place: cheaper than sorting indices through a comparison func.
	sorted = slices.Clone(distinct)
	slices.Sort(sorted)
	at := make([]int32, len(distinct))
	for r, v := range sorted {
		b := math.Float64bits(v)
		h := (b * 0x9e3779b97f4a7c15) >> shift
		for key[h] != b {
			h = (h + 1) & uint64(size-1)
		}
		at[slot[h]-1] = int32(r)
	}
	for i, d := range rank {
		rank[i] = at[d]
	}
	return sorted, rank, true
}

// buildCategorical fills the masks of a categorical feature: one class per
// code in any of its nodes' sets, and the class other for every value that
// is in none (which every node sends right).
func (ft *featureTable) buildCategorical(sc *tableScorer, leftBits [][]uint64, u *featureNodes, budget int) bool {
	trees := sc.trees
	var codes []int
	for _, ref := range u.nodes {
		tr := trees[ref[0]]
		codes = append(codes, catCodes(tr.catSets[tr.nodes[ref[1]].catSet()])...)
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	classes := len(codes) + 1
	top := 0
	if len(codes) > 0 {
		top = codes[len(codes)-1] + 1
	}
	if classes*ft.width*8+top*4 > budget || classes*len(u.nodes) > maxCatWork {
		return false
	}
	ft.other = len(codes)
	ft.codeClass = make([]int32, top)
	for i := range ft.codeClass {
		ft.codeClass[i] = int32(ft.other)
	}
	for c, code := range codes {
		ft.codeClass[code] = int32(c)
	}
	ft.kill = make([]uint64, classes*ft.width)
	ft.columns(sc, leftBits, u, func(tr *Tree, n *node, left uint64, col int) {
		for c := range classes {
			rep := math.NaN() // other: catCode rejects it, as it does every value of that class
			if c < len(codes) {
				rep = float64(codes[c])
			}
			if !n.goLeft(rep, tr.catSets) {
				ft.kill[c*ft.width+col] |= left
			}
		}
	})
	return true
}
