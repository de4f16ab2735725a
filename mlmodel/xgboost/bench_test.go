package xgboost

import (
	"math"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// lcg is a small deterministic generator for synthetic models and rows.
type lcg uint64

func (s *lcg) next() float64 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return float64(uint64(*s)>>11) / (1 << 53)
}

// synthetic returns a binary:logistic model of nTrees complete trees of the
// given depth over nFeat features, with splits and leaves from a fixed
// seed, and a Scorer over it.
func synthetic(nTrees, depth, nFeat int) *Scorer {
	r := lcg(1)
	b := &Booster{objective: "binary:logistic", booster: "gbtree", numGroup: 1, numFeature: nFeat, base: []float32{0}}
	for t := 0; t < nTrees; t++ {
		n := 1<<(depth+1) - 1
		left, right, feat, dleft := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		cond := make([]float32, n)
		for i := 0; i < n; i++ {
			if l := 2*i + 1; l < n {
				left[i], right[i] = int64(l), int64(l+1)
				feat[i] = int64(r.next() * float64(nFeat))
				cond[i] = float32(2*r.next() - 1)
				if r.next() < 0.5 {
					dleft[i] = 1
				}
			} else {
				left[i], right[i] = -1, -1
				cond[i] = float32(r.next()-0.5) / 10
			}
		}
		tr, err := readTree(map[string]any{"left_children": left, "right_children": right,
			"split_indices": feat, "split_conditions": cond, "default_left": dleft}, nFeat, "synthetic")
		if err != nil {
			panic(err)
		}
		b.trees = append(b.trees, tr)
		b.group = append(b.group, 0)
		b.iterEnd = append(b.iterEnd, t+1)
	}
	s := &Scorer{bst: b, output: mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba}}
	for j := 0; j < nFeat; j++ {
		s.inputs = append(s.inputs, mlmodel.Input{Name: "f" + strconv.Itoa(j), Kind: frame.Float, Required: true})
		s.feature = append(s.feature, j)
	}
	return s
}

// syntheticRows returns rows of uniform values in [-1, 1], 10% missing, as
// Score reads them and as Margin reads them.
func syntheticRows(n, nFeat int) ([][]any, [][]float64) {
	r := lcg(2)
	cells, nums := make([][]any, n), make([][]float64, n)
	for i := range cells {
		cells[i], nums[i] = make([]any, nFeat), make([]float64, nFeat)
		for j := range cells[i] {
			v := 2*r.next() - 1
			if r.next() < 0.1 {
				cells[i][j], nums[i][j] = nil, math.NaN()
				continue
			}
			cells[i][j], nums[i][j] = v, v
		}
	}
	return cells, nums
}

// BenchmarkScore scores 100 rows of 20 features with 100 trees of depth 6
// through the Scorer interface (rows of any).
func BenchmarkScore(b *testing.B) {
	s := synthetic(100, 6, 20)
	rows, _ := syntheticRows(100, 20)
	var out mlmodel.Scores
	out.Resize(len(rows), 2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Score(rows, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

// BenchmarkMargin is BenchmarkScore through the Booster's float64 batch
// method.
func BenchmarkMargin(b *testing.B) {
	s := synthetic(100, 6, 20)
	_, rows := syntheticRows(100, 20)
	out := make([]float32, len(rows))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.bst.Margin(rows, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

func TestScoreAllocates(t *testing.T) {
	s := synthetic(10, 4, 5)
	rows, nums := syntheticRows(20, 5)
	var out mlmodel.Scores
	out.Resize(len(rows), 2)
	s.Score(rows, &out) // warm the pool
	if n := testing.AllocsPerRun(20, func() { s.Score(rows, &out) }); n != 0 {
		t.Errorf("Score: %v allocations per batch, want 0", n)
	}
	m := make([]float32, len(nums))
	if n := testing.AllocsPerRun(20, func() { s.bst.Margin(nums, m) }); n != 0 {
		t.Errorf("Margin: %v allocations per batch, want 0", n)
	}
}

// TestBlocks scores a model with many features, which walks few rows at a
// time, and requires each row's margin to be the one it gets alone.
func TestBlocks(t *testing.T) {
	for _, nFeat := range []int{5, 5000, 100000} {
		s := synthetic(5, 4, nFeat)
		_, rows := syntheticRows(40, nFeat)
		all := make([]float32, len(rows))
		if err := s.bst.Margin(rows, all); err != nil {
			t.Fatal(err)
		}
		one := make([]float32, 1)
		for i, row := range rows {
			if err := s.bst.MarginRow(row, one); err != nil {
				t.Fatal(err)
			}
			if one[0] != all[i] {
				t.Errorf("%d features, row %d: batch margin %v, alone %v", nFeat, i, all[i], one[0])
			}
		}
	}
}
