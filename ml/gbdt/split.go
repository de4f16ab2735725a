package gbdt

import (
	"math"
	"slices"
)

// histBin sums the gradients and hessians of the rows that fall in one
// bin. It holds no row count: like LightGBM, split finding estimates counts
// from hessians, which keeps a bin at 16 bytes.
type histBin struct{ g, h float64 }

func (a *histBin) add(b histBin) { a.g += b.g; a.h += b.h }
func (a *histBin) sub(b histBin) { a.g -= b.g; a.h -= b.h }

// split is the best way found to split one leaf.
type split struct {
	feature     int // -1 when no valid split exists
	gain        float64
	bin         int   // numeric: the last bin that goes left
	defaultLeft bool  // numeric: where the NaN bin goes
	catLeft     []int // categorical: the bins that go left
	left, right histBin
	leftOut     float64
	rightOut    float64
}

// better orders candidate splits: higher gain first, then lower feature
// index, so the choice never depends on the order features were searched.
func (s *split) better(o *split) bool {
	if o.feature < 0 {
		return s.feature >= 0
	}
	return s.feature >= 0 && (s.gain > o.gain || (s.gain == o.gain && s.feature < o.feature))
}

// thresholdL1 soft-thresholds a gradient sum by the L1 penalty.
func thresholdL1(g, l1 float64) float64 {
	r := math.Max(math.Abs(g)-l1, 0)
	if g < 0 {
		return -r
	}
	return r
}

// leafOutput is the Newton step of a leaf with the given sums.
func leafOutput(g, h, l1, l2 float64) float64 {
	return -thresholdL1(g, l1) / (h + l2)
}

// leafGain is how much a leaf with these sums lowers the objective's
// second-order approximation when given its optimal output.
func leafGain(g, h, l1, l2 float64) float64 {
	t := thresholdL1(g, l1)
	return t * t / (h + l2)
}

// splitter finds the best split of one feature's histogram.
//
// Like LightGBM, it checks min_data_in_leaf and min_data_per_group against
// row counts estimated from hessians (a bin's hessian times the leaf's rows
// per unit of hessian) rather than the exact counts: the two agree for
// L2, and matching LightGBM's choice keeps models comparable.
type splitter struct {
	p  *Params
	n  int     // rows in the leaf being split
	cf float64 // its rows per unit of hessian
	// exact follows LightGBM's floating-point steps too (see numericExact).
	exact bool
}

func newSplitter(p *Params, sum histBin, n int) splitter {
	s := splitter{p: p, n: n, exact: p.exactSplits()}
	h := sum.h
	if s.exact {
		h += 2 * kEpsilon
	}
	if sum.h > 0 { // all-zero weights leave no hessian: every count reads 0
		s.cf = float64(n) / h
	}
	return s
}

// exactSplits reports whether split finding reproduces LightGBM's
// floating-point steps as well as its rules: it does for every objective.
func (p *Params) exactSplits() bool { return true }

// count estimates the rows of a bin from its hessian.
func (s splitter) count(b histBin) int { return int(math.Floor(b.h*s.cf + 0.5)) }

// ok reports whether one side of a split, with the estimated row count n,
// is large enough. A side with no hessian at all and no L2 penalty would
// have no defined output, whatever the minimums allow.
func (s splitter) ok(b histBin, n int) bool {
	return n >= s.p.MinDataInLeaf && b.h >= s.p.MinSumHessianInLeaf && b.h+s.p.LambdaL2 > 0
}

