package lightgbm

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// parseTree reads the key=value lines of one tree, up to the blank line
// that ends it, and builds a checked tree.
func parseTree(l *lines, b *Booster) (tree, error) {
	kv := map[string]string{}
	for {
		line, ok := l.next()
		if !ok || line == "" {
			break
		}
		k, v, found := strings.Cut(line, "=")
		if !found {
			return tree{}, fmt.Errorf("line %d has no '='", l.n)
		}
		kv[k] = v
	}
	var t tree
	nLeaves, err := treeInt(kv, "num_leaves", 1, maxLeaves)
	if err != nil {
		return t, err
	}
	nCat, err := treeInt(kv, "num_cat", 0, maxLeaves)
	if err != nil {
		return t, err
	}
	if t.leafValue, err = floats(kv, "leaf_value", nLeaves); err != nil {
		return t, err
	}
	t.linear = kv["is_linear"] == "1"
	if t.linear {
		if err := parseLinear(kv, &t, nLeaves); err != nil {
			return t, err
		}
	}
	if nLeaves == 1 {
		return t, t.check(b.NumFeatures())
	}
	nNodes := nLeaves - 1
	left, err := ints(kv, "left_child", nNodes)
	if err != nil {
		return t, err
	}
	right, err := ints(kv, "right_child", nNodes)
	if err != nil {
		return t, err
	}
	feature, err := ints(kv, "split_feature", nNodes)
	if err != nil {
		return t, err
	}
	threshold, err := floats(kv, "threshold", nNodes)
	if err != nil {
		return t, err
	}
	decision := make([]int, nNodes)
	if _, ok := kv["decision_type"]; ok {
		if decision, err = ints(kv, "decision_type", nNodes); err != nil {
			return t, err
		}
	}
	var bounds []int
	if nCat > 0 {
		if bounds, err = ints(kv, "cat_boundaries", nCat+1); err != nil {
			return t, err
		}
		if bounds[0] != 0 {
			return t, fmt.Errorf("cat_boundaries starts at %d, not 0", bounds[0])
		}
		for i := 1; i < len(bounds); i++ {
			if bounds[i] < bounds[i-1] {
				return t, fmt.Errorf("cat_boundaries decrease at entry %d", i)
			}
		}
		f, err := fields(kv, "cat_threshold", bounds[nCat])
		if err != nil {
			return t, err
		}
		t.catBits = make([]uint32, len(f))
		for i, s := range f {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				return t, fmt.Errorf("cat_threshold value %d is %s, not a 32-bit bitset word", i, quoteShort(s))
			}
			t.catBits[i] = uint32(v)
		}
	}
	t.nodes = make([]node, nNodes)
	if nCat > 0 {
		t.cats = make([]catRange, nNodes)
	}
	for i := range t.nodes {
		n := &t.nodes[i]
		d := decision[i]
		if d < 0 || d > 127 {
			return t, fmt.Errorf("node %d has decision_type %d, outside 0..127", i, d)
		}
		n.threshold = threshold[i]
		n.left, n.right, n.feature = int32(left[i]), int32(right[i]), int32(feature[i])
		n.defaultLeft = d&defaultLeftMask != 0
		// LightGBM reads categorical splits only in trees that declare
		// categories (num_cat > 0); elsewhere every split is numerical.
		switch missing := d >> 2 & 3; {
		case d&categoricalMask != 0 && nCat > 0:
			c := threshold[i]
			if c != math.Trunc(c) || c < 0 || c >= float64(nCat) {
				return t, fmt.Errorf("categorical node %d names category set %v, outside 0..%d", i, c, nCat-1)
			}
			n.op = opCategory
			t.cats[i] = catRange{int32(bounds[int(c)]), int32(bounds[int(c)+1])}
		case missing == missingNone:
			n.op = opNumber
			n.nan = n.right
			if 0 <= n.threshold {
				n.nan = n.left
			}
		case missing == missingZero:
			n.op = opZeroMissing
		case missing == missingNaN:
			n.op = opNaNMissing
			n.nan = n.side()
		default:
			return t, fmt.Errorf("node %d has missing type %d, not one of 0 (none), 1 (zero), 2 (NaN)", i, missing)
		}
	}
	if err := t.check(b.NumFeatures()); err != nil {
		return t, err
	}
	t.buildWalk()
	return t, nil
}

