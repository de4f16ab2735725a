package lightgbm

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// edgeRows returns rows of nf features that probe every decision of m:
// each threshold, the numbers just either side of it, the edges of the
// zero band, NaN, infinities, signed zeros and category boundaries, mixed
// with plain values.
func edgeRows(m *Booster, n int) []float64 {
	nf := m.NumFeatures()
	probes := make([][]float64, nf)
	common := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
		zeroThreshold, -zeroThreshold, math.Nextafter(zeroThreshold, 1), math.Nextafter(-zeroThreshold, -1),
		1e-320, -1e-320, -1, -0.5, 0.5, 1, 1.5, 2, 31, 32, 33.7, 1 << 31, 1e300, -1e300}
	for j := range probes {
		probes[j] = append(probes[j], common...)
	}
	for _, t := range m.trees {
		for _, nd := range t.nodes {
			x := nd.threshold
			probes[nd.feature] = append(probes[nd.feature], x, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
		}
	}
	rng := lcg(7)
	x := make([]float64, n*nf)
	for i := range x {
		p := probes[i%nf]
		x[i] = p[int(rng.next()*float64(len(p)))]
	}
	return x
}

// tableModels are the models the table is checked on: every fixture, and
// the benchmarks' synthetic ones.
func tableModels(t *testing.T) map[string]*Booster {
	models := map[string]*Booster{
		"depth5":   mustParseString(t, syntheticModel(20, 5)),
		"leafwise": mustParseString(t, leafwiseModel(30, []int{31}, bankLike)),
		// Trees of more than 64 leaves are walked, the others not.
		"wide":  mustParseString(t, leafwiseModel(12, []int{64, 65, 2, 100}, bankLike)),
		"small": mustParseString(t, small),
		"dag":   mustParseString(t, dag),
		// Category 0 goes left, so values in (-1, 1) do, others not.
		"category0": mustParseString(t, strings.Replace(small, "cat_threshold=10", "cat_threshold=11", 1)),
	}
	for _, dir := range fixtureDirs(t) {
		models[filepath.Base(dir)] = mustParse(t, filepath.Join(dir, "model.lgb"))
	}
	return models
}

// TestTableEqualsWalk checks that the leaf table gives the tree walk's raw
// scores bit for bit, on rows that hit every threshold and edge value,
// with all the trees and with the first half of the iterations (which
// has a table of its own).
func TestTableEqualsWalk(t *testing.T) {
	models := map[string]*Booster{}
	for name, m := range tableModels(t) {
		models[name] = m
		if n := m.NumIterations() / 2; n > 0 {
			models[name+"/half"] = m.Iterations(n)
		}
	}
	for name, m := range models {
		t.Run(name, func(t *testing.T) {
			if m.table == nil {
				// Checked even where a walk is faster.
				m.table = newLeafTable(m.trees, m.NumFeatures(), true)
			}
			if m.table == nil {
				if !strings.HasPrefix(name, "linear_tree") {
					t.Fatal("the model has no leaf table")
				}
				t.Skip("linear trees are walked")
			}
			const n = 2000
			nf, k := m.NumFeatures(), m.NumOutputs()
			x := edgeRows(m, n)
			batch := make([]float64, n*k)
			if err := m.PredictRawBatch(x, batch); err != nil {
				t.Fatal(err)
			}
			one := make([]float64, k)
			bad := 0
			for i := range n {
				if err := m.PredictRaw(x[i*nf:(i+1)*nf], one); err != nil {
					t.Fatal(err)
				}
				for c := range k {
					if got, want := batch[i*k+c], one[c]; math.Float64bits(got) != math.Float64bits(want) && bad < 5 {
						bad++
						t.Errorf("row %d output %d: table %v, walk %v (row %v)", i, c, got, want, x[i*nf:(i+1)*nf])
					}
				}
			}
		})
	}
}

// dag is a damaged model whose node 2 is the child of nodes 0 and 1, and
// whose categorical node's set spans more categories than a table takes:
// the table must still agree with the walk, or leave the tree to it.
const dag = `tree
version=v4
num_class=1
num_tree_per_iteration=1
label_index=0
max_feature_idx=1
objective=regression
feature_names=a b
feature_infos=[0:1] [0:1]

Tree=0
num_leaves=4
num_cat=0
split_feature=0 1 0
threshold=0.5 0.25 0.75
decision_type=2 8 0
left_child=1 2 -2
right_child=2 -1 -3
leaf_value=1 2 4 8
is_linear=0
shrinkage=1


Tree=1
num_leaves=3
num_cat=1
split_feature=1 0
threshold=0 0.5
decision_type=1 4
left_child=-1 -2
right_child=1 -3
leaf_value=16 32 64
cat_boundaries=0 130
cat_threshold=1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 3
is_linear=0
shrinkage=1


end of trees
`

// TestTableCoverage checks which trees the table takes and which it leaves
// to the walk.
func TestTableCoverage(t *testing.T) {
	tests := []struct {
		name  string
		model string
		want  []bool // per tree: in the table
	}{
		{"dag", dag, []bool{true, false}},
		{"wide", leafwiseModel(4, []int{64, 65, 2, 100}, bankLike), []bool{true, false, true, false}},
		{"small", small, []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParseString(t, tt.model)
			lt := newLeafTable(m.trees, m.NumFeatures(), true)
			if lt == nil {
				t.Fatal("no table")
			}
			for i, want := range tt.want {
				if got := lt.places[i].word >= 0; got != want {
					t.Errorf("tree %d: in the table %v, want %v", i, got, want)
				}
			}
		})
	}
}
