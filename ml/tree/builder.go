package tree

import (
	"math"
	mathbits "math/bits"
	"math/rand/v2"
	"slices"
)

// epsilon is the impurity at or below which a node counts as pure, as in
// scikit-learn (the float64 machine epsilon).
const epsilon = 0x1p-52

// growConfig is the resolved growth settings of one tree.
type growConfig struct {
	crit     Criterion
	maxDepth int // ≤ 0: unlimited
	minSplit int
	minLeaf  int
	mtry     int // features examined per split (more when some are constant)
	// classes is K for a multiclass tree, whose nodes hold class
	// distributions; 0 for binary classification and regression, whose
	// nodes hold one value.
	classes int
	// midpoints places thresholds on quantile-binned features midway
	// between the training values either side, as scikit-learn places
	// them between neighbouring values in the node. Binary classifiers keep
	// the bin edge, with which their published results were measured.
	midpoints bool
}

// binStat accumulates the rows of one histogram bin.
type binStat struct {
	w, wy float64
	n     int32
}

// split is the best split found at a node.
type split struct {
	feature int
	bin     uint8 // last value bin sent left
	// missingLeft sends missing values left; partition and prediction
	// both follow it.
	missingLeft bool
	threshold   float64
	proxy       float64 // larger is better; comparable within one node only
}

// stackItem is a node waiting to be grown: rows lo..hi of the builder's
// arrays.
type stackItem struct {
	lo, hi, depth int
	parent        int32
	left          bool
}

// builder grows trees depth first, as scikit-learn's DepthFirstTreeBuilder,
// choosing splits from per-node histograms of binned features. It keeps all
// its scratch space between nodes and trees, so growing allocates only the
// node array. A builder is used by one goroutine.
type builder struct {
	cfg  growConfig
	data *binned
	rng  *rand.Rand

	// Rows in the tree, partitioned in place as nodes split; w and wy travel
	// with idx so that histogram building reads them sequentially.
	idx   []int32
	w, wy []float64

	nodeW, nodeWY float64 // totals of the node being split

	// Multiclass trees only: each row's class travels with idx like w, and
	// class histograms hold K weights per bin (see multiclass.go).
	cls  []int32
	mc   *classScratch
	dist []float64

	hist     [maxBins]binStat
	touched  []uint8
	features []int
	stack    []stackItem
	nodes    []Node
}

func newBuilder(cfg growConfig, data *binned) *builder {
	p := len(data.bins)
	b := &builder{cfg: cfg, data: data, touched: make([]uint8, 0, maxBins), features: make([]int, p)}
	if cfg.classes > 2 {
		b.mc = newClassScratch(cfg.classes)
	}
	return b
}

// grow builds a tree on the rows with positive weight w[i]; y is the label
// (0/1, or 0..K-1 for a multiclass builder) or the regression target. seed
// decides the feature sampling.
func (b *builder) grow(y, w []float64, seed uint64) *Tree {
	b.rng = rand.New(rand.NewPCG(seed, 0x5eed))
	// The feature draws permute this slice; start every tree from the same
	// order so a tree depends on its seed only, not on the trees this
	// builder grew before.
	for j := range b.features {
		b.features[j] = j
	}
	b.idx, b.w, b.wy = b.idx[:0], b.w[:0], b.wy[:0]
	for i, wi := range w {
		if wi > 0 {
			b.idx = append(b.idx, int32(i))
			b.w = append(b.w, wi)
			b.wy = append(b.wy, wi*y[i])
		}
	}
	if b.mc != nil {
		b.cls = b.cls[:0]
		for _, i := range b.idx {
			b.cls = append(b.cls, int32(y[i]))
		}
		b.dist = b.dist[:0]
	}
	b.nodes = b.nodes[:0]
	b.stack = append(b.stack[:0], stackItem{lo: 0, hi: len(b.idx), parent: -1})
	for len(b.stack) > 0 {
		it := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		b.growNode(it)
	}
	if b.mc != nil {
		return &Tree{Nodes: slices.Clone(b.nodes), Classes: b.cfg.classes, Dist: slices.Clone(b.dist)}
	}
	return &Tree{Nodes: slices.Clone(b.nodes)}
}

