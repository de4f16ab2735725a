package monitor

import "slices"

// runs is a numerical sample as its distinct values in ascending order with
// the count of each. Every test reads samples in this form: it is exact
// (ties are where the tests need care anyway), and real columns, read from
// text with a few decimals, hold far fewer distinct values than rows, so a
// window of millions of rows fits in a few megabytes.
type runs struct {
	v []float64 // distinct values, ascending
	// c is the count of each value. Four bytes rather than eight cut a
	// collected window's memory by a quarter; a count cannot pass the rows
	// of a sample, which Collector keeps within maxSampleRows.
	c []uint32
	n float64 // sum of c
}

// runsOf compresses a sorted slice, counting the distinct values first so
// that the runs are allocated once, at their size.
func runsOf(sorted []float64) runs {
	d := 0
	for i, x := range sorted {
		if i == 0 || x != sorted[i-1] {
			d++
		}
	}
	r := runs{v: make([]float64, 0, d), c: make([]uint32, 0, d), n: float64(len(sorted))}
	for i, x := range sorted {
		if i > 0 && x == sorted[i-1] {
			r.c[len(r.c)-1]++
			continue
		}
		r.v = append(r.v, x)
		r.c = append(r.c, 1)
	}
	return r
}

// addSorted adds sorted values (with repeats) to r in place: it counts the
// values r lacks, extends r by that many and merges from the back, so that
// a value never moves before it has been read. Merging into new slices
// instead made a garbage copy of every column's runs at every flush, which
// set the collector's peak memory at about twice the runs.
func (r *runs) addSorted(sorted []float64) {
	fresh := 0
	i := 0
	for j := 0; j < len(sorted); j++ {
		x := sorted[j]
		if j > 0 && x == sorted[j-1] {
			continue
		}
		for i < len(r.v) && r.v[i] < x {
			i++
		}
		if i == len(r.v) || r.v[i] != x {
			fresh++
		}
	}
	old := len(r.v)
	r.v = slices.Grow(r.v, fresh)[:old+fresh]
	r.c = slices.Grow(r.c, fresh)[:old+fresh]
	i, k := old-1, old+fresh-1
	for j := len(sorted) - 1; j >= 0; {
		x, n := sorted[j], 0
		for j >= 0 && sorted[j] == x {
			j, n = j-1, n+1
		}
		for i >= 0 && r.v[i] > x {
			r.v[k], r.c[k] = r.v[i], r.c[i]
			i, k = i-1, k-1
		}
		if i >= 0 && r.v[i] == x {
			r.c[k] = r.c[i] + uint32(n)
			r.v[k] = x
			i--
		} else {
			r.v[k], r.c[k] = x, uint32(n)
		}
		k--
	}
	r.n += float64(len(sorted))
}

// align walks the union of a's and b's values in ascending order, calling
// f with each value and its count in a and in b (0 where absent).
func align(a, b runs, f func(x, ca, cb float64)) {
	var i, j int
	for i < len(a.v) || j < len(b.v) {
		switch {
		case j == len(b.v) || i < len(a.v) && a.v[i] < b.v[j]:
			f(a.v[i], float64(a.c[i]), 0)
			i++
		case i == len(a.v) || b.v[j] < a.v[i]:
			f(b.v[j], 0, float64(b.c[j]))
			j++
		default:
			f(a.v[i], float64(a.c[i]), float64(b.c[j]))
			i, j = i+1, j+1
		}
	}
}

func (r runs) min() float64 { return r.v[0] }
func (r runs) max() float64 { return r.v[len(r.v)-1] }

// builder collects values in a buffer and folds them into runs whenever
// the buffer outgrows the runs, so that memory stays within a small factor
// of the distinct values and the work is O(n log n) overall.
type builder struct {
	r       runs
	pending []float64
	whole   bool // buffer everything and sort once, at done
}

// minFlush is the smallest buffer folded into the runs; past it the buffer
// is folded when it reaches a quarter of the runs, which keeps it small
// beside them while merging stays linear overall.
const minFlush = 1 << 12

func (b *builder) add(x float64) {
	b.pending = append(b.pending, x)
	if !b.whole && len(b.pending) >= max(minFlush, len(b.r.v)/8) {
		b.flush()
	}
}

func (b *builder) flush() {
	if len(b.pending) == 0 {
		return
	}
	sortFloats(b.pending)
	if len(b.r.v) == 0 {
		b.r = runsOf(b.pending)
	} else {
		b.r.addSorted(b.pending)
	}
	b.pending = b.pending[:0]
}

// done returns the runs and releases the buffer.
func (b *builder) done() runs {
	b.flush()
	b.pending = nil
	return b.r
}
