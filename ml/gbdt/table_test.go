package gbdt

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// fitTableModel fits a model for the table tests on the synthetic problem
// (column 2 has missing values, so its nodes have default-left set, and
// the others are missing-zero).
func fitTableModel(t *testing.T, obj string, leaves, trees int, cat bool) *Model {
	t.Helper()
	X, y := synthetic(3000, 31)
	if obj == Regression {
		for i := range y {
			y[i] = 2*X.Cols[0][i] - X.Cols[1][i] + y[i]
		}
	}
	m := &Model{Params: DefaultParams(obj)}
	m.NEstimators, m.NumLeaves, m.MinDataInLeaf, m.NumThreads = trees, leaves, 5, 1
	if cat {
		m.CategoricalFeatures = []int{5}
	}
	if err := m.Fit(context.Background(), X, y, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// probeRows returns random rows mixing ordinary values with the values
// where a table could go wrong: every threshold exactly, its neighbours,
// NaN, ±Inf, ±0, category codes in and out of the sets, fractional,
// negative and huge codes.
func probeRows(m *Model, n int, seed uint64) [][]float64 {
	special := make([][]float64, m.NumFeatures)
	for f := range special {
		special[f] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
			-1, -0.5, 1e300, -1e300, maxCategory, maxCategory - 0.5, maxCategory + 1, 1 << 40}
	}
	for _, tr := range m.Trees {
		for _, nd := range tr.nodes {
			s := special[nd.feature]
			if nd.flags&flagCategorical != 0 {
				for _, c := range catCodes(tr.catSets[nd.catSet()]) {
					s = append(s, float64(c), float64(c)+0.5, float64(c)+1, float64(c)-1, float64(c)+0.999)
				}
			} else {
				th := nd.threshold
				s = append(s, th, math.Nextafter(th, math.Inf(1)), math.Nextafter(th, math.Inf(-1)))
			}
			special[nd.feature] = s
		}
	}
	r := rand.New(rand.NewPCG(seed, 11))
	rows := make([][]float64, n)
	for i := range rows {
		row := make([]float64, m.NumFeatures)
		for f := range row {
			switch r.IntN(3) {
			case 0:
				row[f] = special[f][r.IntN(len(special[f]))]
			case 1:
				row[f] = r.Float64()
			default:
				row[f] = float64(r.IntN(20)) - 2 + r.Float64()*float64(r.IntN(2))
			}
		}
		rows[i] = row
	}
	return rows
}

// checkRowsMatch fails unless PredictRows gives PredictRow's bits on rows.
func checkRowsMatch(t *testing.T, m *Model, rows [][]float64) {
	t.Helper()
	got := make([]float64, len(rows))
	m.PredictRows(rows, got)
	for i, row := range rows {
		want := m.PredictRow(row)
		if math.Float64bits(got[i]) != math.Float64bits(want) {
			t.Fatalf("row %d %v: PredictRows %v, PredictRow %v", i, row, got[i], want)
		}
	}
}

// tableUsed reports whether PredictRows on m uses a table.
func tableUsed(m *Model) bool { return m.fast.usable(m) }

// withTrees returns a copy of m with other trees and the table rebuilt.
func withTrees(m *Model, trees []*Tree) *Model {
	c := &Model{Params: m.Params, InitScore: m.InitScore, NumFeatures: m.NumFeatures, Trees: trees}
	c.fast = newTableScorer(c.Trees, c.NumFeatures)
	return c
}

func TestTableMatchesWalk(t *testing.T) {
	leafOnly := &Tree{leafValue: []float64{0.125}, leafCount: []int{1}}
	numeric := fitTableModel(t, Binary, 31, 30, false)
	big := fitTableModel(t, Binary, 100, 6, false)
	var mixed []*Tree
	for i, tr := range numeric.Trees[:12] {
		mixed = append(mixed, tr)
		if i%2 == 0 {
			mixed = append(mixed, big.Trees[i/2])
		}
	}
	tests := []struct {
		name  string
		m     *Model
		table bool
		walks bool // some trees have more than 64 leaves
	}{
		{"numeric binary", numeric, true, false},
		{"numeric regression", fitTableModel(t, Regression, 31, 30, false), true, false},
		{"categorical binary", fitTableModel(t, Binary, 31, 30, true), true, false},
		{"categorical regression", fitTableModel(t, Regression, 15, 30, true), true, false},
		{"two leaves", fitTableModel(t, Binary, 2, 40, true), true, false},
		{"64 leaves", fitTableModel(t, Regression, 64, 5, true), true, false},
		{"one-leaf trees", withTrees(numeric, append([]*Tree{leafOnly}, append(numeric.Trees[:5:5], leafOnly)...)), true, false},
		{"only one-leaf trees", withTrees(numeric, []*Tree{leafOnly, leafOnly}), true, false},
		{"more than 64 leaves", big, false, true},
		{"mixed sizes", withTrees(numeric, mixed), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tableUsed(tc.m); got != tc.table {
				t.Fatalf("table built = %v, want %v", got, tc.table)
			}
			if tc.table {
				if got := tc.m.fast.walk != nil; got != tc.walks {
					t.Errorf("walks some trees = %v, want %v", got, tc.walks)
				}
			}
			checkRowsMatch(t, tc.m, probeRows(tc.m, 3000, 1))
		})
	}
}

