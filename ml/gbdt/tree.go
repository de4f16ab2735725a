package gbdt

import "math"

// Node flags.
const (
	flagCategorical = 1 << iota // go left when the category is in the node's set
	flagDefaultLeft             // a missing value goes left
	flagMissingZero             // a missing value is read as 0 (no NaN in training)
)

// node is one internal node, laid out flat so prediction walks a slice
// without pointers or allocation. A child >= 0 is a node; a child < 0 is
// the leaf ^child.
type node struct {
	// threshold: numeric nodes go left when value <= threshold; categorical
	// nodes keep the index of their set in Tree.catSets here, which keeps a
	// node at 24 bytes.
	threshold   float64
	feature     int32
	left, right int32
	flags       uint8
}

// catSet returns the index of a categorical node's set.
func (n *node) catSet() int { return int(n.threshold) }

// Tree is one fitted regression tree. Leaf values include the learning rate.
type Tree struct {
	nodes     []node
	catSets   [][]uint32 // category bitsets: code c is in set s when bit c is set
	leafValue []float64
	leafCount []int
	nodeGain  []float64
}

// NumLeaves returns the number of leaves.
func (t *Tree) NumLeaves() int { return len(t.leafValue) }

// leaf returns the leaf that row (a full feature vector) falls in.
func (t *Tree) leaf(row []float64) int {
	nodes := t.nodes
	if len(nodes) == 0 {
		return 0
	}
	i := int32(0)
	for i >= 0 {
		n := &nodes[i]
		v := row[n.feature]
		// A numeric node with a present value needs one compare, whatever
		// its missing-value flags say; only NaN and categories need goLeft.
		if n.flags&flagCategorical == 0 && v == v {
			if v <= n.threshold {
				i = n.left
			} else {
				i = n.right
			}
			continue
		}
		if n.goLeft(v, t.catSets) {
			i = n.left
		} else {
			i = n.right
		}
	}
	return int(^i)
}

// leafOfCol is leaf for row r of a column-major matrix.
func (t *Tree) leafOfCol(cols [][]float64, r int) int {
	nodes := t.nodes
	if len(nodes) == 0 {
		return 0
	}
	i := int32(0)
	for i >= 0 {
		n := &nodes[i]
		v := cols[n.feature][r]
		if n.flags&flagCategorical == 0 && v == v {
			if v <= n.threshold {
				i = n.left
			} else {
				i = n.right
			}
			continue
		}
		if n.goLeft(v, t.catSets) {
			i = n.left
		} else {
			i = n.right
		}
	}
	return int(^i)
}

func (n *node) goLeft(v float64, sets [][]uint32) bool {
	if n.flags&flagCategorical != 0 {
		c, ok := catCode(v)
		if !ok {
			return false
		}
		set := sets[n.catSet()]
		w := c >> 5
		return w < len(set) && set[w]&(1<<(uint(c)&31)) != 0
	}
	if v != v { // NaN
		if n.flags&flagMissingZero == 0 {
			return n.flags&flagDefaultLeft != 0
		}
		v = 0
	}
	return v <= n.threshold
}

// catBitset builds the set of category codes.
func catBitset(codes []int) []uint32 {
	top := 0
	for _, c := range codes {
		top = max(top, c)
	}
	set := make([]uint32, top/32+1)
	for _, c := range codes {
		set[c>>5] |= 1 << (uint(c) & 31)
	}
	return set
}

// catCodes lists the codes in a bitset, ascending.
func catCodes(set []uint32) []int {
	var out []int
	for w, bits := range set {
		for b := 0; b < 32; b++ {
			if bits&(1<<uint(b)) != 0 {
				out = append(out, w*32+b)
			}
		}
	}
	return out
}

// finite reports whether every leaf value is a finite number.
func (t *Tree) finite() bool {
	for _, v := range t.leafValue {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
