package lightgbm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
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

// leafwiseModel writes a binary model grown as LightGBM grows trees, leaf
// by leaf: tree t splits, leaves[t%len(leaves)]-1 times, a leaf picked in proportion
// to the rows it holds, on a random feature at a value near one end of its
// rows' (plus 0.5, as LightGBM puts thresholds between integers). Features take
// integer values in [0, cards[j]). Its trees are lopsided as LightGBM's
// are: depths of 8 to 20 for 31 leaves.
func leafwiseModel(trees int, leaves []int, cards []int) string {
	rng := lcg(4)
	nf := len(cards)
	rows := leafwiseRows(2000, cards, 5)
	var b strings.Builder
	names := make([]string, nf)
	infos := make([]string, nf)
	for j := range names {
		names[j] = fmt.Sprintf("f%d", j)
		infos[j] = fmt.Sprintf("[0:%d]", cards[j]-1)
	}
	fmt.Fprintf(&b, "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nlabel_index=0\nmax_feature_idx=%d\n", nf-1)
	fmt.Fprintf(&b, "objective=binary sigmoid:1\nfeature_names=%s\nfeature_infos=%s\n\n", strings.Join(names, " "), strings.Join(infos, " "))
	for t := range trees {
		// members[l] are the rows in leaf l; parent[l] the node above it
		// and whether it is that node's left child.
		members := [][]int{make([]int, len(rows)/nf)}
		for i := range members[0] {
			members[0][i] = i
		}
		type slot struct {
			node int
			left bool
		}
		parent := []slot{{-1, false}}
		var feat, left, right []int
		var thr []float64
		for len(members) < leaves[t%len(leaves)] {
			total := 0
			for _, m := range members {
				total += len(m)
			}
			pick := int(rng.next() * float64(total))
			l := 0
			for pick >= len(members[l]) && l < len(members)-1 {
				pick -= len(members[l])
				l++
			}
			if len(members[l]) < 2 {
				break
			}
			f := int(rng.next() * float64(nf))
			// Gains favour splits that cut a few rows off a big leaf:
			// take the value at a quantile near one end.
			vals := make([]float64, len(members[l]))
			for k, i := range members[l] {
				vals[k] = rows[i*nf+f]
			}
			slices.Sort(vals)
			q := rng.next()
			q *= q * q
			if rng.next() < 0.5 {
				q = 1 - q
			}
			th := vals[min(int(q*float64(len(vals))), len(vals)-1)] + 0.5
			var lo, hi []int
			for _, i := range members[l] {
				if rows[i*nf+f] <= th {
					lo = append(lo, i)
				} else {
					hi = append(hi, i)
				}
			}
			node := len(feat)
			feat, thr = append(feat, f), append(thr, th)
			left, right = append(left, ^l), append(right, ^len(members))
			if p := parent[l]; p.node >= 0 {
				if p.left {
					left[p.node] = node
				} else {
					right[p.node] = node
				}
			}
			members[l] = lo
			members = append(members, hi)
			parent[l] = slot{node, true}
			parent = append(parent, slot{node, false})
		}
		values := make([]string, len(members))
		for l := range values {
			values[l] = fmt.Sprint(rng.next() - 0.5)
		}
		join := func(xs []int) string { return strings.Trim(fmt.Sprint(xs), "[]") }
		dt := strings.TrimSpace(strings.Repeat("2 ", len(feat)))
		fmt.Fprintf(&b, "Tree=%d\nnum_leaves=%d\nnum_cat=0\nsplit_feature=%s\nthreshold=%s\ndecision_type=%s\nleft_child=%s\nright_child=%s\nleaf_value=%s\nis_linear=0\nshrinkage=0.1\n\n\n",
			t, len(members), join(feat), strings.Trim(fmt.Sprint(thr), "[]"), dt, join(left), join(right), strings.Join(values, " "))
	}
	b.WriteString("end of trees\n")
	return b.String()
}

// leafwiseRows returns n rows of integer features in [0, cards[j]), row
// by row, skewed towards small values as counts and balances are.
func leafwiseRows(n int, cards []int, seed lcg) []float64 {
	rng := seed
	x := make([]float64, n*len(cards))
	for i := range x {
		u := rng.next()
		x[i] = math.Floor(u * u * float64(cards[i%len(cards)]))
	}
	return x
}

// bankLike are the value counts of the serving benchmark's six bank
// columns, roughly: age, balance, day, campaign, pdays, previous.
var bankLike = []int{45, 5000, 31, 30, 200, 15}

// BenchmarkLightGBMRows scores 100 rows at a time, and one, with the leaf
// table and with the tree walk it replaces, on a model shaped like the
// serving benchmark's (100 trees of 31 leaves grown leaf-wise, six integer
// features), on the full depth-5 trees of 20 features of
// BenchmarkPredictBatch, and, when bench/serve/run.sh has left it in
// WEIR_SERVE_BENCH_DIR (default /tmp/weir-serve-bench), on the serving
// benchmark's own LightGBM model and request rows. cpu-ns/row is the
// figure to read on a shared machine.
func BenchmarkLightGBMRows(b *testing.B) {
	type model struct {
		name string
		m    *Booster
		x    []float64
	}
	models := []model{
		{"leafwise", mustParseString(b, leafwiseModel(benchTrees, []int{31}, bankLike)), leafwiseRows(benchRows, bankLike, 6)},
		{"depth5", mustParseString(b, syntheticModel(benchTrees, benchFeatures)), benchData()},
	}
	if m, x, err := servingBenchModel(); err != nil {
		b.Logf("no serving benchmark model: %v", err)
	} else {
		models = append(models, model{"bank", m, x})
	}
	for _, md := range models {
		walk := *md.m
		walk.table = nil
		for _, v := range []struct {
			name string
			m    *Booster
		}{{"table", md.m}, {"walk", &walk}} {
			for _, n := range []int{100, 1} {
				b.Run(fmt.Sprintf("%s/%s/%d", md.name, v.name, n), func(b *testing.B) {
					x := md.x[:n*md.m.NumFeatures()]
					out := make([]float64, n)
					b.ReportAllocs()
					cpu := processCPU()
					for b.Loop() {
						if err := v.m.PredictBatch(x, out); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
					b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*n), "cpu-ns/row")
				})
			}
		}
	}
}

// servingBenchModel reads the LightGBM model and 100-row request that
// bench/serve/run.sh writes.
func servingBenchModel() (*Booster, []float64, error) {
	dir := os.Getenv("WEIR_SERVE_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "weir-serve-bench")
	}
	f, err := os.Open(filepath.Join(dir, "lightgbm-booster.txt"))
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	m, err := Parse(f)
	if err != nil {
		return nil, nil, err
	}
	body, err := os.ReadFile(filepath.Join(dir, "body100.json"))
	if err != nil {
		return nil, nil, err
	}
	var req struct {
		Split struct{ Data [][]float64 } `json:"dataframe_split"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, nil, err
	}
	var x []float64
	for _, r := range req.Split.Data {
		if len(r) != m.NumFeatures() {
			return nil, nil, fmt.Errorf("request row of %d values for %d features", len(r), m.NumFeatures())
		}
		x = append(x, r...)
	}
	return m, x, nil
}
