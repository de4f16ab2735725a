package gbdt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// FormatVersion is the version of the JSON model format Save writes.
const FormatVersion = 1

// modelJSON is the saved form of a Model. Trees keep real-valued
// thresholds and category sets, so no binning is needed to predict.
type modelJSON struct {
	FormatVersion int        `json:"format_version"`
	Params        Params     `json:"params"`
	NumFeatures   int        `json:"num_features"`
	FeatureNames  []string   `json:"feature_names,omitempty"`
	InitScore     float64    `json:"init_score"`
	BestIteration int        `json:"best_iteration"`
	Trees         []treeJSON `json:"trees"`
}

// treeJSON stores a tree column-wise, one entry per internal node. A child
// >= 0 is a node index; a child < 0 is leaf -(child+1).
type treeJSON struct {
	SplitFeature []int32   `json:"split_feature"`
	Threshold    []float64 `json:"threshold"`  // numeric nodes; 0 for categorical
	Categories   [][]int   `json:"categories"` // categorical nodes: codes going left; null otherwise
	DefaultLeft  []bool    `json:"default_left"`
	MissingZero  []bool    `json:"missing_as_zero"`
	LeftChild    []int32   `json:"left_child"`
	RightChild   []int32   `json:"right_child"`
	SplitGain    []float64 `json:"split_gain"`
	LeafValue    []float64 `json:"leaf_value"`
	LeafCount    []int     `json:"leaf_count"`
}

// MarshalJSON returns the JSON that Save writes, so a Model embedded in
// another JSON document is saved whole.
func (m *Model) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON wrote, with Load's checks.
func (m *Model) UnmarshalJSON(b []byte) error { return m.Load(bytes.NewReader(b)) }

// Save writes the fitted model as JSON.
func (m *Model) Save(w io.Writer) error {
	if !m.fitted() {
		return errNotFitted
	}
	out := modelJSON{
		FormatVersion: FormatVersion,
		Params:        m.Params,
		NumFeatures:   m.NumFeatures,
		FeatureNames:  m.FeatureNames,
		InitScore:     m.InitScore,
		BestIteration: m.BestIteration,
		Trees:         make([]treeJSON, len(m.Trees)),
	}
	for i, t := range m.Trees {
		out.Trees[i] = t.toJSON()
	}
	b, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("gbdt: encode model: %w", err)
	}
	_, err = w.Write(b)
	return err
}

func (t *Tree) toJSON() treeJSON {
	n := len(t.nodes)
	j := treeJSON{
		SplitFeature: make([]int32, n), Threshold: make([]float64, n), Categories: make([][]int, n),
		DefaultLeft: make([]bool, n), MissingZero: make([]bool, n),
		LeftChild: make([]int32, n), RightChild: make([]int32, n),
		SplitGain: t.nodeGain, LeafValue: t.leafValue, LeafCount: t.leafCount,
	}
	for i, nd := range t.nodes {
		j.SplitFeature[i] = nd.feature
		j.LeftChild[i], j.RightChild[i] = nd.left, nd.right
		j.DefaultLeft[i] = nd.flags&flagDefaultLeft != 0
		j.MissingZero[i] = nd.flags&flagMissingZero != 0
		if nd.flags&flagCategorical != 0 {
			j.Categories[i] = catCodes(t.catSets[nd.catSet()])
		} else {
			j.Threshold[i] = nd.threshold
		}
	}
	return j
}