// TestTableSparseFeature covers features whose trees fill few words, so
// the table lists the words instead of looping over all of them: 64-leaf
// trees take a word each, and the stumps after them only use feature 0.
func TestTableSparseFeature(t *testing.T) {
	wide := fitTableModel(t, Regression, 64, 5, true)
	trees := slices.Clone(wide.Trees)
	for i := range 7 {
		trees = append(trees, &Tree{nodes: []node{{threshold: float64(i) / 7, feature: 0, left: ^0, right: ^1}},
			leafValue: []float64{0.5, -0.25 * float64(i)}, leafCount: []int{1, 1}})
	}
	m := withTrees(wide, trees)
	if !tableUsed(m) {
		t.Fatal("no table built")
	}
	sparse := 0
	for _, f := range m.fast.feats {
		if f.words != nil {
			sparse++
		}
	}
	if sparse == 0 {
		t.Fatal("no feature has a word list")
	}
	checkRowsMatch(t, m, probeRows(m, 3000, 6))
}

func TestTableLoadedModel(t *testing.T) {
	m := fitTableModel(t, Binary, 31, 20, true)
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	var loaded Model
	if err := loaded.Load(&b); err != nil {
		t.Fatal(err)
	}
	if !tableUsed(&loaded) {
		t.Fatal("Load built no table")
	}
	checkRowsMatch(t, &loaded, probeRows(&loaded, 3000, 2))
}

// TestTableEdgeThresholds loads hand-written trees with infinite and
// signed-zero thresholds, missing-value flags on both sides, and an empty
// category set.
func TestTableEdgeThresholds(t *testing.T) {
	const js = `{"format_version":1,"params":{"objective":"regression"},"num_features":3,"init_score":0.5,"best_iteration":0,
	"trees":[
	 {"split_feature":[0,0,1],"threshold":[1e308,0,-0],"categories":[null,null,null],
	  "default_left":[true,false,false],"missing_as_zero":[false,false,true],
	  "left_child":[1,-1,-3],"right_child":[2,-2,-4],"split_gain":[1,1,1],
	  "leaf_value":[1,2,4,8],"leaf_count":[1,1,1,1]},
	 {"split_feature":[0,1],"threshold":[1.7976931348623157e308,-1e308],"categories":[null,null],
	  "default_left":[false,true],"missing_as_zero":[false,false],
	  "left_child":[1,-1],"right_child":[-3,-2],"split_gain":[1,1],
	  "leaf_value":[16,32,64],"leaf_count":[1,1,1]},
	 {"split_feature":[2,2],"threshold":[0,0],"categories":[[3,7,1000],[]],
	  "default_left":[false,false],"missing_as_zero":[false,false],
	  "left_child":[-1,-2],"right_child":[1,-3],"split_gain":[1,1],
	  "leaf_value":[128,256,512],"leaf_count":[1,1,1]}]}`
	var m Model
	if err := m.Load(strings.NewReader(js)); err != nil {
		t.Fatal(err)
	}
	if !tableUsed(&m) {
		t.Fatal("Load built no table")
	}
	rows := probeRows(&m, 2000, 3)
	for _, v := range []float64{math.MaxFloat64, math.Inf(1), 1e308, -1e308, 999, 1000, 1001, 7.5} {
		rows = append(rows, []float64{v, v, v}, []float64{-v, v, -v})
	}
	checkRowsMatch(t, &m, rows)

	// JSON cannot hold infinite thresholds; Go can. NaN goes left on
	// the +Inf node (missing as zero) and right on the -Inf one.
	inf := &Tree{nodes: []node{
		{threshold: math.Inf(1), feature: 0, left: 1, right: ^2, flags: flagMissingZero},
		{threshold: math.Inf(-1), feature: 0, left: ^0, right: ^1},
	}, leafValue: []float64{1024, 2048, 4096}, leafCount: []int{1, 1, 1}}
	mi := withTrees(&m, append(m.Trees[:3:3], inf))
	if !tableUsed(mi) {
		t.Fatal("no table for infinite thresholds")
	}
	checkRowsMatch(t, mi, rows)
}