// buildWalk sets t.walk and t.depth when every node is a plain numerical
// split. It runs on a checked tree: children come after their parents.
func (t *tree) buildWalk() {
	for i := range t.nodes {
		if t.nodes[i].op > opNaNMissing {
			return
		}
	}
	n := int32(len(t.nodes))
	walk := make([]walkNode, int(n)+len(t.leafValue))
	depth := make([]int, n)
	at := func(c int32, d int) int32 {
		if c < 0 {
			t.depth = max(t.depth, d)
			return n + ^c
		}
		depth[c] = d
		return c
	}
	for i, nd := range t.nodes {
		w := &walk[i]
		w.feature = nd.feature
		w.key = orderKey(math.Float64bits(nd.threshold + 0)) // + 0 turns -0 into 0
		if math.IsNaN(nd.threshold) {
			w.key = math.MinInt64 // no number is <= NaN
		}
		d := depth[i] + 1
		w.next = [4]int32{at(nd.left, d), at(nd.right, d), at(nd.nan, d), at(nd.nan, d)}
	}
	for l := range t.leafValue {
		i := n + int32(l)
		// Every number's key is <= MaxInt64: a leaf leads to itself.
		walk[i] = walkNode{key: math.MaxInt64, next: [4]int32{i, i, i, i}}
	}
	t.walk = walk
	// A lopsided tree makes every row take its longest path: walk it
	// with branches instead.
	if t.depth > 2*bits.Len(uint(len(t.leafValue)))+2 {
		t.walk, t.depth = nil, 0
	}
}

// parseLinear reads the leaf models of a linear tree.
func parseLinear(kv map[string]string, t *tree, nLeaves int) error {
	var err error
	t.leafConst = make([]float64, nLeaves)
	if _, ok := kv["leaf_const"]; ok {
		if t.leafConst, err = floats(kv, "leaf_const", nLeaves); err != nil {
			return err
		}
	}
	t.linStart = make([]int32, nLeaves+1)
	if _, ok := kv["num_features"]; !ok {
		return nil
	}
	counts, err := ints(kv, "num_features", nLeaves)
	if err != nil {
		return err
	}
	total := 0
	for l, c := range counts {
		if c < 0 || c > maxLeaves {
			return fmt.Errorf("leaf %d has %d linear features", l, c)
		}
		total += c
		t.linStart[l+1] = int32(total)
	}
	if total > maxLeaves {
		return fmt.Errorf("linear leaves hold %d coefficients in all", total)
	}
	feats, err := ints(kv, "leaf_features", total)
	if err != nil {
		return err
	}
	if t.linCoeff, err = floats(kv, "leaf_coeff", total); err != nil {
		return err
	}
	t.linFeat = make([]int32, total)
	for i, f := range feats {
		t.linFeat[i] = int32(f)
	}
	return nil
}

func treeInt(kv map[string]string, key string, lo, hi int) (int, error) {
	v, ok := kv[key]
	if !ok {
		return 0, fmt.Errorf("no %s line", key)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s is %s, want an integer from %d to %d", key, quoteShort(v), lo, hi)
	}
	return n, nil
}

// fields splits a space-separated list and checks it has n entries.
func fields(kv map[string]string, key string, n int) ([]string, error) {
	v, ok := kv[key]
	if !ok {
		return nil, fmt.Errorf("no %s line", key)
	}
	f := strings.Fields(v)
	if len(f) != n {
		return nil, fmt.Errorf("%s has %d values, want %d", key, len(f), n)
	}
	return f, nil
}

func floats(kv map[string]string, key string, n int) ([]float64, error) {
	f, err := fields(kv, key, n)
	if err != nil {
		return nil, err
	}
	out := make([]float64, n)
	for i, s := range f {
		if out[i], err = parseFloat(s); err != nil {
			return nil, fmt.Errorf("%s value %d is %s, not a number", key, i, quoteShort(s))
		}
	}
	return out, nil
}

// parseFloat reads a number as LightGBM writes it, including its spellings
// of infinity and NaN.
func parseFloat(s string) (float64, error) {
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "1.#inf":
		return math.Inf(1), nil
	case "-inf", "-infinity", "-1.#inf":
		return math.Inf(-1), nil
	case "nan", "-nan", "1.#ind", "-1.#ind":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(s, 64)
}

func ints(kv map[string]string, key string, n int) ([]int, error) {
	f, err := fields(kv, key, n)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i, s := range f {
		v, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s value %d is %s, not a 32-bit integer", key, i, quoteShort(s))
		}
		out[i] = int(v)
	}
	return out, nil
}
