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
	t := tree{nodes: make([]node, n)}
	for i := range t.nodes {
		nd := &t.nodes[i]
		nd.value, nd.left, nd.catBeg = cond[i], -1, -1
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
		nd.left, nd.right, nd.feature = int32(left[i]), int32(right[i]), int32(feat[i])
		nd.defaultChild = nd.right
		if dleft[i] != 0 {
			nd.defaultChild = nd.left
		}
	}
	if err := checkReach(t.nodes, what); err != nil {
		return tree{}, err
	}
	if err := readCatSplits(m, &t, stype, what); err != nil {
		return tree{}, err
	}
	return t, nil
}

// checkReach walks the tree from the root and refuses a node reached
// twice, which would make a cycle or a shared subtree.
func checkReach(nodes []node, what string) error {
	seen := make([]bool, len(nodes))
	stack := []int32{0}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[i] {
			return fmt.Errorf("%s node %d is reached twice from the root", what, i)
		}
		seen[i] = true
		if nd := nodes[i]; nd.left >= 0 {
			stack = append(stack, nd.left, nd.right)
		}
	}
	return nil
}

// readCatSplits reads the categorical splits: node categories_nodes[k]
// holds categories[categories_segments[k] : +categories_sizes[k]], the
// categories that go right.
func readCatSplits(m map[string]any, t *tree, stype []int64, what string) error {
	nodes, err := ints(m, "categories_nodes", what, true)
	if err != nil {
		return err
	}
	segs, err := ints(m, "categories_segments", what, true)
	if err != nil {
		return err
	}
	sizes, err := ints(m, "categories_sizes", what, true)
	if err != nil {
		return err
	}
	cats, err := ints(m, "categories", what, true)
	if err != nil {
		return err
	}
	if len(segs) != len(nodes) || len(sizes) != len(nodes) {
		return fmt.Errorf("%s has %d categories_nodes, %d categories_segments and %d categories_sizes",
			what, len(nodes), len(segs), len(sizes))
	}
	isCat := func(i int) bool { return stype != nil && stype[i] == 1 }
	for k, nid := range nodes {
		if nid < 0 || nid >= int64(len(t.nodes)) || !isCat(int(nid)) || t.nodes[nid].left < 0 {
			return fmt.Errorf("%s categories_nodes[%d] is %d, not a categorical split", what, k, nid)
		}
		if t.nodes[nid].catBeg >= 0 {
			return fmt.Errorf("%s node %d has two category sets", what, nid)
		}
		beg, size := segs[k], sizes[k]
		if beg < 0 || size < 0 || beg > int64(len(cats)) || size > int64(len(cats))-beg {
			return fmt.Errorf("%s category set %d [%d, +%d) is outside the %d categories", what, k, beg, size, len(cats))
		}
		set := cats[beg : beg+size]
		hi := int64(-1)
		for _, c := range set {
			if c < 0 || c >= maxCategory {
				return fmt.Errorf("%s node %d has category %d, outside [0, %d)", what, nid, c, maxCategory)
			}
			hi = max(hi, c)
		}
		if int64(len(t.catBits))+hi/64+1 > maxCatWords {
			return fmt.Errorf("%s: category sets exceed %d words", what, maxCatWords)
		}
		nd := &t.nodes[nid]
		nd.catBeg = int32(len(t.catBits))
		t.catBits = append(t.catBits, make([]uint64, hi/64+1)...)
		nd.catEnd = int32(len(t.catBits))
		bits := t.catBits[nd.catBeg:nd.catEnd]
		for _, c := range set {
			bits[c/64] |= 1 << (c % 64)
		}
	}
	for i := range t.nodes {
		if isCat(i) && t.nodes[i].left >= 0 && t.nodes[i].catBeg < 0 {
			// A categorical split with no stored set sends every
			// category left, as XGBoost's empty bit field does.
			t.nodes[i].catBeg, t.nodes[i].catEnd = int32(len(t.catBits)), int32(len(t.catBits))
		}
	}
	return nil
}
