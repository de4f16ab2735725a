package tree

// Tree is a fitted binary decision tree stored as a flat array of nodes;
// node 0 is the root. A row goes left at a split node when
// row[Feature] ≤ Threshold; a missing value (NaN) goes left when the node's
// MissingLeft is set.
type Tree struct {
	Nodes []Node
	// Classes is K for a multiclass tree and 0 otherwise. Dist then holds
	// every node's class distribution: Dist[i*Classes+c] is the fraction of
	// node i's training weight in class c, as scikit-learn's tree_.value.
	Classes int
	Dist    []float64
}

// Node is one node of a Tree. Leaves have Feature -1.
type Node struct {
	Feature     int32   // split feature, -1 for a leaf
	Left, Right int32   // child node indexes (split nodes only)
	Threshold   float64 // split threshold (split nodes only)
	// MissingLeft sends missing values left: set when that scored better in
	// training, or, when the node saw no missing values, when the left child
	// had more rows (scikit-learn's rule).
	MissingLeft bool
	// Value is the prediction: P(y=1) for a binary classifier, the mean
	// target for a regressor (both weighted), the majority class for a
	// multiclass tree (whose probabilities are in Tree.Dist).
	Value    float64
	Impurity float64 // Gini, entropy (bits) or variance of the node's samples
	Weight   float64 // total sample weight reaching the node in training
	Samples  int32   // training rows reaching the node
	// bin is the last histogram bin sent left, so training rows can be
	// routed by their bins (out-of-bag scoring) without their raw values.
	bin uint8
}

// PredictRow returns the leaf value for one row without allocating.
func (t *Tree) PredictRow(row []float64) float64 {
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return n.Value
		}
		if v := row[n.Feature]; v <= n.Threshold || (n.MissingLeft && v != v) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// leaf returns the index of the leaf row falls in.
func (t *Tree) leaf(row []float64) int32 {
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return i
		}
		if v := row[n.Feature]; v <= n.Threshold || (n.MissingLeft && v != v) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// leafDist returns the class distribution of the leaf row falls in
// (multiclass trees only).
func (t *Tree) leafDist(row []float64) []float64 {
	i := int(t.leaf(row)) * t.Classes
	return t.Dist[i : i+t.Classes]
}

// predictBinned returns the leaf value for training row r of b.
func (t *Tree) predictBinned(b *binned, r int) float64 {
	return t.Nodes[t.leafBinned(b, r)].Value
}

// leafBinned returns the leaf index for training row r of b.
func (t *Tree) leafBinned(b *binned, r int) int32 {
	nodes := t.Nodes
	i := int32(0)
	for {
		n := &nodes[i]
		if n.Feature < 0 {
			return i
		}
		if bin := b.bins[n.Feature][r]; bin <= n.bin || (n.MissingLeft && int(bin) == b.missingBin(int(n.Feature))) {
			i = n.Left
		} else {
			i = n.Right
		}
	}
}

// Leaves returns the number of leaves.
func (t *Tree) Leaves() int {
	n := 0
	for i := range t.Nodes {
		if t.Nodes[i].Feature < 0 {
			n++
		}
	}
	return n
}

// Depth returns the length of the longest root-to-leaf path.
func (t *Tree) Depth() int {
	if len(t.Nodes) == 0 {
		return 0
	}
	var walk func(i int32) int
	walk = func(i int32) int {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			return 0
		}
		return 1 + max(walk(n.Left), walk(n.Right))
	}
	return walk(0)
}

// addImportances adds each split's weighted impurity decrease, divided by
// the root's weight, to imp[feature]: scikit-learn's mean decrease in
// impurity before normalisation.
func (t *Tree) addImportances(imp []float64) {
	if len(t.Nodes) == 0 || t.Nodes[0].Weight <= 0 {
		return
	}
	root := t.Nodes[0].Weight
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			continue
		}
		l, r := &t.Nodes[n.Left], &t.Nodes[n.Right]
		imp[n.Feature] += (n.Weight*n.Impurity - l.Weight*l.Impurity - r.Weight*r.Impurity) / root
	}
}

// normalize scales v to sum to 1, leaving it unchanged when the sum is 0
// (a tree that is a single leaf has no importances).
func normalize(v []float64) {
	s := 0.0
	for _, x := range v {
		s += x
	}
	if s > 0 {
		for i := range v {
			v[i] /= s
		}
	}
}
