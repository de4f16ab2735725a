package lightgbm

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// lcg is a deterministic stream of uniforms in [0, 1).
type lcg uint64

func (s *lcg) next() float64 {
	*s = *s*6364136223846793005 + 1442695040888963407
	return float64(uint64(*s)>>11) / (1 << 53)
}

// syntheticModel writes a binary model of the given trees over nf
// features, each tree full to depth 5 (31 splits, 32 leaves), with NaN as
// missing on every other split.
func syntheticModel(trees, nf int) string {
	rng := lcg(1)
	var b strings.Builder
	names := make([]string, nf)
	infos := make([]string, nf)
	for j := range names {
		names[j] = fmt.Sprintf("f%d", j)
		infos[j] = "[0:1]"
	}
	fmt.Fprintf(&b, "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=%d\n", nf-1)
	fmt.Fprintf(&b, "objective=binary sigmoid:1\nfeature_names=%s\nfeature_infos=%s\n\n", strings.Join(names, " "), strings.Join(infos, " "))
	const splits = 31
	for t := range trees {
		var feat, thr, dt, left, right, leaves []string
		for i := range splits {
			feat = append(feat, fmt.Sprint(int(rng.next()*float64(nf))))
			thr = append(thr, fmt.Sprint(rng.next()))
			dt = append(dt, []string{"2", "10"}[i%2])
			child := func(c int) string {
				if c < splits {
					return fmt.Sprint(c)
				}
				return fmt.Sprint(^(c - splits))
			}
			left = append(left, child(2*i+1))
			right = append(right, child(2*i+2))
		}
		for range splits + 1 {
			leaves = append(leaves, fmt.Sprint(rng.next()-0.5))
		}
		fmt.Fprintf(&b, "Tree=%d\nnum_leaves=%d\nnum_cat=0\nsplit_feature=%s\nthreshold=%s\ndecision_type=%s\nleft_child=%s\nright_child=%s\nleaf_value=%s\nis_linear=0\nshrinkage=0.1\n\n\n",
			t, splits+1, strings.Join(feat, " "), strings.Join(thr, " "), strings.Join(dt, " "),
			strings.Join(left, " "), strings.Join(right, " "), strings.Join(leaves, " "))
	}
	b.WriteString("end of trees\n")
	return b.String()
}

const benchRows, benchTrees, benchFeatures = 100, 100, 20

func benchData() []float64 {
	rng := lcg(2)
	x := make([]float64, benchRows*benchFeatures)
	for i := range x {
		x[i] = rng.next()
	}
	return x
}

// BenchmarkPredictBatch scores 100 rows of a 100-tree model; ns/row is
// ns/op divided by 100.
func BenchmarkPredictBatch(b *testing.B) {
	m := mustParseString(b, syntheticModel(benchTrees, benchFeatures))
	x := benchData()
	out := make([]float64, benchRows)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := m.PredictBatch(x, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*benchRows), "cpu-ns/row")
}

// BenchmarkScore is BenchmarkPredictBatch through the Scorer, from rows of
// boxed values.
func BenchmarkScore(b *testing.B) {
	m := mustParseString(b, syntheticModel(benchTrees, benchFeatures))
	inputs := make([]mlmodel.Input, benchFeatures)
	for j := range inputs {
		inputs[j] = mlmodel.Input{Name: fmt.Sprintf("f%d", j), Kind: frame.Float, Required: true}
	}
	s, err := NewScorer(m, inputs, mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba})
	if err != nil {
		b.Fatal(err)
	}
	x := benchData()
	rows := make([][]any, benchRows)
	for i := range rows {
		rows[i] = make([]any, benchFeatures)
		for j := range rows[i] {
			rows[i][j] = x[i*benchFeatures+j]
		}
	}
	var out mlmodel.Scores
	out.Resize(benchRows, 2)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := s.Score(rows, &out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*benchRows), "cpu-ns/row")
}

// TestBatchEqualsRow checks that the batch walk, four rows abreast with no
// branches, gives the single-row walk's sums bit for bit, edge values
// included.
func TestBatchEqualsRow(t *testing.T) {
	m := mustParseString(t, syntheticModel(20, 5))
	edges := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-320, -1e-320, 0.5, 1, -1}
	rng := lcg(3)
	const n = 63
	x := make([]float64, n*5)
	for i := range x {
		x[i] = rng.next()
		if i%3 == 0 {
			x[i] = edges[i/3%len(edges)]
		}
	}
	batch := make([]float64, n)
	if err := m.PredictRawBatch(x, batch); err != nil {
		t.Fatal(err)
	}
	one := make([]float64, 1)
	for i := range n {
		if err := m.PredictRaw(x[i*5:(i+1)*5], one); err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(one[0]) != math.Float64bits(batch[i]) {
			t.Errorf("row %d: batch %v, one row %v", i, batch[i], one[0])
		}
	}
}
