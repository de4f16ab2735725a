package gbdt

import (
	"math"
	"runtime"
	"sync"
)

// parallelRowTrees is the number of (row, tree) visits from which
// PredictRows splits a batch between goroutines when it walks trees. Below
// it, waking another core costs more than it saves: on the 2-vCPU benchmark
// machine a 100-row, 100-tree request (10,000 visits, about 0.3 ms walked)
// was slower split in two. The table scorer takes about an eighth of the
// walk's time per visit, so it splits from eight times as many.
const (
	parallelRowTrees      = 1 << 16
	parallelRowTreesTable = 1 << 19
)

// PredictRows sets out[i] to PredictRow(rows[i]) for every row (NaN for a
// row shorter than NumFeatures or an unfitted model); for a multiclass
// model that is the most probable class (PredictProbaRows gives the
// probabilities). It scores with the
// per-feature tables Fit and Load build (see tableScorer), or, for models
// they do not suit, tree by tree over the batch, so a tree's nodes stay in
// cache while every row passes through it. It splits batches of more than
// parallelRowTrees visits between up to GOMAXPROCS goroutines (NumThreads
// caps them). The sums run in the same order as PredictRow's, so the
// results are bit-identical to it.
func (m *Model) PredictRows(rows [][]float64, out []float64) {
	out = out[:len(rows)]
	if !m.fitted() {
		for i := range out {
			out[i] = math.NaN()
		}
		return
	}
	workers, from := 1, parallelRowTrees
	if m.fast.usable(m) {
		from = parallelRowTreesTable
	}
	if len(rows)*len(m.Trees) >= from {
		workers = min(runtime.GOMAXPROCS(0), len(rows)/8)
		if m.NumThreads > 0 {
			workers = min(workers, m.NumThreads)
		}
	}
	if workers <= 1 {
		m.scoreRows(rows, out)
		return
	}
	var wg sync.WaitGroup
	per := (len(rows) + workers - 1) / workers
	for lo := per; lo < len(rows); lo += per {
		hi := min(lo+per, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.scoreRows(rows[lo:hi], out[lo:hi])
		}()
	}
	m.scoreRows(rows[:per], out[:per])
	wg.Wait()
}

// scoreRows is PredictRows on one goroutine.
func (m *Model) scoreRows(rows [][]float64, out []float64) {
	if m.Objective == Multiclass {
		m.classRows(rows, out)
		return
	}
	if m.fast.usable(m) {
		// Score each run of full rows in one call; a short row is NaN.
		lo := 0
		for i := 0; i <= len(rows); i++ {
			if i < len(rows) && len(rows[i]) >= m.NumFeatures {
				continue
			}
			if lo < i {
				m.fast.rawRows(m.InitScore, rows[lo:i], out[lo:i])
			}
			if i < len(rows) {
				out[i] = math.NaN()
			}
			lo = i + 1
		}
	} else {
		m.walkRows(rows, out)
	}
	if m.Objective == Binary {
		for i, s := range out {
			out[i] = sigmoid(s)
		}
	}
}

// walkRows sets out to the raw scores of rows by walking the trees.
func (m *Model) walkRows(rows [][]float64, out []float64) {
	for i, r := range rows {
		out[i] = m.InitScore
		if len(r) < m.NumFeatures {
			out[i] = math.NaN()
		}
	}
	for _, t := range m.Trees {
		for i, r := range rows {
			if len(r) >= m.NumFeatures {
				out[i] += t.leafValue[t.leaf(r)]
			}
		}
	}
}

// classRows sets out to the most probable class of each row of a
// multiclass model (NaN for a short row).
func (m *Model) classRows(rows [][]float64, out []float64) {
	k := m.NumClass
	raw := make([]float64, len(rows)*k)
	if m.fast.usable(m) {
		m.fast.rawRowsMulti(m.InitScore, k, rows, m.NumFeatures, raw)
	}
	for i, r := range rows {
		if len(r) < m.NumFeatures {
			out[i] = math.NaN()
			continue
		}
		s := raw[i*k : (i+1)*k]
		if !m.fast.usable(m) {
			m.rawRowMulti(r, s)
		}
		out[i] = float64(argmax(s))
	}
}
