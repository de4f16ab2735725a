package tree

import (
	"math/rand/v2"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// TestBinaryPathMatchesHistogram checks the register-sum shortcut for
// two-valued features against the general histogram scan on random nodes.
func TestBinaryPathMatchesHistogram(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 300
	X := ml.NewMatrix(n, 1)
	y, w := make([]float64, n), make([]float64, n)
	for i := range y {
		X.Cols[0][i] = float64(rng.IntN(2)) * 5 // values 0 and 5
		y[i] = float64(rng.IntN(2))
		w[i] = 0.5 + rng.Float64()
	}
	data, err := binMatrix(X, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, crit := range []Criterion{Gini, Entropy} {
		for _, minLeaf := range []int{1, 40, 200} {
			b := newBuilder(growConfig{crit: crit, minLeaf: minLeaf, minSplit: 2, mtry: 1}, data)
			b.grow(y, w, 1) // fills idx, w, wy for all rows
			lo, hi := 17, 17+int(rng.IntN(200))+50
			b.nodeW, b.nodeWY = 0, 0
			for k := lo; k < hi; k++ {
				b.nodeW += b.w[k]
				b.nodeWY += b.wy[k]
			}
			bin := split{proxy: -1e300}
			hist := split{proxy: -1e300}
			var foundBin, foundHist bool
			cb := b.evalBinary(lo, hi, 0, &bin, &foundBin)
			ch := b.evalHistogram(lo, hi, 0, &hist, &foundHist)
			if cb != ch || foundBin != foundHist || bin.threshold != hist.threshold || bin.bin != hist.bin {
				t.Errorf("%s minLeaf %d: binary path (%v %v %+v), histogram (%v %v %+v)", crit, minLeaf, cb, foundBin, bin, ch, foundHist, hist)
			}
			if d := bin.proxy - hist.proxy; d > 1e-9*abs(hist.proxy) || -d > 1e-9*abs(hist.proxy) {
				t.Errorf("%s minLeaf %d: proxy %v, histogram %v", crit, minLeaf, bin.proxy, hist.proxy)
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