// TestTableFallback checks the walk answers when the table cannot: a
// feature with numeric and categorical nodes, and trees changed after Fit.
func TestTableFallback(t *testing.T) {
	const js = `{"format_version":1,"params":{"objective":"binary"},"num_features":2,"init_score":0,"best_iteration":0,
	"trees":[
	 {"split_feature":[0],"threshold":[0.5],"categories":[null],"default_left":[false],"missing_as_zero":[false],
	  "left_child":[-1],"right_child":[-2],"split_gain":[1],"leaf_value":[1,2],"leaf_count":[1,1]},
	 {"split_feature":[0],"threshold":[0],"categories":[[1,2]],"default_left":[false],"missing_as_zero":[false],
	  "left_child":[-1],"right_child":[-2],"split_gain":[1],"leaf_value":[4,8],"leaf_count":[1,1]}]}`
	var m Model
	if err := m.Load(strings.NewReader(js)); err != nil {
		t.Fatal(err)
	}
	if m.fast != nil {
		t.Error("built a table for a feature with numeric and categorical nodes")
	}
	checkRowsMatch(t, &m, probeRows(&m, 500, 4))

	fitted := fitTableModel(t, Binary, 31, 20, false)
	fitted.Trees = fitted.Trees[:10]
	if tableUsed(fitted) {
		t.Error("table used for trees it was not built for")
	}
	checkRowsMatch(t, fitted, probeRows(fitted, 500, 5))
}

// TestTableBatchSizes checks short rows and parallel batches on the table.
func TestTableBatchSizes(t *testing.T) {
	m := fitTableModel(t, Binary, 31, 40, true)
	m.NumThreads = 0
	for _, n := range []int{0, 1, 5, 100, 2000, 14000} { // 14000 × 40 trees: split between goroutines
		rows := probeRows(m, n, uint64(n))
		for _, short := range []int{3, 4, 9, n - 1} {
			if short >= 0 && short < n {
				rows[short] = rows[short][:2]
			}
		}
		checkRowsMatch(t, m, rows)
	}
}

func TestRankThresholds(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tests := []struct {
		vals   []float64
		sorted []float64
		rank   []int32
		ok     bool
	}{
		{[]float64{3, 1, 2, 1, 3}, []float64{1, 2, 3}, []int32{2, 0, 1, 0, 2}, true},
		{[]float64{0, negZero, -1, math.Inf(1), math.Inf(-1)}, []float64{math.Inf(-1), -1, 0, math.Inf(1)}, []int32{2, 2, 1, 3, 0}, true},
		{[]float64{5}, []float64{5}, []int32{0}, true},
		{[]float64{1, math.NaN()}, nil, nil, false},
	}
	for _, tc := range tests {
		sorted, rank, ok := rankThresholds(tc.vals)
		if !slices.Equal(sorted, tc.sorted) || !slices.Equal(rank, tc.rank) || ok != tc.ok {
			t.Errorf("rankThresholds(%v) = %v, %v, %v; want %v, %v, %v", tc.vals, sorted, rank, ok, tc.sorted, tc.rank, tc.ok)
		}
	}
	// Many values, many repeats: the hash table probes past collisions.
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 5000)
	for i := range vals {
		vals[i] = float64(r.IntN(700)) / 7
	}
	sorted, rank, ok := rankThresholds(vals)
	if !ok || !slices.IsSorted(sorted) {
		t.Fatalf("not sorted: %v", ok)
	}
	for i, v := range vals {
		if sorted[rank[i]] != v || (rank[i] > 0 && sorted[rank[i]-1] == v) {
			t.Fatalf("value %v has rank %d", v, rank[i])
		}
	}
}

// TestTableRefusesBadTrees checks the builder declines trees it cannot
// represent or that are malformed, rather than build a wrong table.
func TestTableRefusesBadTrees(t *testing.T) {
	stump := func(n node) *Tree {
		return &Tree{nodes: []node{n}, leafValue: []float64{1, 2}, leafCount: []int{1, 1}}
	}
	tests := []struct {
		name string
		tree *Tree
	}{
		{"NaN threshold", stump(node{threshold: math.NaN(), left: ^0, right: ^1})},
		{"feature out of range", stump(node{feature: 9, left: ^0, right: ^1})},
		{"negative feature", stump(node{feature: -1, left: ^0, right: ^1})},
		{"leaf twice", stump(node{left: ^0, right: ^0})},
		{"leaf out of range", stump(node{left: ^0, right: ^5})},
		{"child out of range", stump(node{left: 3, right: ^1})},
		{"cycle", &Tree{nodes: []node{{left: 1, right: ^0}, {left: 0, right: ^1}},
			leafValue: []float64{1, 2, 3}, leafCount: []int{1, 1, 1}}},
		{"leaf count", &Tree{nodes: []node{{left: ^0, right: ^1}}, leafValue: []float64{1, 2, 3}, leafCount: []int{1, 1, 1}}},
	}
	for _, tc := range tests {
		if sc := newTableScorer([]*Tree{tc.tree}, 2); sc != nil {
			t.Errorf("%s: built a table", tc.name)
		}
	}
	if sc := newTableScorer(nil, 2); sc != nil {
		t.Error("built a table for no trees")
	}
}
