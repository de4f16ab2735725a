package gbdt

import (
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
	// leftBits[t][i] has the bits of node i's left subtree's leaves.
	leftBits := make([][]uint64, len(trees))
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
		lb, order, ok := rankLeaves(tr, numFeatures)
		if !ok {
			return nil
		}
		leftBits[t] = lb
		for _, leaf := range order {
			sc.leafVal = append(sc.leafVal, tr.leafValue[leaf])
		}
		for sc.laneBits < len(order) {
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
	return sc
}

// rankLeaves numbers tr's leaves left to right. It returns, per node, the
// bits of its left subtree's leaves, and the leaves in rank order; ok is
// false if the tree is not a proper binary tree over numFeatures columns.
func rankLeaves(tr *Tree, numFeatures int) (leftBits []uint64, order []int, ok bool) {
	nodes := tr.nodes
	if len(tr.leafValue) != len(nodes)+1 {
		return nil, nil, false
	}
	leftBits = make([]uint64, len(nodes))
	order = make([]int, 0, len(tr.leafValue))
	seen := make([]bool, len(tr.leafValue))
	visited := 0
	// span numbers the leaves under child c and returns their rank range;
	// the visit count stops a cycle before it recurses deeper than the
	// number of nodes.
	var span func(c int32) (lo, hi int, ok bool)
	span = func(c int32) (int, int, bool) {
		if c < 0 {
			leaf := int(^c)
			if leaf >= len(seen) || seen[leaf] {
				return 0, 0, false
			}
			seen[leaf] = true
			order = append(order, leaf)
			return len(order) - 1, len(order), true
		}
		if int(c) >= len(nodes) || visited >= len(nodes) {
			return 0, 0, false
		}
		visited++
		n := &nodes[c]
		if n.feature < 0 || int(n.feature) >= numFeatures {
			return 0, 0, false
		}
		lo, mid, ok := span(n.left)
		if !ok {
			return 0, 0, false
		}
		leftBits[c] = (uint64(1)<<(mid-lo) - 1) << lo
		_, hi, ok := span(n.right)
		return lo, hi, ok
	}
	if len(nodes) == 0 {
		return leftBits, append(order, 0), true
	}
	if _, hi, ok := span(0); !ok || hi != len(tr.leafValue) {
		return nil, nil, false
	}
	return leftBits, order, true
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
	th := make([]float64, 0, len(u.nodes))
	for _, ref := range u.nodes {
		v := trees[ref[0]].nodes[ref[1]].threshold
		if v != v {
			return false // the classes need ordered thresholds
		}
		th = append(th, v)
	}
	slices.Sort(th)
	th = slices.Compact(th) // -0 and 0 are one threshold: they compare alike
	k := len(th)
	classes := k + 2
	if classes*ft.width*8+k*8 > budget {
		return false
	}
	ft.thresholds = slices.Clip(th)
	ft.other = k + 1
	ft.kill = make([]uint64, classes*ft.width)
	w, ok := ft.width, true
	ft.columns(sc, leftBits, u, func(tr *Tree, n *node, left uint64, col int) {
		j := lowerBound(th, n.threshold)
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
