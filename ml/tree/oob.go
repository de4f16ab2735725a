package tree

import (
	"math"
	"sync"

	"github.com/weir-ml/weir/ml/metrics"
)

// oobPredictions returns each training row's mean prediction over the trees
// whose bootstrap did not draw it, or NaN when all did; K values per row for
// multiclass trees. Rows are split into blocks across workers; each row sums
// its trees in order, so the result does not depend on the number of
// workers.
func oobPredictions(trees []*Tree, inBag [][]uint64, data *binned, workers int) []float64 {
	n := data.rows
	if k := trees[0].Classes; k > 0 {
		return oobDistributions(trees, inBag, data, k, workers)
	}
	out := make([]float64, n)
	const block = 4096
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range next {
				for i := start; i < min(start+block, n); i++ {
					s, k := 0.0, 0
					for t, tr := range trees {
						if inBag[t][i/64]&(1<<(i%64)) == 0 {
							s += tr.predictBinned(data, i)
							k++
						}
					}
					out[i] = math.NaN()
					if k > 0 {
						out[i] = s / float64(k)
					}
				}
			}
		}()
	}
	for start := 0; start < n; start += block {
		next <- start
	}
	close(next)
	wg.Wait()
	return out
}

// oobClassification returns the accuracy (class 1 when P > 0.5, so ties go
// to class 0 as with scikit-learn's argmax) and the ROC AUC of the out-of-bag
// predictions, over the rows that have one.
func oobClassification(y, oob []float64) (acc, auc float64) {
	var ys, ps []float64
	correct := 0
	for i, p := range oob {
		if math.IsNaN(p) {
			continue
		}
		ys = append(ys, y[i])
		ps = append(ps, p)
		if (p > 0.5) == (y[i] == 1) {
			correct++
		}
	}
	if len(ys) == 0 {
		return math.NaN(), math.NaN()
	}
	auc, err := metrics.ROCAUC(ys, ps, nil)
	if err != nil {
		auc = math.NaN() // one class only among the out-of-bag rows
	}
	return float64(correct) / float64(len(ys)), auc
}

// oobR2 returns the coefficient of determination of the out-of-bag
// predictions over the rows that have one (NaN when there are none or y is
// constant on them).
func oobR2(y, oob []float64) float64 {
	var sy, n float64
	for i, p := range oob {
		if !math.IsNaN(p) {
			sy += y[i]
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	mean := sy / n
	var ssRes, ssTot float64
	for i, p := range oob {
		if !math.IsNaN(p) {
			ssRes += (y[i] - p) * (y[i] - p)
			ssTot += (y[i] - mean) * (y[i] - mean)
		}
	}
	if ssTot == 0 {
		return math.NaN()
	}
	return 1 - ssRes/ssTot
}

// oobDistributions is oobPredictions for multiclass trees: out[i*k+c] is the
// mean over row i's out-of-bag trees of their leaf's share of class c.
func oobDistributions(trees []*Tree, inBag [][]uint64, data *binned, k, workers int) []float64 {
	n := data.rows
	out := make([]float64, n*k)
	const block = 4096
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for start := range next {
				for i := start; i < min(start+block, n); i++ {
					dst := out[i*k : i*k+k]
					m := 0
					for t, tr := range trees {
						if inBag[t][i/64]&(1<<(i%64)) == 0 {
							l := int(tr.leafBinned(data, i)) * k
							addTo(dst, tr.Dist[l:l+k])
							m++
						}
					}
					for c := range dst {
						if m == 0 {
							dst[c] = math.NaN()
						} else {
							dst[c] /= float64(m)
						}
					}
				}
			}
		}()
	}
	for start := 0; start < n; start += block {
		next <- start
	}
	close(next)
	wg.Wait()
	return out
}

// oobMulticlassAccuracy returns the share of rows with out-of-bag
// probabilities whose most probable class (the first on ties, as numpy's
// argmax) is their label, or NaN when no row has them.
func oobMulticlassAccuracy(y, oob []float64, k int) float64 {
	correct, rows := 0, 0
	for i := range y {
		p := oob[i*k : i*k+k]
		if math.IsNaN(p[0]) {
			continue
		}
		rows++
		if argmax(p) == int(y[i]) {
			correct++
		}
	}
	if rows == 0 {
		return math.NaN()
	}
	return float64(correct) / float64(rows)
}

// argmax returns the index of the largest value, the first on ties.
func argmax(p []float64) int {
	best := 0
	for c, v := range p {
		if v > p[best] {
			best = c
		}
	}
	return best
}
