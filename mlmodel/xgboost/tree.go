package xgboost

import (
	"fmt"
	"math"
)

// readTree reads one tree and checks it: every child index in range, every
// node reached once from the root (no cycles), split features below
// numFeature, category sets within bounds.
func readTree(m map[string]any, numFeature int, what string) (tree, error) {
	if p, ok := m["tree_param"].(map[string]any); ok {
		if _, ok := p["size_leaf_vector"]; ok {
			slv, err := intString(p, "size_leaf_vector", what+".tree_param", 0, math.MaxInt32)
			if err != nil {
				return tree{}, err
			}
			if slv > 1 {
				return tree{}, fmt.Errorf("%s has vector leaves (size_leaf_vector %d): multi-output trees are not supported", what, slv)
			}
		}
	}
	left, err := ints(m, "left_children", what, false)
	if err != nil {
		return tree{}, err
	}
	n := len(left)
	if n == 0 {
		return tree{}, fmt.Errorf("%s has no nodes", what)
	}
	right, err := ints(m, "right_children", what, false)
	if err != nil {
		return tree{}, err
	}
	feat, err := ints(m, "split_indices", what, false)
	if err != nil {
		return tree{}, err
	}
	cond, err := floats32(m, "split_conditions", what, false)
	if err != nil {
		return tree{}, err
	}
	dleft, err := ints(m, "default_left", what, false)
	if err != nil {
		return tree{}, err
	}
	stype, err := ints(m, "split_type", what, true)
	if err != nil {
		return tree{}, err
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"right_children", len(right)}, {"split_indices", len(feat)}, {"split_conditions", len(cond)}, {"default_left", len(dleft)}} {
		if c.n != n {
			return tree{}, fmt.Errorf("%s has %d %s for %d nodes", what, c.n, c.name, n)
		}
	}
	if stype != nil && len(stype) != n {
		return tree{}, fmt.Errorf("%s has %d split_type for %d nodes", what, len(stype), n)
	}
	for i := 0; i < n; i++ {
		if left[i] == -1 {
			if right[i] != -1 {
				return tree{}, fmt.Errorf("%s node %d has no left child but a right one", what, i)
			}
			continue
		}
		if left[i] < 0 || left[i] >= int64(n) || right[i] < 0 || right[i] >= int64(n) {
			return tree{}, fmt.Errorf("%s node %d has children %d and %d, outside [0, %d)", what, i, left[i], right[i], n)
		}
		if feat[i] < 0 || feat[i] >= int64(numFeature) {
			return tree{}, fmt.Errorf("%s node %d splits on feature %d, outside [0, %d)", what, i, feat[i], numFeature)
		}
		if math.IsNaN(float64(cond[i])) {
			return tree{}, fmt.Errorf("%s node %d has a NaN threshold", what, i)
		}
	}
	order, err := breadthFirst(left, right, what)
	if err != nil {
		return tree{}, err
	}
	cats, bits, err := readCatSplits(m, left, stype, what)
	if err != nil {
		return tree{}, err
	}
	// Lay the reachable nodes out breadth first: a split's children get
	// the next two free slots, so the right child is always left+1. A
	// leaf steps to itself (see node), so every row can take depth steps.
	t := tree{nodes: make([]node, len(order)), values: make([]float32, len(order)), catBits: bits}
	if len(cats) > 0 {
		t.cats = make([]catRange, len(order))
	}
	at := make([]int32, n)
	level := make([]int32, len(order))
	for k, i := range order {
		at[i] = int32(k)
	}
	for k, i := range order {
		nd := &t.nodes[k]
		if left[i] == -1 {
			t.values[k] = cond[i]
			nd.feature, nd.thr, nd.left, nd.defaultChild = int32(numFeature), math.MinInt32, int32(k)-1, int32(k)
			t.depth = max(t.depth, int(level[k]))
			continue
		}
		nd.thr = key32(cond[i])
		nd.left = at[left[i]]
		if at[right[i]] != nd.left+1 {
			return tree{}, fmt.Errorf("%s: internal error laying out node %d", what, i)
		}
		level[nd.left], level[nd.left+1] = level[k]+1, level[k]+1
		nd.feature = int32(feat[i])
		nd.defaultChild = nd.left + 1
		if dleft[i] != 0 {
			nd.defaultChild = nd.left
		}
		if r, ok := cats[int32(i)]; ok {
			nd.feature = ^nd.feature
			t.cats[k] = r
		}
	}
	return t, nil
}

