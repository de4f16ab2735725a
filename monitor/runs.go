package monitor

// runs is a numerical sample as its distinct values in ascending order with
// the count of each. Every test reads samples in this form: it is exact
// (ties are where the tests need care anyway), and real columns, read from
// text with a few decimals, hold far fewer distinct values than rows, so a
// window of millions of rows fits in a few megabytes.
type runs struct {
	v []float64 // distinct values, ascending
	c []float64 // count of each; float64 keeps the arithmetic in one type
	n float64   // sum of c
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
	r := runs{v: make([]float64, 0, d), c: make([]float64, 0, d), n: float64(len(sorted))}
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

// merge returns the runs of a and b together.
func merge(a, b runs) runs {
	out := runs{v: make([]float64, 0, len(a.v)+len(b.v)), c: make([]float64, 0, len(a.v)+len(b.v)), n: a.n + b.n}
	var i, j int
	for i < len(a.v) || j < len(b.v) {
		switch {
		case j == len(b.v) || i < len(a.v) && a.v[i] < b.v[j]:
			out.v, out.c = append(out.v, a.v[i]), append(out.c, a.c[i])
			i++
		case i == len(a.v) || b.v[j] < a.v[i]:
			out.v, out.c = append(out.v, b.v[j]), append(out.c, b.c[j])
			j++
		default:
			out.v, out.c = append(out.v, a.v[i]), append(out.c, a.c[i]+b.c[j])
			i, j = i+1, j+1
		}
	}
	return out
}

// align walks the union of a's and b's values in ascending order, calling
// f with each value and its count in a and in b (0 where absent).
func align(a, b runs, f func(x, ca, cb float64)) {
	var i, j int
	for i < len(a.v) || j < len(b.v) {
		switch {
		case j == len(b.v) || i < len(a.v) && a.v[i] < b.v[j]:
			f(a.v[i], a.c[i], 0)
			i++
		case i == len(a.v) || b.v[j] < a.v[i]:
			f(b.v[j], 0, b.c[j])
			j++
		default:
			f(a.v[i], a.c[i], b.c[j])
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
const minFlush = 1 << 13

func (b *builder) add(x float64) {
	b.pending = append(b.pending, x)
	if !b.whole && len(b.pending) >= max(minFlush, len(b.r.v)/4) {
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
		b.r = merge(b.r, runsOf(b.pending))
	}
	b.pending = b.pending[:0]
}

// done returns the runs and releases the buffer.
func (b *builder) done() runs {
	b.flush()
	b.pending = nil
	return b.r
}
