package gbdt

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/weir-ml/weir/ml"
)

// A multiclass model grows one tree per class per iteration: Trees[t]
// belongs to class t % NumClass, and a row's raw score for class c is the
// sum of its class's trees, in order (the starting scores are folded into
// the first iteration's trees, as LightGBM folds them). Probabilities are
// the softmax of the K raw scores.

var (
	_ ml.MulticlassClassifier = (*Model)(nil)
	_ ml.RowProbaPredictor    = (*Model)(nil)
)

// NewMulticlassClassifier returns a softmax model over numClass classes
// with LightGBM's defaults; numClass 0 takes the largest label plus one.
func NewMulticlassClassifier(numClass int) *Model {
	m := &Model{Params: DefaultParams(Multiclass)}
	m.NumClass = numClass
	return m
}

// NewModel returns a model for any objective (Binary, Multiclass,
// Regression, RegressionL1, Huber) with LightGBM's defaults.
func NewModel(objective string) *Model { return &Model{Params: DefaultParams(objective)} }

// NumClasses returns the number of classes of a fitted classifier: K for
// a multiclass model, 2 for a binary one, 0 for a regressor or an unfitted
// model.
func (m *Model) NumClasses() int {
	switch {
	case !m.fitted():
		return 0
	case m.Objective == Multiclass:
		return m.NumClass
	case m.Objective == Binary:
		return 2
	}
	return 0
}

// PredictRawMulti returns the raw scores of each row of X, K per row:
// out[i*K+c] is class c's score for row i (for a binary model, K is 1 and
// the score is the log-odds).
func (m *Model) PredictRawMulti(X *ml.Matrix) ([]float64, error) {
	if err := m.checkX(X); err != nil {
		return nil, err
	}
	k := m.Params.classes()
	out := make([]float64, X.Rows*k)
	forBlocks(X.Rows, m.threads(), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			s := out[r*k : (r+1)*k]
			fill(s, m.InitScore)
			for t, tr := range m.Trees {
				s[t%k] += tr.leafValue[tr.leafOfCol(X.Cols, r)]
			}
		}
	})
	return out, nil
}

// PredictProbaMulti returns the class probabilities of each row of X, K
// per row: out[i*K+c] is P(y=c) for row i. A binary model gives K=2 (1-p
// and p).
func (m *Model) PredictProbaMulti(X *ml.Matrix) ([]float64, error) {
	if m.fitted() && m.Objective != Multiclass && m.Objective != Binary {
		return nil, fmt.Errorf("gbdt: class probabilities need a classifier, this model is %q", m.Objective)
	}
	raw, err := m.PredictRawMulti(X)
	if err != nil {
		return nil, err
	}
	if m.Objective == Binary {
		out := make([]float64, 2*len(raw))
		for i, s := range raw {
			p := sigmoid(s)
			out[2*i], out[2*i+1] = 1-p, p
		}
		return out, nil
	}
	k := m.NumClass
	for i := 0; i < len(raw); i += k {
		softmax(raw[i : i+k])
	}
	return raw, nil
}

// PredictProbaRow writes one row's class probabilities into out (K long:
// NumClasses) without allocating. A short row, a regressor, an unfitted
// model or an out of the wrong length gives NaNs.
func (m *Model) PredictProbaRow(row []float64, out []float64) {
	if k := m.NumClasses(); k == 0 || len(out) != k || len(row) < m.NumFeatures {
		fill(out, math.NaN())
		return
	}
	if m.Objective == Binary {
		p := sigmoid(m.PredictRawRow(row))
		out[0], out[1] = 1-p, p
		return
	}
	m.rawRowMulti(row, out)
	softmax(out)
}

// rawRowMulti sets out (NumClass long) to the raw scores of one full row.
func (m *Model) rawRowMulti(row []float64, out []float64) {
	k := len(out)
	fill(out, m.InitScore)
	for t, tr := range m.Trees {
		out[t%k] += tr.leafValue[tr.leaf(row)]
	}
}

// predictedClass returns the class with the highest raw score of one full
// row (the lowest such class on ties), allocating only for more than 64
// classes.
func (m *Model) predictedClass(row []float64) float64 {
	var buf [64]float64
	s := buf[:0]
	if m.NumClass > len(buf) {
		s = make([]float64, m.NumClass)
	}
	s = s[:m.NumClass]
	m.rawRowMulti(row, s)
	return float64(argmax(s))
}

func argmax(s []float64) int {
	best := 0
	for c, v := range s {
		if v > s[best] {
			best = c
		}
	}
	return best
}

var errRowsLength = errors.New("gbdt: out must hold NumClasses values per row")

// PredictProbaRows writes the class probabilities of every row into out,
// K per row (out[i*K+c], K = NumClasses), as PredictProbaRow would, with
// NaNs for a row shorter than NumFeatures. It scores with the per-feature
// tables Fit and Load build when they suit the model, and splits large
// batches between goroutines like PredictRows; the results are
// bit-identical to PredictProbaRow's.
func (m *Model) PredictProbaRows(rows [][]float64, out []float64) error {
	k := m.NumClasses()
	if k == 0 {
		if !m.fitted() {
			return errNotFitted
		}
		return fmt.Errorf("gbdt: class probabilities need a classifier, this model is %q", m.Objective)
	}
	if len(out) < len(rows)*k {
		return errRowsLength
	}
	if m.Objective == Binary {
		p := out[len(rows) : 2*len(rows)]
		m.PredictRows(rows, p)
		// Spread forwards: row i's pair, out[2i:2i+2], lies at or before
		// p[i] = out[n+i], over entries of p already read.
		for i := range rows {
			v := p[i]
			out[2*i], out[2*i+1] = 1-v, v
		}
		return nil
	}
	m.splitRows(rows, func(lo, hi int) { m.probaRows(rows[lo:hi], out[lo*k:hi*k]) })
	return nil
}

// splitRows runs score over [0, len(rows)) in one piece or, for a large
// batch, in one piece per goroutine, as PredictRows decides.
func (m *Model) splitRows(rows [][]float64, score func(lo, hi int)) {
	from := parallelRowTrees
	if m.fast.usable(m) {
		from = parallelRowTreesTable
	}
	workers := 1
	if len(rows)*len(m.Trees) >= from {
		workers = min(runtime.GOMAXPROCS(0), len(rows)/8)
		if m.NumThreads > 0 {
			workers = min(workers, m.NumThreads)
		}
	}
	if workers <= 1 {
		score(0, len(rows))
		return
	}
	var wg sync.WaitGroup
	per := (len(rows) + workers - 1) / workers
	for lo := per; lo < len(rows); lo += per {
		hi := min(lo+per, len(rows))
		wg.Add(1)
		go func() {
			defer wg.Done()
			score(lo, hi)
		}()
	}
	score(0, per)
	wg.Wait()
}

// probaRows is PredictProbaRows for a multiclass model on one goroutine.
func (m *Model) probaRows(rows [][]float64, out []float64) {
	k := m.NumClass
	if m.fast.usable(m) {
		m.fast.rawRowsMulti(m.InitScore, k, rows, m.NumFeatures, out)
	} else {
		for i, r := range rows {
			if len(r) >= m.NumFeatures {
				m.rawRowMulti(r, out[i*k:(i+1)*k])
			}
		}
	}
	for i, r := range rows {
		s := out[i*k : (i+1)*k]
		if len(r) < m.NumFeatures {
			fill(s, math.NaN())
			continue
		}
		softmax(s)
	}
}