// breadthFirst returns the nodes reachable from the root in breadth-first
// order, children in left-right pairs, and refuses a node reached twice,
// which would make a cycle or a shared subtree.
func breadthFirst(left, right []int64, what string) ([]int32, error) {
	seen := make([]bool, len(left))
	order := []int32{0}
	seen[0] = true
	for k := 0; k < len(order); k++ {
		i := order[k]
		if left[i] == -1 {
			continue
		}
		for _, c := range []int64{left[i], right[i]} {
			if seen[c] {
				return nil, fmt.Errorf("%s node %d is reached twice from the root", what, c)
			}
			seen[c] = true
			order = append(order, int32(c))
		}
	}
	return order, nil
}

// readCatSplits reads the categorical splits: node categories_nodes[k]
// holds categories[categories_segments[k] : +categories_sizes[k]], the
// categories that go right. It returns each categorical split's range of
// bits, by node index in the file.
func readCatSplits(m map[string]any, left, stype []int64, what string) (map[int32]catRange, []uint64, error) {
	nodes, err := ints(m, "categories_nodes", what, true)
	if err != nil {
		return nil, nil, err
	}
	segs, err := ints(m, "categories_segments", what, true)
	if err != nil {
		return nil, nil, err
	}
	sizes, err := ints(m, "categories_sizes", what, true)
	if err != nil {
		return nil, nil, err
	}
	cats, err := ints(m, "categories", what, true)
	if err != nil {
		return nil, nil, err
	}
	if len(segs) != len(nodes) || len(sizes) != len(nodes) {
		return nil, nil, fmt.Errorf("%s has %d categories_nodes, %d categories_segments and %d categories_sizes",
			what, len(nodes), len(segs), len(sizes))
	}
	isCat := func(i int64) bool { return stype != nil && stype[i] == 1 && left[i] != -1 }
	out := map[int32]catRange{}
	var bits []uint64
	for k, nid := range nodes {
		if nid < 0 || nid >= int64(len(left)) || !isCat(nid) {
			return nil, nil, fmt.Errorf("%s categories_nodes[%d] is %d, not a categorical split", what, k, nid)
		}
		if _, dup := out[int32(nid)]; dup {
			return nil, nil, fmt.Errorf("%s node %d has two category sets", what, nid)
		}
		beg, size := segs[k], sizes[k]
		if beg < 0 || size < 0 || beg > int64(len(cats)) || size > int64(len(cats))-beg {
			return nil, nil, fmt.Errorf("%s category set %d [%d, +%d) is outside the %d categories", what, k, beg, size, len(cats))
		}
		set := cats[beg : beg+size]
		hi := int64(-1)
		for _, c := range set {
			if c < 0 || c >= maxCategory {
				return nil, nil, fmt.Errorf("%s node %d has category %d, outside [0, %d)", what, nid, c, maxCategory)
			}
			hi = max(hi, c)
		}
		if int64(len(bits))+hi/64+1 > maxCatWords {
			return nil, nil, fmt.Errorf("%s: category sets exceed %d words", what, maxCatWords)
		}
		r := catRange{beg: int32(len(bits))}
		bits = append(bits, make([]uint64, hi/64+1)...)
		r.end = int32(len(bits))
		for _, c := range set {
			bits[r.beg+int32(c/64)] |= 1 << (c % 64)
		}
		out[int32(nid)] = r
	}
	for i := range left {
		if _, ok := out[int32(i)]; isCat(int64(i)) && !ok {
			// A categorical split with no stored set sends every
			// category left, as XGBoost's empty bit field does.
			out[int32(i)] = catRange{beg: int32(len(bits)), end: int32(len(bits))}
		}
	}
	return out, bits, nil
}