// growNode appends the node for it and, when it splits, queues its children
// (left on top, so the left subtree is numbered first).
func (b *builder) growNode(it stackItem) {
	if b.mc != nil {
		b.growClassNode(it)
		return
	}
	n := it.hi - it.lo
	var W, WY, WYY float64
	for k := it.lo; k < it.hi; k++ {
		W += b.w[k]
		WY += b.wy[k]
		if b.cfg.crit == SquaredError {
			WYY += b.wy[k] * b.wy[k] / b.w[k]
		}
	}
	if n == 0 || W <= 0 {
		// Only a bootstrap that drew nothing but zero-weight rows gets
		// here: a leaf predicting 0 rather than NaN.
		b.nodes = append(b.nodes, Node{Feature: -1})
		return
	}
	imp := impurity(b.cfg.crit, W, WY, WYY)
	id := b.addNode(it, Node{Feature: -1, Value: WY / W, Impurity: imp, Weight: W, Samples: int32(n)})
	if !b.splittable(it, imp) {
		return
	}
	b.nodeW, b.nodeWY = W, WY
	b.splitNode(it, id)
}

// addNode appends nd as the child of it's parent and returns its index.
func (b *builder) addNode(it stackItem, nd Node) int32 {
	id := int32(len(b.nodes))
	b.nodes = append(b.nodes, nd)
	if it.parent >= 0 {
		if it.left {
			b.nodes[it.parent].Left = id
		} else {
			b.nodes[it.parent].Right = id
		}
	}
	return id
}

// splittable reports whether the growth limits let node it, of impurity
// imp, split.
func (b *builder) splittable(it stackItem, imp float64) bool {
	c, n := b.cfg, it.hi-it.lo
	return !((c.maxDepth > 0 && it.depth >= c.maxDepth) || n < c.minSplit || n < 2*c.minLeaf || imp <= epsilon)
}

// splitNode looks for the best split of node id (rows of it) and, when
// there is one, records it and queues the children.
func (b *builder) splitNode(it stackItem, id int32) {
	s, ok := b.findSplit(it.lo, it.hi)
	if !ok {
		return
	}
	mid := b.partition(it.lo, it.hi, s.feature, s.bin, s.missingLeft)
	nd := &b.nodes[id]
	nd.Feature, nd.Threshold, nd.bin, nd.MissingLeft = int32(s.feature), s.threshold, s.bin, s.missingLeft
	b.stack = append(b.stack,
		stackItem{lo: mid, hi: it.hi, depth: it.depth + 1, parent: id},
		stackItem{lo: it.lo, hi: mid, depth: it.depth + 1, parent: id, left: true})
}

// findSplit examines mtry features drawn at random, or more while every
// one drawn is constant on the node (scikit-learn's rule: constant features
// count towards max_features, but the search goes on until one is not), and
// returns the best valid split among them.
func (b *builder) findSplit(lo, hi int) (split, bool) {
	best := split{proxy: math.Inf(-1)}
	found := false
	p := len(b.features)
	varying := 0
	for k := 0; k < p && (k < b.cfg.mtry || varying == 0); k++ {
		r := k + b.rng.IntN(p-k)
		b.features[k], b.features[r] = b.features[r], b.features[k]
		f := b.features[k]
		if !b.evalFeature(lo, hi, f, &best, &found) {
			varying++
		}
	}
	return best, found
}

// evalFeature builds feature f's histogram over rows lo..hi, updates best
// with its best valid split, and reports whether f is constant on the node.
// A bit set of the bins touched lets the scan and the reset visit only the
// non-empty bins, in order, without sorting or clearing all 256.
func (b *builder) evalFeature(lo, hi, f int, best *split, found *bool) (constant bool) {
	if !b.data.missing[f] {
		switch len(b.data.upper[f]) {
		case 1:
			return true
		case 2:
			if b.mc == nil {
				return b.evalBinary(lo, hi, f, best, found)
			}
		}
	}
	if b.mc != nil {
		return b.evalClasses(lo, hi, f, best, found)
	}
	return b.evalHistogram(lo, hi, f, best, found)
}

