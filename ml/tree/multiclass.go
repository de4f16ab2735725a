package tree

import (
	"math"
	mathbits "math/bits"
)

// classScratch is a multiclass builder's working space: K weights per
// histogram bin and a few K-vectors, kept between nodes and trees.
type classScratch struct {
	k     int
	hist  []float64 // hist[bin*k+c]: weight of class c in the bin
	node  []float64 // class weights of the node being grown
	total []float64 // class weights of the node's rows, summed from the histogram
	left  []float64 // class weights left of the split being scanned
	miss  []float64 // class weights of the node's missing values
}

func newClassScratch(k int) *classScratch {
	return &classScratch{k: k, hist: make([]float64, maxBins*k), node: make([]float64, k),
		total: make([]float64, k), left: make([]float64, k), miss: make([]float64, k)}
}

// growClassNode is growNode for a multiclass tree: the node's value is its
// majority class and its class distribution goes to b.dist.
func (b *builder) growClassNode(it stackItem) {
	n, k := it.hi-it.lo, b.mc.k
	cw := b.mc.node
	clear(cw)
	W := 0.0
	for r := it.lo; r < it.hi; r++ {
		cw[b.cls[r]] += b.w[r]
		W += b.w[r]
	}
	if n == 0 || W <= 0 {
		// As in growNode, only a bootstrap of zero-weight rows gets here:
		// a leaf that knows nothing, with every class equally likely.
		b.addNode(it, Node{Feature: -1})
		for range k {
			b.dist = append(b.dist, 1/float64(k))
		}
		return
	}
	imp := classImpurity(b.cfg.crit, W, cw)
	major := 0
	for c := range cw {
		b.dist = append(b.dist, cw[c]/W)
		if cw[c] > cw[major] {
			major = c
		}
	}
	id := b.addNode(it, Node{Feature: -1, Value: float64(major), Impurity: imp, Weight: W, Samples: int32(n)})
	if !b.splittable(it, imp) {
		return
	}
	b.nodeW = W
	b.splitNode(it, id)
}

// evalClasses is evalHistogram for a multiclass tree: each bin holds its
// weight per class.
func (b *builder) evalClasses(lo, hi, f int, best *split, found *bool) (constant bool) {
	col := b.data.bins[f]
	h, k, ch := &b.hist, b.mc.k, b.mc.hist
	idx, w, cls := b.idx[lo:hi], b.w[lo:hi], b.cls[lo:hi]
	var seen [maxBins / 64]uint64
	for r, i := range idx {
		bin := col[i]
		s := &h[bin]
		if s.n == 0 {
			seen[bin>>6] |= 1 << (bin & 63)
		}
		s.n++
		s.w += w[r]
		ch[int(bin)*k+int(cls[r])] += w[r]
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
		b.scanClassSplits(f, len(idx), touched, best, found)
	}
	for _, bin := range touched {
		h[bin] = binStat{}
		clear(ch[int(bin)*k : int(bin)*k+k])
	}
	return len(touched) <= 1
}

// scanClassSplits is scanSplits over class histograms, with the same rules
// for missing values.
func (b *builder) scanClassSplits(f, n int, touched []uint8, best *split, found *bool) {
	h, k, ch := &b.hist, b.mc.k, b.mc.hist
	total, left, miss := b.mc.total, b.mc.left, b.mc.miss
	clear(total)
	clear(left)
	clear(miss)
	tw := 0.0
	for _, bin := range touched {
		tw += h[bin].w
		addTo(total, ch[int(bin)*k:int(bin)*k+k])
	}
	vals := touched
	var ms binStat
	if last := touched[len(touched)-1]; b.data.missing[f] && int(last) == b.data.missingBin(f) {
		ms = h[last]
		copy(miss, ch[int(last)*k:int(last)*k+k])
		vals = touched[:len(touched)-1]
	}
	hasMiss := ms.n > 0
	lw, ln := 0.0, 0
	for t := range vals {
		bin := vals[t]
		lw += h[bin].w
		ln += int(h[bin].n)
		addTo(left, ch[int(bin)*k:int(bin)*k+k])
		last := t == len(vals)-1
		if last && !hasMiss {
			break
		}
		if ln >= b.cfg.minLeaf && n-ln >= b.cfg.minLeaf {
			p := classProxy(b.cfg.crit, lw, left, nil, tw, total)
			b.take(f, n, ln, p, vals, t, false, hasMiss, best, found)
		}
		if hasMiss && !last {
			mln := ln + int(ms.n)
			if mln >= b.cfg.minLeaf && n-mln >= b.cfg.minLeaf {
				p := classProxy(b.cfg.crit, lw+ms.w, left, miss, tw, total)
				b.take(f, n, mln, p, vals, t, true, hasMiss, best, found)
			}
		}
	}
}

func addTo(dst, src []float64) {
	for c, v := range src {
		dst[c] += v
	}
}

// classProxy is proxyGain for K classes: the left child holds weight lw,
// class weights left (plus extra when not nil), the right child the rest
// of tw and total. For Gini it is Σ left²/lw + Σ right²/rw, scikit-learn's
// proxy; for entropy minus the children's weighted entropies.
func classProxy(crit Criterion, lw float64, left, extra []float64, tw float64, total []float64) float64 {
	rw := tw - lw
	if crit == Entropy {
		var sl, sr float64
		for c, t := range total {
			l := left[c]
			if extra != nil {
				l += extra[c]
			}
			sl += xlog2(l / lw)
			sr += xlog2((t - l) / rw)
		}
		return lw*sl + rw*sr
	}
	var sl, sr float64
	for c, t := range total {
		l := left[c]
		if extra != nil {
			l += extra[c]
		}
		r := t - l
		sl += l * l
		sr += r * r
	}
	return sl/lw + sr/rw
}

// xlog2 returns p·log₂p, 0 at p ≤ 0.
func xlog2(p float64) float64 {
	if p <= 0 {
		return 0
	}
	return p * math.Log2(p)
}

// classImpurity returns the Gini impurity or the entropy (bits) of class
// weights cw that sum to W.
func classImpurity(crit Criterion, W float64, cw []float64) float64 {
	s := 0.0
	if crit == Entropy {
		for _, v := range cw {
			s -= xlog2(v / W)
		}
		return s
	}
	for _, v := range cw {
		p := v / W
		s += p * p
	}
	return 1 - s
}