// numeric scans the thresholds of a numeric feature. With a NaN bin it
// scans twice, sending the missing values left and then right, and keeps
// the better; a NaN bin is the last bin.
func (s splitter) numeric(f int, hist []histBin, m *binMapper, tot histBin, best *split) {
	if s.exact {
		s.numericExact(f, hist, m, tot, best)
		return
	}
	l1, l2 := s.p.LambdaL1, s.p.LambdaL2
	shift := leafGain(tot.g, tot.h, l1, l2) + s.p.MinGainToSplit
	valueBins := len(hist)
	if m.nanBin >= 0 {
		valueBins--
	}
	cand := split{feature: -1}
	consider := func(left, right histBin, bin int, defaultLeft bool) {
		gain := leafGain(left.g, left.h, l1, l2) + leafGain(right.g, right.h, l1, l2)
		if gain <= shift || (cand.feature >= 0 && gain <= cand.gain+shift) {
			return
		}
		cand = split{feature: f, gain: gain - shift, bin: bin, defaultLeft: defaultLeft, left: left, right: right}
	}
	// Right to left: missing values stay on the left.
	var right histBin
	rn := 0
	for t := valueBins - 1; t >= 1; t-- {
		right.add(hist[t])
		rn += s.count(hist[t])
		if !s.ok(right, rn) {
			continue
		}
		left := tot
		left.sub(right)
		if !s.ok(left, s.n-rn) {
			break
		}
		consider(left, right, t-1, true)
	}
	if m.nanBin >= 0 && valueBins > 1 {
		// Left to right: missing values go right.
		var left histBin
		ln := 0
		for t := 0; t < valueBins-1; t++ {
			left.add(hist[t])
			ln += s.count(hist[t])
			if !s.ok(left, ln) {
				continue
			}
			right := tot
			right.sub(left)
			if !s.ok(right, s.n-ln) {
				break
			}
			consider(left, right, t, false)
		}
	}
	if cand.feature >= 0 {
		cand.leftOut = leafOutput(cand.left.g, cand.left.h, l1, l2)
		cand.rightOut = leafOutput(cand.right.g, cand.right.h, l1, l2)
		if cand.better(best) {
			*best = cand
		}
	}
}

// categorical finds a set of categories to send left. Few categories are
// tried one against the rest; many are ordered by their smoothed mean
// gradient and the best prefix from either end of that order is taken,
// which finds the best partition in one pass as for a binary target. The
// last bin (missing and unseen codes) always goes right. In exact mode the
// hessians carry LightGBM's epsilons as numericExact's do; otherwise eps
// is 0 and every sum below is what it was without them.
func (s splitter) categorical(f int, hist []histBin, tot histBin, best *split) {
	p := s.p
	l1, l2 := p.LambdaL1, p.LambdaL2
	eps := 0.0
	if s.exact {
		eps = kEpsilon
	}
	sumH := tot.h + 2*eps
	shift := leafGain(tot.g, sumH, l1, l2) + p.MinGainToSplit
	ncat := len(hist) - 1
	found := false
	var bestGain, bestG, bestH float64
	var catLeft []int
	// LightGBM counts its missing bin too when comparing with max_cat_to_onehot.
	if ncat+1 <= p.MaxCatToOnehot {
		for t := 0; t < ncat; t++ {
			left := hist[t]
			right := histBin{tot.g - left.g, sumH - left.h - eps}
			ln := s.count(left)
			if !s.ok(left, ln) || !s.ok(right, s.n-ln) {
				continue
			}
			lh := left.h + eps
			gain := leafGain(left.g, lh, l1, l2) + leafGain(right.g, right.h, l1, l2)
			if gain <= shift || (found && gain <= bestGain) {
				continue
			}
			found, bestGain, bestG, bestH = true, gain, left.g, lh
			catLeft = []int{t}
		}
	} else {
		l2 += p.CatL2
		var order []int
		for t := 0; t < ncat; t++ {
			if float64(s.count(hist[t])) >= p.CatSmooth {
				order = append(order, t)
			}
		}
		ctr := func(b histBin) float64 { return b.g / (b.h + p.CatSmooth) }
		slices.SortStableFunc(order, func(a, b int) int {
			ca, cb := ctr(hist[a]), ctr(hist[b])
			switch {
			case ca < cb:
				return -1
			case ca > cb:
				return 1
			}
			return 0
		})
		maxCats := min(p.MaxCatThreshold, (len(order)+1)/2)
		bestDir, bestLen := 0, 0
		for _, dir := range []int{1, -1} {
			left := histBin{0, eps}
			group, ln := 0, 0
			for i := 0; i < len(order) && i < maxCats; i++ {
				t := order[i]
				if dir < 0 {
					t = order[len(order)-1-i]
				}
				left.add(hist[t])
				c := s.count(hist[t])
				ln += c
				group += c
				if !s.ok(left, ln) {
					continue
				}
				right := histBin{tot.g - left.g, sumH - left.h}
				if !s.ok(right, s.n-ln) || s.n-ln < p.MinDataPerGroup {
					break
				}
				if group < p.MinDataPerGroup {
					continue
				}
				group = 0
				gain := leafGain(left.g, left.h, l1, l2) + leafGain(right.g, right.h, l1, l2)
				if gain <= shift || (found && gain <= bestGain) {
					continue
				}
				found, bestGain, bestG, bestH = true, gain, left.g, left.h
				bestDir, bestLen = dir, i+1
			}
		}
		if found {
			catLeft = make([]int, bestLen)
			for i := range catLeft {
				if bestDir > 0 {
					catLeft[i] = order[i]
				} else {
					catLeft[i] = order[len(order)-1-i]
				}
			}
			slices.Sort(catLeft)
		}
	}
	if !found {
		return
	}
	rightG, rightH := tot.g-bestG, sumH-bestH
	cand := split{feature: f, gain: bestGain - shift, catLeft: catLeft,
		left:     histBin{bestG, bestH - eps},
		right:    histBin{rightG, rightH - eps},
		leftOut:  leafOutput(bestG, bestH, l1, l2),
		rightOut: leafOutput(rightG, rightH, l1, l2)}
	if cand.better(best) {
		*best = cand
	}
}