// evalHistogram is evalFeature for any feature, through its histogram.
func (b *builder) evalHistogram(lo, hi, f int, best *split, found *bool) (constant bool) {
	col := b.data.bins[f]
	h := &b.hist
	idx, w, wy := b.idx[lo:hi], b.w[lo:hi], b.wy[lo:hi]
	var seen [maxBins / 64]uint64
	for k, i := range idx {
		bin := col[i]
		s := &h[bin]
		if s.n == 0 {
			seen[bin>>6] |= 1 << (bin & 63)
		}
		s.n++
		s.w += w[k]
		s.wy += wy[k]
	}
	touched := b.touched[:0]
	for word, bits := range seen {
		for bits != 0 {
			touched = append(touched, uint8(word<<6+mathbits.TrailingZeros64(bits)))
			bits &= bits - 1
		}
	}
	b.touched = touched
	if len(touched) > 1 {
		b.scanSplits(f, len(idx), touched, best, found)
	}
	for _, bin := range touched {
		h[bin] = binStat{}
	}
	return len(touched) <= 1
}

// evalBinary is evalFeature for a two-valued feature, such as a one-hot
// column: it sums the rows in bin 1 in registers and gets bin 0 from the
// node's totals. Histogram updates to one of two bins would instead wait on
// each other through memory, and indicator columns are most columns of
// one-hot encoded data.
func (b *builder) evalBinary(lo, hi, f int, best *split, found *bool) (constant bool) {
	col := b.data.bins[f]
	idx, w, wy := b.idx[lo:hi], b.w[lo:hi], b.wy[lo:hi]
	n1 := 0
	var w1, wy1 float64
	for k, i := range idx {
		bin := col[i]
		x := float64(bin)
		n1 += int(bin)
		w1 += x * w[k]
		wy1 += x * wy[k]
	}
	n0 := len(idx) - n1
	if n0 == 0 || n1 == 0 {
		return true
	}
	if n0 < b.cfg.minLeaf || n1 < b.cfg.minLeaf {
		return false
	}
	proxy := proxyGain(b.cfg.crit, b.nodeW-w1, b.nodeWY-wy1, w1, wy1)
	if proxy > best.proxy {
		*found = true
		*best = split{feature: f, bin: 0, proxy: proxy, threshold: b.threshold(f, 0, 1)}
	}
	return false
}

// scanSplits evaluates the split after each non-empty value bin. When the
// node has missing values (the last touched bin) each split is tried with
// them on the right and on the left, and "all values left, missing right"
// is tried too, as scikit-learn does. Without missing values in the node,
// a split sends future missing values to the child with more rows, also as
// scikit-learn does.
func (b *builder) scanSplits(f, n int, touched []uint8, best *split, found *bool) {
	h := &b.hist
	var tw, twy float64
	for _, bin := range touched {
		tw += h[bin].w
		twy += h[bin].wy
	}
	vals := touched
	var miss binStat
	if b.data.missing[f] && int(touched[len(touched)-1]) == b.data.missingBin(f) {
		miss = h[touched[len(touched)-1]]
		vals = touched[:len(touched)-1]
	}
	hasMiss := miss.n > 0
	var lw, lwy float64
	ln := 0
	for t := range vals {
		s := &h[vals[t]]
		lw += s.w
		lwy += s.wy
		ln += int(s.n)
		last := t == len(vals)-1
		if last && !hasMiss {
			break
		}
		b.consider(f, n, ln, lw, lwy, tw, twy, vals, t, false, hasMiss, best, found)
		if hasMiss && !last {
			b.consider(f, n, ln+int(miss.n), lw+miss.w, lwy+miss.wy, tw, twy, vals, t, true, hasMiss, best, found)
		}
	}
}

// consider records the split with ln rows (weights lw, lwy) on the left,
// after value bin vals[t], when it is valid and better than best.
func (b *builder) consider(f, n, ln int, lw, lwy, tw, twy float64, vals []uint8, t int, missingLeft, hasMiss bool, best *split, found *bool) {
	if ln < b.cfg.minLeaf || n-ln < b.cfg.minLeaf {
		return
	}
	b.take(f, n, ln, proxyGain(b.cfg.crit, lw, lwy, tw-lw, twy-lwy), vals, t, missingLeft, hasMiss, best, found)
}