// Load reads a model written by Save, replacing m's parameters and trees.
// It checks the whole structure, so a corrupt file is an error, not a
// panic at prediction time.
func (m *Model) Load(r io.Reader) error {
	var in modelJSON
	dec := json.NewDecoder(r)
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("gbdt: decode model: %w", err)
	}
	if in.FormatVersion != FormatVersion {
		return fmt.Errorf("gbdt: unsupported model format_version %d (this build reads %d)", in.FormatVersion, FormatVersion)
	}
	if in.NumFeatures < 1 {
		return fmt.Errorf("gbdt: model has %d features", in.NumFeatures)
	}
	if err := in.Params.validateObjective(); err != nil {
		return fmt.Errorf("gbdt: cannot score this model: %w", err)
	}
	if in.Params.Objective == Multiclass && (in.Params.NumClass == 0 || len(in.Trees)%in.Params.NumClass != 0) {
		return fmt.Errorf("gbdt: multiclass model has %d trees for num_class %d, want a multiple of it",
			len(in.Trees), in.Params.NumClass)
	}
	if in.FeatureNames != nil && len(in.FeatureNames) != in.NumFeatures {
		return fmt.Errorf("gbdt: model has %d feature names for %d features", len(in.FeatureNames), in.NumFeatures)
	}
	if math.IsNaN(in.InitScore) || math.IsInf(in.InitScore, 0) {
		return fmt.Errorf("gbdt: model init_score is %v", in.InitScore)
	}
	trees := make([]*Tree, len(in.Trees))
	for i, tj := range in.Trees {
		t, err := tj.tree(in.NumFeatures)
		if err != nil {
			return fmt.Errorf("gbdt: tree %d: %w", i, err)
		}
		trees[i] = t
	}
	threads := m.NumThreads
	m.Params = in.Params
	m.NumThreads = threads
	m.NumFeatures = in.NumFeatures
	m.FeatureNames = in.FeatureNames
	m.InitScore = in.InitScore
	m.BestIteration = in.BestIteration
	m.Trees = trees
	m.ValidHistory = nil
	m.fast = newTableScorer(m.Trees, m.NumFeatures)
	return nil
}

func (j *treeJSON) tree(numFeatures int) (*Tree, error) {
	n := len(j.SplitFeature)
	if len(j.Threshold) != n || len(j.Categories) != n || len(j.DefaultLeft) != n || len(j.MissingZero) != n ||
		len(j.LeftChild) != n || len(j.RightChild) != n || len(j.SplitGain) != n {
		return nil, fmt.Errorf("node arrays differ in length")
	}
	if len(j.LeafValue) != n+1 || len(j.LeafCount) != n+1 {
		return nil, fmt.Errorf("%d leaves for %d nodes, want %d", len(j.LeafValue), n, n+1)
	}
	t := &Tree{nodes: make([]node, n), leafValue: j.LeafValue, leafCount: j.LeafCount, nodeGain: j.SplitGain}
	for _, v := range j.LeafValue {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("leaf value %v", v)
		}
	}
	// Every node and leaf must be reached exactly once from the root, and
	// children must come after their parent, so prediction always ends.
	seenNode := make([]bool, n)
	seenLeaf := make([]bool, n+1)
	for i := 0; i < n; i++ {
		f := j.SplitFeature[i]
		if f < 0 || int(f) >= numFeatures {
			return nil, fmt.Errorf("node %d splits on feature %d of %d", i, f, numFeatures)
		}
		nd := node{feature: f, left: j.LeftChild[i], right: j.RightChild[i]}
		for _, c := range []int32{nd.left, nd.right} {
			switch {
			case c >= 0 && (int(c) <= i || int(c) >= n || seenNode[c]):
				return nil, fmt.Errorf("node %d has bad child %d", i, c)
			case c < 0 && (int(^c) > n || seenLeaf[^c]):
				return nil, fmt.Errorf("node %d has bad leaf %d", i, ^c)
			case c >= 0:
				seenNode[c] = true
			default:
				seenLeaf[^c] = true
			}
		}
		if cats := j.Categories[i]; cats != nil {
			for _, c := range cats {
				if c < 0 || c >= maxCategory {
					return nil, fmt.Errorf("node %d has category %d", i, c)
				}
			}
			nd.flags |= flagCategorical
			nd.threshold = float64(len(t.catSets))
			t.catSets = append(t.catSets, catBitset(cats))
		} else {
			if math.IsNaN(j.Threshold[i]) {
				return nil, fmt.Errorf("node %d has a NaN threshold", i)
			}
			nd.threshold = j.Threshold[i]
			if j.DefaultLeft[i] {
				nd.flags |= flagDefaultLeft
			}
			if j.MissingZero[i] {
				nd.flags |= flagMissingZero
			}
		}
		t.nodes[i] = nd
	}
	if n == 0 {
		return t, nil
	}
	for i := 1; i < n; i++ {
		if !seenNode[i] {
			return nil, fmt.Errorf("node %d is unreachable", i)
		}
	}
	for i, ok := range seenLeaf {
		if !ok {
			return nil, fmt.Errorf("leaf %d is unreachable", i)
		}
	}
	return t, nil
}