// numericExact is numeric following LightGBM's arithmetic step by step, so
// that splits whose gains tie in exact arithmetic (common in a multiclass
// model's first iterations, where all rows of a class share one gradient)
// go the same way: the leaf's hessian carries 2·kEpsilon and each scan
// starts its side at kEpsilon; a scan keeps its first best raw gain; the
// second scan must beat the first's gain as stored (minus the shift) plus
// the shift; the children's sums drop the epsilons again.
func (s splitter) numericExact(f int, hist []histBin, m *binMapper, tot histBin, best *split) {
	p := s.p
	l1, l2 := p.LambdaL1, p.LambdaL2
	sumH := tot.h + 2*kEpsilon
	shift := leafGain(tot.g, sumH, l1, l2) + p.MinGainToSplit
	valueBins := len(hist)
	if m.nanBin >= 0 {
		valueBins--
	}
	cand := split{feature: -1}
	ok := func(h float64, n int) bool { return n >= p.MinDataInLeaf && h >= p.MinSumHessianInLeaf }
	finish := func(bestGain, leftG, leftH float64, bin int, defaultLeft bool) {
		if cand.feature >= 0 && !(bestGain > cand.gain+shift) {
			return
		}
		rightG, rightH := tot.g-leftG, sumH-leftH
		cand = split{feature: f, gain: bestGain - shift, bin: bin, defaultLeft: defaultLeft,
			left:     histBin{leftG, leftH - kEpsilon},
			right:    histBin{rightG, rightH - kEpsilon},
			leftOut:  leafOutput(leftG, leftH, l1, l2),
			rightOut: leafOutput(rightG, rightH, l1, l2)}
	}
	{ // right to left: missing values stay on the left
		rg, rh, rn := 0.0, kEpsilon, 0
		bestGain, bestG, bestH, bestBin := math.Inf(-1), 0.0, 0.0, -1
		for t := valueBins - 1; t >= 1; t-- {
			rg += hist[t].g
			rh += hist[t].h
			rn += s.count(hist[t])
			if !ok(rh, rn) {
				continue
			}
			lh := sumH - rh
			if !ok(lh, s.n-rn) {
				break
			}
			lg := tot.g - rg
			gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2)
			if gain <= shift {
				continue
			}
			if gain > bestGain {
				bestGain, bestG, bestH, bestBin = gain, lg, lh, t-1
			}
		}
		if bestBin >= 0 {
			finish(bestGain, bestG, bestH, bestBin, true)
		}
	}
	if m.nanBin >= 0 && valueBins > 1 {
		// Left to right: missing values go right. Thresholds run up to
		// the last value bin (every present value left). When bin 0 is
		// the most frequent, LightGBM starts the left side as the total
		// minus every other bin rather than as bin 0.
		lg, lh, ln := 0.0, kEpsilon, 0
		if m.freqBin0() {
			lg, lh, ln = tot.g, sumH-kEpsilon, s.n
			for _, b := range hist[1:] {
				lg -= b.g
				lh -= b.h
				ln -= s.count(b)
			}
		}
		bestGain, bestG, bestH, bestBin := math.Inf(-1), 0.0, 0.0, -1
		for t := 0; t < valueBins; t++ {
			if t > 0 || !m.freqBin0() {
				lg += hist[t].g
				lh += hist[t].h
				ln += s.count(hist[t])
			}
			if !ok(lh, ln) {
				continue
			}
			rh := sumH - lh
			if !ok(rh, s.n-ln) {
				break
			}
			rg := tot.g - lg
			gain := leafGain(lg, lh, l1, l2) + leafGain(rg, rh, l1, l2)
			if gain <= shift {
				continue
			}
			if gain > bestGain {
				bestGain, bestG, bestH, bestBin = gain, lg, lh, t
			}
		}
		if bestBin >= 0 {
			finish(bestGain, bestG, bestH, bestBin, false)
		}
	}
	if cand.feature >= 0 && cand.better(best) {
		*best = cand
	}
}
