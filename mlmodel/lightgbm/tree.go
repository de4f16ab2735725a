package lightgbm

import (
	"fmt"
	"math"
	"math/bits"
)

// Bits of a node's decision_type, as LightGBM writes them.
const (
	categoricalMask = 1
	defaultLeftMask = 2
)

// Missing-value types, bits 2-3 of decision_type.
const (
	missingNone = 0
	missingZero = 1
	missingNaN  = 2
)

// zeroThreshold is LightGBM's kZeroThreshold: the float32 nearest 1e-35,
// within which a value counts as zero for zero-as-missing splits.
var zeroThreshold = float64(float32(1e-35))

// How a node decides, precomputed from its decision_type.
const (
	opNumber      = iota // NaN reads as 0, then value <= threshold goes left
	opNaNMissing         // NaN takes the default side
	opZeroMissing        // NaN reads as 0; zero takes the default side
	opCategory           // value in the node's category set goes left
)

// node is one internal node of a tree. Children >= 0 are nodes, children
// < 0 are ^leaf.
type node struct {
	threshold   float64
	left, right int32
	feature     int32
	// nan is the child NaN goes to on opNumber and opNaNMissing nodes:
	// the side of 0 for the first, the default side for the second.
	nan         int32
	op          uint8
	defaultLeft bool
}

// walkNode is a plain numerical node as step reads it.
type walkNode struct {
	// key is orderKey(threshold): comparing keys compares the numbers.
	key int64
	// next holds the left child, the right child, and the child NaN goes
	// to, twice; children are indices in tree.walk.
	next    [4]int32
	feature int32
}

// catRange bounds a categorical node's bitset in tree.catBits.
type catRange struct{ start, end int32 }

// tree is one decision tree of a Booster.
type tree struct {
	nodes     []node
	leafValue []float64
	// cats[i] is node i's category bitset (categorical trees only).
	cats    []catRange
	catBits []uint32
	// walk is set for trees whose nodes are all plain numerical splits
	// (opNumber, opNaNMissing): their nodes, then one node per leaf that
	// leads back to itself, so that depth steps of step take any row from
	// the root to its leaf with no branch to mispredict.
	walk  []walkNode
	depth int
	// linear leaves (is_linear=1): leafConst[l] plus the sum of
	// coeff[k]*x[feat[k]] for k in [linStart[l], linStart[l+1]).
	linear    bool
	leafConst []float64
	linStart  []int32
	linFeat   []int32
	linCoeff  []float64
}

// next returns the child of node i that value x goes to, for the nodes
// that are not plain numerical splits.
func (t *tree) next(i int32, x float64) int32 {
	n := &t.nodes[i]
	if n.op == opCategory {
		return t.category(i, x)
	}
	// opZeroMissing
	if x != x {
		x = 0
	}
	if x >= -zeroThreshold && x <= zeroThreshold {
		return n.side()
	}
	if x <= n.threshold {
		return n.left
	}
	return n.right
}

func (n *node) side() int32 {
	if n.defaultLeft {
		return n.left
	}
	return n.right
}

// category decides a categorical node as LightGBM does: NaN and negative
// values go right; otherwise the value truncated to an int goes left when
// its bit is set. Values beyond int32, which LightGBM's cast turns
// negative, go right too.
func (t *tree) category(i int32, x float64) int32 {
	n := &t.nodes[i]
	if !(x > -1) || x >= 1<<31 {
		return n.right
	}
	c := int(x)
	r := t.cats[i]
	w := int(r.start) + c/32
	if w >= int(r.end) {
		return n.right
	}
	if t.catBits[w]>>(uint(c)%32)&1 == 1 {
		return n.left
	}
	return n.right
}

// leaf returns the leaf the row x reaches.
func (t *tree) leaf(x []float64) int32 {
	nodes := t.nodes
	if len(nodes) == 0 {
		return 0
	}
	i := int32(0)
	for i >= 0 {
		n := &nodes[i]
		v := x[n.feature]
		switch {
		case n.op > opNaNMissing:
			i = t.next(i, v)
		case v <= n.threshold:
			i = n.left
		case v == v:
			i = n.right
		default:
			i = n.nan
		}
	}
	return ^i
}

