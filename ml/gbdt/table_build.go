package gbdt

import (
	"math"
	"slices"
)

// newTableScorer builds the table scorer for trees over numFeatures
// columns, or returns nil when it cannot: no tree fits a mask, a feature
// has both numeric and categorical nodes, a tree is malformed, or the
// table would take more than maxTableBytes. Callers then walk the trees.
func newTableScorer(trees []*Tree, numFeatures int) *tableScorer {
	if len(trees) == 0 || numFeatures < 1 {
		return nil
	}
	sc := &tableScorer{trees: trees, leafOff: make([]int32, len(trees))}
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
	}
	if walked == len(trees) {
		return nil
	}
	users, ok := featureUsers(trees, sc.walk, numFeatures)
	if !ok {
		return nil
	}
	sc.bytes = len(sc.leafVal)*8 + len(sc.leafOff)*4
	for f, ts := range users {
		if len(ts) == 0 {
			continue
		}
		ft, ok := buildFeature(trees, leftBits, f, ts, maxTableBytes-sc.bytes)
		if !ok {
			return nil
		}
		sc.bytes += len(ft.masks)*8 + len(ft.thresholds)*8 + len(ft.codeClass)*4 + len(ft.trees)*4
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

// featureUsers lists, per feature, the table trees with nodes on it. ok
// is false when a feature has both numeric and categorical nodes.
func featureUsers(trees []*Tree, walk []bool, numFeatures int) (users [][]int32, ok bool) {
	users = make([][]int32, numFeatures)
	kind := make([]uint8, numFeatures) // 1 numeric, 2 categorical
	for t, tr := range trees {
		if walk != nil && walk[t] {
			continue
		}
		for i := range tr.nodes {
			n := &tr.nodes[i]
			k := uint8(1)
			if n.flags&flagCategorical != 0 {
				k = 2
			}
			if kind[n.feature] != 0 && kind[n.feature] != k {
				return nil, false
			}
			kind[n.feature] = k
			if u := users[n.feature]; len(u) == 0 || u[len(u)-1] != int32(t) {
				users[n.feature] = append(u, int32(t))
			}
		}
	}
	return users, true
}

// buildFeature builds feature f's table for the trees ts that use it,
// within budget bytes.
func buildFeature(trees []*Tree, leftBits [][]uint64, f int, ts []int32, budget int) (featureTable, bool) {
	ft := featureTable{feature: f, trees: ts, width: len(ts)}
	if len(ts) == len(trees) {
		ft.trees = nil // every tree: a dense loop, no index list
	}
	if trees[ts[0]].nodes[firstNodeOn(trees[ts[0]], f)].flags&flagCategorical != 0 {
		return ft, ft.buildCategorical(trees, leftBits, ts, budget)
	}
	return ft, ft.buildNumeric(trees, leftBits, ts, budget)
}

// firstNodeOn returns the first node of tr on feature f (tr has one).
func firstNodeOn(tr *Tree, f int) int {
	for i := range tr.nodes {
		if int(tr.nodes[i].feature) == f {
			return i
		}
	}
	return 0
}

// buildNumeric fills the masks of a numeric feature. A node with the j-th
// threshold goes left on classes up to j and right above, so a tree's mask
// for class c is the AND of its nodes with j < c: a running AND over the
// classes. goLeft itself decides each node at its boundary classes and on
// NaN, so the table cannot drift from the walk.
func (ft *featureTable) buildNumeric(trees []*Tree, leftBits [][]uint64, ts []int32, budget int) bool {
	var th []float64
	for _, t := range ts {
		for _, n := range trees[t].nodes {
			if int(n.feature) == ft.feature {
				th = append(th, n.threshold)
			}
		}
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
	ft.masks = make([]uint64, classes*ft.width)
	for i := range ft.masks {
		ft.masks[i] = ^uint64(0)
	}
	w := ft.width
	for col, t := range ts {
		tr := trees[t]
		for i := range tr.nodes {
			n := &tr.nodes[i]
			if int(n.feature) != ft.feature {
				continue
			}
			j, _ := slices.BinarySearch(th, n.threshold)
			right := ^leftBits[t][i]
			if !n.goLeft(th[j], tr.catSets) {
				return false
			}
			if j+1 < k || th[k-1] < math.Inf(1) {
				above := math.Inf(1)
				if j+1 < k {
					above = th[j+1]
				}
				if n.goLeft(above, tr.catSets) {
					return false
				}
				ft.masks[(j+1)*w+col] &= right
			}
			if !n.goLeft(math.NaN(), tr.catSets) {
				ft.masks[(k+1)*w+col] &= right
			}
		}
	}
	// The running AND goes class by class over whole rows, in memory order.
	for c := 1; c <= k; c++ {
		prev, row := ft.masks[(c-1)*w:c*w], ft.masks[c*w:(c+1)*w]
		for col := range row {
			row[col] &= prev[col]
		}
	}
	return true
}

// buildCategorical fills the masks of a categorical feature: one class per
// code in any of its nodes' sets, and the class other for every value that
// is in none (which every node sends right).
func (ft *featureTable) buildCategorical(trees []*Tree, leftBits [][]uint64, ts []int32, budget int) bool {
	var codes []int
	nodes := 0
	for _, t := range ts {
		tr := trees[t]
		for _, n := range tr.nodes {
			if int(n.feature) == ft.feature {
				codes = append(codes, catCodes(tr.catSets[n.catSet()])...)
				nodes++
			}
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	classes := len(codes) + 1
	top := 0
	if len(codes) > 0 {
		top = codes[len(codes)-1] + 1
	}
	if classes*ft.width*8+top*4 > budget || classes*nodes > maxCatWork {
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
	ft.masks = make([]uint64, classes*ft.width)
	for i := range ft.masks {
		ft.masks[i] = ^uint64(0)
	}
	for col, t := range ts {
		tr := trees[t]
		for i := range tr.nodes {
			n := &tr.nodes[i]
			if int(n.feature) != ft.feature {
				continue
			}
			right := ^leftBits[t][i]
			for c := 0; c < classes; c++ {
				rep := math.NaN() // other: catCode rejects it, as it does every value of that class
				if c < len(codes) {
					rep = float64(codes[c])
				}
				if !n.goLeft(rep, tr.catSets) {
					ft.masks[c*ft.width+col] &= right
				}
			}
		}
	}
	return true
}
