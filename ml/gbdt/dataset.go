package gbdt

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/weir-ml/weir/ml"
)

// dataset is the training matrix binned once: every column as bin indices,
// one byte per value when the feature has at most 256 bins.
type dataset struct {
	rows    int
	mappers []*binMapper
	cols    []binCol
	offset  []int // start of each feature's bins in a histogram
	nbins   int   // total histogram length
	used    []int // features that can be split on
}

// binCol holds one column's bin indices in whichever width fits.
type binCol struct {
	b8  []uint8
	b16 []uint16
}

// newDataset bins X, computing boundaries from a sample of at most
// p.BinSampleCount rows. Columns are binned in parallel; each column is
// binned by one goroutine, so the result does not depend on scheduling.
func newDataset(ctx context.Context, X *ml.Matrix, p *Params) (*dataset, error) {
	cat := make([]bool, X.NumCols())
	for _, j := range p.CategoricalFeatures {
		cat[j] = true
	}
	sample := sampleRows(X.Rows, p.BinSampleCount, streamSeeds(p.Seed).data)
	d := &dataset{
		rows:    X.Rows,
		mappers: make([]*binMapper, X.NumCols()),
		cols:    make([]binCol, X.NumCols()),
		offset:  make([]int, X.NumCols()+1),
	}
	err := parallelFor(ctx, X.NumCols(), p.threads(), func(j int) {
		col := X.Cols[j]
		buf := samplePool.Get().(*[]float64)
		defer samplePool.Put(buf)
		vals := (*buf)[:0]
		if sample != nil {
			for _, i := range sample {
				vals = append(vals, col[i])
			}
		} else {
			vals = append(vals, col...)
		}
		*buf = vals
		m := newBinMapper(vals, cat[j], p)
		d.mappers[j] = m
		if m.trivial() {
			return
		}
		if m.numBins <= 256 {
			d.cols[j].b8 = binColumn[uint8](m, col)
		} else {
			d.cols[j].b16 = binColumn[uint16](m, col)
		}
	})
	if err != nil {
		return nil, err
	}
	for j, m := range d.mappers {
		d.offset[j+1] = d.offset[j]
		switch {
		case m.trivial():
		case d.cols[j].b8 != nil:
			d.offset[j+1] += 256 // see learner.build
			d.used = append(d.used, j)
		default:
			d.offset[j+1] += m.numBins
			d.used = append(d.used, j)
		}
	}
	d.nbins = d.offset[len(d.mappers)]
	return d, nil
}

// samplePool recycles the per-feature sample copies that bin boundaries are
// computed from, so binning a wide matrix leaves little garbage.
var samplePool = sync.Pool{New: func() any { return new([]float64) }}

func binColumn[T uint8 | uint16](m *binMapper, col []float64) []T {
	out := make([]T, len(col))
	for i, v := range col {
		out[i] = T(m.bin(v))
	}
	return out
}

// binOf returns the bin of row i in feature j.
func (d *dataset) binOf(j, i int) int {
	if c := d.cols[j].b8; c != nil {
		return int(c[i])
	}
	return int(d.cols[j].b16[i])
}

// parallelFor runs f(0..n-1) on up to threads goroutines, each index once.
// Callers make f's result depend only on its index, which keeps training
// deterministic whatever the scheduling.
func parallelFor(ctx context.Context, n, threads int, f func(i int)) error {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			f(i)
		}
		return nil
	}
	var wg sync.WaitGroup
	var next atomic.Int64
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