// take records the split with ln rows on the left, after value bin vals[t],
// when its proxy beats best's.
func (b *builder) take(f, n, ln int, proxy float64, vals []uint8, t int, missingLeft, hasMiss bool, best *split, found *bool) {
	if proxy <= best.proxy {
		return
	}
	*found = true
	s := split{feature: f, bin: vals[t], proxy: proxy, missingLeft: missingLeft}
	if t == len(vals)-1 {
		// Every value left, only the missing rows right: NaN ≤ +Inf is false.
		s.threshold = math.Inf(1)
		s.bin = uint8(b.data.missingBin(f) - 1)
	} else {
		s.threshold = b.threshold(f, vals[t], vals[t+1])
	}
	if !hasMiss {
		s.missingLeft = ln > n-ln
	}
	*best = s
}

// threshold returns the raw-value threshold between bins lastLeft and
// firstRight: the midpoint of the two values present in the node when the
// feature is exact. Otherwise it is the midpoint of the largest training
// value of bin lastLeft and the smallest of bin firstRight with
// cfg.midpoints, the upper edge of bin lastLeft without; the two differ only
// when the bins between are empty in the node.
func (b *builder) threshold(f int, lastLeft, firstRight uint8) float64 {
	if v := b.data.values[f]; v != nil {
		return midpoint(v[lastLeft], v[firstRight])
	}
	if b.cfg.midpoints {
		return midpoint(b.data.hi[f][lastLeft], b.data.lo[f][firstRight])
	}
	return b.data.upper[f][lastLeft]
}

// partition reorders rows lo..hi so that those going left (value bin ≤
// last, or missing when missingLeft) come first, and returns the index of
// the first row of the right child.
func (b *builder) partition(lo, hi, f int, last uint8, missingLeft bool) int {
	col := b.data.bins[f]
	// The missing bin is the highest, so missing values going left need a
	// rule that is not a single bound.
	if missingLeft && b.data.missing[f] {
		mb := uint8(b.data.missingBin(f))
		return b.partitionFunc(lo, hi, func(bin uint8) bool { return bin <= last || bin == mb }, col)
	}
	i, j := lo, hi-1
	for {
		for i <= j && col[b.idx[i]] <= last {
			i++
		}
		for i <= j && col[b.idx[j]] > last {
			j--
		}
		if i >= j {
			return i
		}
		b.swap(i, j)
		i++
		j--
	}
}

// partitionFunc is partition with any rule for the left side.
func (b *builder) partitionFunc(lo, hi int, left func(uint8) bool, col []uint8) int {
	i, j := lo, hi-1
	for {
		for i <= j && left(col[b.idx[i]]) {
			i++
		}
		for i <= j && !left(col[b.idx[j]]) {
			j--
		}
		if i >= j {
			return i
		}
		b.swap(i, j)
		i++
		j--
	}
}

func (b *builder) swap(i, j int) {
	b.idx[i], b.idx[j] = b.idx[j], b.idx[i]
	b.w[i], b.w[j] = b.w[j], b.w[i]
	b.wy[i], b.wy[j] = b.wy[j], b.wy[i]
	if b.mc != nil {
		b.cls[i], b.cls[j] = b.cls[j], b.cls[i]
	}
}

// impurity returns a node's impurity from its total weight W, weighted label
// sum WY and (regression) weighted sum of squares WYY.
func impurity(c Criterion, W, WY, WYY float64) float64 {
	switch c {
	case SquaredError:
		m := WY / W
		return max(WYY/W-m*m, 0)
	case Entropy:
		p := WY / W
		return entropyBits(p) + entropyBits(1-p)
	default:
		p := WY / W
		return 2 * p * (1 - p)
	}
}

func entropyBits(p float64) float64 {
	if p <= 0 {
		return 0
	}
	return -p * math.Log2(p)
}

// proxyGain ranks the splits of one node: it differs from the weighted
// impurity decrease by a constant of the node, so the best split by proxy is
// the best by impurity decrease, and it is cheaper to compute.
func proxyGain(c Criterion, lw, lwy, rw, rwy float64) float64 {
	switch c {
	case SquaredError:
		return lwy*lwy/lw + rwy*rwy/rw
	case Entropy:
		return -lw*impurity(Entropy, lw, lwy, 0) - rw*impurity(Entropy, rw, rwy, 0)
	default:
		ln, rn := lw-lwy, rw-rwy
		return (lwy*lwy+ln*ln)/lw + (rwy*rwy+rn*rn)/rw
	}
}