// step moves from simple node i to the child the row x goes to. It
// compiles to conditional moves: a walk's cost is then the chain of loads,
// not mispredicted branches.
func step(nodes []walkNode, i int32, k []int64) int32 {
	n := &nodes[i]
	v := k[n.feature]
	// right is 1 when key < v, the signed keys compared as unsigned with
	// their sign bits flipped; nan is 1 for NaN's key, above +Inf's.
	_, right := bits.Sub64(uint64(n.key)^1<<63, uint64(v)^1<<63, 0)
	_, nan := bits.Sub64(uint64(infKey)^1<<63, uint64(v)^1<<63, 0)
	return n.next[(right|nan<<1)&3]
}

// infKey is orderKey of +Inf; nanKey, above it, stands for NaN.
const (
	infKey = 0x7ff0000000000000
	nanKey = math.MaxInt64
)

// rowKeys writes the keys of the row x into k.
func rowKeys(x []float64, k []int64) {
	for j, v := range x {
		if v != v {
			k[j] = nanKey
		} else {
			k[j] = orderKey(math.Float64bits(v))
		}
	}
}

// orderKey maps the bits of a number other than NaN to an integer of the
// same order, so that comparing numbers takes no branch. It puts -0 just
// below 0, which orders it right against thresholds, none of which is -0.
func orderKey(bits uint64) int64 {
	k := int64(bits)
	return k ^ (k>>63)&math.MaxInt64
}

// leaves4 walks four rows of nf features, starting at x[0], x[nf],
// x[2*nf] and x[3*nf], through t.walk side by side, so that the four
// chains of loads overlap, and returns their leaves.
func (t *tree) leaves4(x []int64, nf int) (int32, int32, int32, int32) {
	nodes := t.walk
	x0, x1, x2, x3 := x[:nf], x[nf:2*nf], x[2*nf:3*nf], x[3*nf:4*nf]
	var i0, i1, i2, i3 int32
	for range t.depth {
		i0 = step(nodes, i0, x0)
		i1 = step(nodes, i1, x1)
		i2 = step(nodes, i2, x2)
		i3 = step(nodes, i3, x3)
	}
	first := int32(len(t.nodes))
	return i0 - first, i1 - first, i2 - first, i3 - first
}

// predict returns the tree's output for the row x, which holds at least
// every feature the tree splits on.
func (t *tree) predict(x []float64) float64 {
	leaf := t.leaf(x)
	if !t.linear {
		return t.leafValue[leaf]
	}
	out := t.leafConst[leaf]
	for k := t.linStart[leaf]; k < t.linStart[leaf+1]; k++ {
		v := x[t.linFeat[k]]
		if math.IsNaN(v) {
			return t.leafValue[leaf]
		}
		out += t.linCoeff[k] * v
	}
	return out
}

// check verifies every index the tree holds, so that predict never reads
// out of range and always reaches a leaf.
func (t *tree) check(numFeatures int) error {
	nLeaves := int32(len(t.leafValue))
	nNodes := int32(len(t.nodes))
	for i := range t.nodes {
		n := &t.nodes[i]
		if n.feature < 0 || int(n.feature) >= numFeatures {
			return fmt.Errorf("node %d splits on feature %d, but the model has %d features", i, n.feature, numFeatures)
		}
		for _, c := range [2]int32{n.left, n.right} {
			switch {
			case c >= 0 && (c <= int32(i) || c >= nNodes):
				// LightGBM numbers a child node after its parent; anything
				// else is a cycle or out of range.
				return fmt.Errorf("node %d has child node %d, outside %d..%d", i, c, i+1, nNodes-1)
			case c < 0 && ^c >= nLeaves:
				return fmt.Errorf("node %d has child leaf %d, but the tree has %d leaves", i, ^c, nLeaves)
			}
		}
	}
	if t.linear {
		for k, f := range t.linFeat {
			if f < 0 || int(f) >= numFeatures {
				return fmt.Errorf("linear leaf coefficient %d reads feature %d, but the model has %d features", k, f, numFeatures)
			}
		}
	}
	return nil
}
