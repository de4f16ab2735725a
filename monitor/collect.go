package monitor

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

// Collector gathers a dataset batch by batch for drift tests, keeping of
// each column only what the tests read: the distinct values with their
// counts (numbers) or the count of each category. Memory follows the
// distinct values rather than the rows, so a window too big to load (a CSV
// read with frame.CSVReader, an inference log) is tested exactly, with the
// same results as Drift on the whole frame.
type Collector struct {
	names []string
	kinds []Kind
	cols  []*collected
	rows  int
}

type collected struct {
	b       builder
	counts  map[string]int
	present int
}

// maxSampleRows is the most rows a collector takes, so that a value's
// count fits the four bytes runs keep it in.
const maxSampleRows = math.MaxUint32

// NewCollector returns an empty collector; the first batch fixes its
// columns.
func NewCollector() *Collector { return &Collector{} }

// Rows returns the number of rows added.
func (c *Collector) Rows() int { return c.rows }

// Add adds a batch. Every batch must have the first batch's columns, in
// order, with the same kinds (ints and floats count as one).
func (c *Collector) Add(f *frame.Frame) error {
	if c.names == nil {
		c.names = f.Names()
		for j := range c.names {
			k := kindOfFrame(f.ColumnAt(j))
			c.kinds = append(c.kinds, k)
			col := &collected{}
			if k == Categorical {
				col.counts = map[string]int{}
			}
			c.cols = append(c.cols, col)
		}
	}
	if int64(c.rows)+int64(f.NumRows()) > maxSampleRows {
		return weir.Errorf(weir.ErrInvalidParameterValue, "collector: more than %d rows in one dataset; test shorter windows", maxSampleRows)
	}
	if !slices.Equal(f.Names(), c.names) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "collector: batch has columns %s, want %s", strings.Join(f.Names(), ", "), strings.Join(c.names, ", "))
	}
	for j := range c.names {
		if kindOfFrame(f.ColumnAt(j)) != c.kinds[j] {
			return weir.Errorf(weir.ErrInvalidParameterValue, "collector: column %q changed kind to %s", c.names[j], f.ColumnAt(j).Kind())
		}
	}
	// Columns are independent: spread them over the CPUs.
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for j, col := range c.cols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if c.kinds[j] == Categorical {
				before := sumCounts(col.counts)
				addCategories(col.counts, f.ColumnAt(j))
				col.present += sumCounts(col.counts) - before
				return
			}
			col.present += addNumbers(&col.b, f.ColumnAt(j))
		}()
	}
	wg.Wait()
	c.rows += f.NumRows()
	return nil
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// kindOfFrame is how a frame column's kind reads before options apply.
func kindOfFrame(c frame.Column) Kind {
	switch c.Kind() {
	case frame.Categorical, frame.Bool:
		return Categorical
	}
	return Numerical
}

// sample returns the named column's sample, as categories when the options
// say so.
func (c *Collector) sample(name string, opts DriftOptions) (*sample, error) {
	j := slices.Index(c.names, name)
	if j < 0 {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "no column %q (columns: %s)", name, strings.Join(c.names, ", "))
	}
	col := c.cols[j]
	s := &sample{kind: c.kinds[j], n: col.present, rows: c.rows, counts: col.counts}
	if s.kind == Numerical {
		col.b.flush()
		s.num = col.b.r
		if slices.Contains(opts.Categorical, name) {
			s = s.asCategorical()
		}
	}
	return s, nil
}

// DriftCollected is Drift on two collected datasets.
func DriftCollected(ctx context.Context, ref, cur *Collector, opts DriftOptions) (d *DatasetDrift, err error) {
	defer weir.Wrap(&err, "monitor.DriftCollected")
	if err := opts.check(); err != nil {
		return nil, err
	}
	names, all := opts.columnsFor(ref.names)
	refs := make([]*sample, len(all))
	curs := make([]*sample, len(all))
	for i, name := range all {
		if refs[i], err = ref.sample(name, opts); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "reference: %v", err)
		}
		if curs[i], err = cur.sample(name, opts); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "current: %v", err)
		}
		if refs[i].kind != curs[i].kind {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "column %q is %s in the reference and %s in the current data", name, refs[i].kind, curs[i].kind)
		}
	}
	results, err := parallel(ctx, len(all), func(i int) (ColumnDrift, error) {
		return opts.testSamples(all[i], refs[i], curs[i])
	})
	if err != nil {
		return nil, err
	}
	return opts.assemble(results, len(names)), nil
}
