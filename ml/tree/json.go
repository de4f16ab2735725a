package tree

import (
	"encoding/json"
	"fmt"
	"math"
)

// FormatVersion is the newest version of the JSON form written by the
// models' MarshalJSON. Readers refuse other versions rather than guess their
// meaning. Version 2 added multiclass classifiers (n_classes and each node's
// class distribution); binary classifiers and regressors are still written
// as version 1, which they are byte for byte, so readers from before
// version 2 read them.
const FormatVersion = 2

// formatVersionSingle is the version of models with one value per node.
const formatVersionSingle = 1

// treeJSON stores a Tree as parallel arrays, one entry per node, which is
// compact and reads like scikit-learn's tree_ attributes. JSON has no
// infinity, so the +Inf threshold of a "values left, missing right" split is
// written as the largest float64, which no finite-valued split produces.
type treeJSON struct {
	Feature   []int32   `json:"feature"`
	Left      []int32   `json:"left"`
	Right     []int32   `json:"right"`
	Threshold []float64 `json:"threshold"`
	Value     []float64 `json:"value"`
	Impurity  []float64 `json:"impurity"`
	Weight    []float64 `json:"weight"`
	Samples   []int32   `json:"samples"`
	// MissingLeft is left out when no node sends missing values left.
	MissingLeft []bool `json:"missing_left,omitempty"`
	// NClasses and ClassDist are a multiclass tree's Classes and Dist
	// (format version 2).
	NClasses  int       `json:"n_classes,omitempty"`
	ClassDist []float64 `json:"class_dist,omitempty"`
}

// MarshalJSON writes the tree as parallel node arrays.
func (t *Tree) MarshalJSON() ([]byte, error) {
	n := len(t.Nodes)
	s := treeJSON{make([]int32, n), make([]int32, n), make([]int32, n), make([]float64, n),
		make([]float64, n), make([]float64, n), make([]float64, n), make([]int32, n), nil, t.Classes, t.Dist}
	for i, nd := range t.Nodes {
		s.Feature[i], s.Left[i], s.Right[i] = nd.Feature, nd.Left, nd.Right
		s.Threshold[i], s.Value[i], s.Impurity[i], s.Weight[i], s.Samples[i] = nd.Threshold, nd.Value, nd.Impurity, nd.Weight, nd.Samples
		if math.IsInf(nd.Threshold, 1) {
			s.Threshold[i] = math.MaxFloat64
		}
		if nd.MissingLeft {
			if s.MissingLeft == nil {
				s.MissingLeft = make([]bool, n)
			}
			s.MissingLeft[i] = true
		}
	}
	return json.Marshal(s)
}

// UnmarshalJSON reads a tree written by MarshalJSON. Structural checks that
// need the feature count are done by check.
func (t *Tree) UnmarshalJSON(data []byte) error {
	var s treeJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	n := len(s.Feature)
	for _, l := range []int{len(s.Left), len(s.Right), len(s.Threshold), len(s.Value), len(s.Impurity), len(s.Weight), len(s.Samples)} {
		if l != n {
			return fmt.Errorf("tree node arrays have different lengths (%d and %d)", n, l)
		}
	}
	if s.MissingLeft != nil && len(s.MissingLeft) != n {
		return fmt.Errorf("tree has %d missing_left flags for %d nodes", len(s.MissingLeft), n)
	}
	t.Classes, t.Dist = s.NClasses, s.ClassDist
	t.Nodes = make([]Node, n)
	for i := range t.Nodes {
		t.Nodes[i] = Node{Feature: s.Feature[i], Left: s.Left[i], Right: s.Right[i], Threshold: s.Threshold[i],
			Value: s.Value[i], Impurity: s.Impurity[i], Weight: s.Weight[i], Samples: s.Samples[i]}
		if s.MissingLeft != nil {
			t.Nodes[i].MissingLeft = s.MissingLeft[i]
		}
		if s.Threshold[i] == math.MaxFloat64 {
			t.Nodes[i].Threshold = math.Inf(1)
		}
	}
	return nil
}

// check verifies that every path from the root ends at a leaf within the
// array, so PredictRow cannot loop or index out of range: children come after
// their parent (as the builder numbers them) and split features exist.
func (t *Tree) check(nFeatures int) error {
	if len(t.Nodes) == 0 {
		return fmt.Errorf("tree has no nodes")
	}
	n := int32(len(t.Nodes))
	for i, nd := range t.Nodes {
		if math.IsNaN(nd.Value) || math.IsNaN(nd.Threshold) {
			return fmt.Errorf("node %d has a NaN value or threshold", i)
		}
		if nd.Feature < 0 {
			continue
		}
		if int(nd.Feature) >= nFeatures {
			return fmt.Errorf("node %d splits on feature %d of %d", i, nd.Feature, nFeatures)
		}
		if nd.Left <= int32(i) || nd.Right <= int32(i) || nd.Left >= n || nd.Right >= n {
			return fmt.Errorf("node %d has children %d and %d outside %d..%d", i, nd.Left, nd.Right, i+1, n-1)
		}
	}
	return t.checkDist()
}

// checkDist verifies a multiclass tree's class distributions: K of them per
// node, each a probability vector (to rounding), so that predicted
// probabilities are too.
func (t *Tree) checkDist() error {
	k := t.Classes
	if k == 0 {
		if t.Dist != nil {
			return fmt.Errorf("tree has class distributions but no n_classes")
		}
		return nil
	}
	if k < 3 || k > maxClasses {
		return fmt.Errorf("tree has n_classes %d, want 3 to %d", k, maxClasses)
	}
	if len(t.Dist) != len(t.Nodes)*k {
		return fmt.Errorf("tree has %d class_dist values for %d nodes of %d classes", len(t.Dist), len(t.Nodes), k)
	}
	for i := range t.Nodes {
		sum := 0.0
		for c, v := range t.Dist[i*k : i*k+k] {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("node %d: class %d has probability %v, want 0 to 1", i, c, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 {
			return fmt.Errorf("node %d: class probabilities sum to %v, want 1", i, sum)
		}
	}
	return nil
}

// modelJSON is the stored form of every model in this package; fields that
// a model does not have are left out.
type modelJSON struct {
	FormatVersion      int       `json:"format_version"`
	Model              string    `json:"model"`
	Params             Params    `json:"params"`
	Seed               uint64    `json:"seed"`
	NEstimators        int       `json:"n_estimators,omitempty"`
	Bootstrap          bool      `json:"bootstrap,omitempty"`
	MaxSamples         float64   `json:"max_samples,omitempty"`
	OOBScore           bool      `json:"oob_score,omitempty"`
	NClasses           int       `json:"n_classes,omitempty"` // multiclass classifiers only (version 2)
	NFeatures          int       `json:"n_features"`
	FeatureNames       []string  `json:"feature_names,omitempty"`
	FeatureImportances []float64 `json:"feature_importances"`
	OOBAccuracy        *float64  `json:"oob_accuracy,omitempty"`
	OOBAUC             *float64  `json:"oob_auc,omitempty"`
	OOBR2              *float64  `json:"oob_r2,omitempty"`
	Trees              []*Tree   `json:"trees"`
}

// Model names in the JSON form.
const (
	modelTreeClassifier   = "decision_tree_classifier"
	modelTreeRegressor    = "decision_tree_regressor"
	modelForestClassifier = "random_forest_classifier"
	modelForestRegressor  = "random_forest_regressor"
)

// finite returns a pointer to v, or nil when v is NaN (JSON has no NaN).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func decodeModel(data []byte, model string) (*modelJSON, error) {
	var s modelJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	if s.Model != model {
		return nil, fmt.Errorf("%s: JSON holds model %q", model, s.Model)
	}
	if s.FormatVersion != formatVersionSingle && s.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s: format_version %d is not supported (want %d to %d)", model, s.FormatVersion, formatVersionSingle, FormatVersion)
	}
	if err := s.checkClasses(); err != nil {
		return nil, fmt.Errorf("%s: %w", model, err)
	}
	if s.NFeatures <= 0 || len(s.FeatureImportances) != s.NFeatures || (s.FeatureNames != nil && len(s.FeatureNames) != s.NFeatures) {
		return nil, fmt.Errorf("%s: n_features %d does not match its importances (%d) or names (%d)", model, s.NFeatures, len(s.FeatureImportances), len(s.FeatureNames))
	}
	if len(s.Trees) == 0 {
		return nil, fmt.Errorf("%s: JSON has no trees", model)
	}
	for k, t := range s.Trees {
		if t == nil {
			return nil, fmt.Errorf("%s: tree %d is null", model, k)
		}
		if err := t.check(s.NFeatures); err != nil {
			return nil, fmt.Errorf("%s: tree %d: %w", model, k, err)
		}
	}
	return &s, nil
}

// checkClasses verifies that n_classes, the format version, the model kind
// and the trees agree: multiclass models are version 2 classifiers whose
// trees all hold n_classes distributions; other models' trees hold none.
func (s *modelJSON) checkClasses() error {
	k := s.NClasses
	if k != 0 {
		if s.FormatVersion < 2 {
			return fmt.Errorf("n_classes needs format_version 2, file has %d", s.FormatVersion)
		}
		if s.Model != modelTreeClassifier && s.Model != modelForestClassifier {
			return fmt.Errorf("n_classes is for classifiers")
		}
		if k < 3 || k > maxClasses {
			return fmt.Errorf("n_classes %d: a multiclass model has 3 to %d", k, maxClasses)
		}
	}
	for i, t := range s.Trees {
		if t != nil && t.Classes != k {
			return fmt.Errorf("tree %d has %d classes, model has %d", i, t.Classes, k)
		}
	}
	return nil
}

// version returns the format version to write for a model of k classes.
func version(k int) int {
	if k > 2 {
		return FormatVersion
	}
	return formatVersionSingle
}

// multiclass returns k for a multiclass model, else 0 (not written).
func multiclass(k int) int {
	if k > 2 {
		return k
	}
	return 0
}

func (f *Forest) toJSON(model string) (modelJSON, error) {
	if len(f.Trees) == 0 {
		return modelJSON{}, fmt.Errorf("%s: model is not fitted", model)
	}
	return modelJSON{FormatVersion: formatVersionSingle, Model: model, Params: f.Params, Seed: f.Seed,
		NEstimators: f.NEstimators, Bootstrap: f.Bootstrap, MaxSamples: f.MaxSamples, OOBScore: f.OOBScore,
		NFeatures: f.NFeatures, FeatureNames: f.FeatureNames, FeatureImportances: f.FeatureImportances,
		Trees: f.Trees}, nil
}

func (f *Forest) fromJSON(s *modelJSON) {
	*f = Forest{Params: s.Params, NEstimators: s.NEstimators, Bootstrap: s.Bootstrap, MaxSamples: s.MaxSamples,
		OOBScore: s.OOBScore, Seed: s.Seed, Trees: s.Trees, NFeatures: s.NFeatures,
		FeatureNames: s.FeatureNames, FeatureImportances: s.FeatureImportances}
}

// MarshalJSON writes the fitted forest with its format_version.
func (m *RandomForestClassifier) MarshalJSON() ([]byte, error) {
	s, err := m.toJSON(modelForestClassifier)
	if err != nil {
		return nil, err
	}
	s.OOBAccuracy, s.OOBAUC = finite(m.OOBAccuracy), finite(m.OOBAUC)
	s.FormatVersion, s.NClasses = version(m.NumClasses()), multiclass(m.NumClasses())
	return json.Marshal(s)
}

// UnmarshalJSON reads a forest written by MarshalJSON.
func (m *RandomForestClassifier) UnmarshalJSON(data []byte) error {
	s, err := decodeModel(data, modelForestClassifier)
	if err != nil {
		return err
	}
	m.fromJSON(s)
	m.OOBAccuracy, m.OOBAUC = orNaN(s.OOBAccuracy), orNaN(s.OOBAUC)
	return nil
}

// MarshalJSON writes the fitted forest with its format_version.
func (m *RandomForestRegressor) MarshalJSON() ([]byte, error) {
	s, err := m.toJSON(modelForestRegressor)
	if err != nil {
		return nil, err
	}
	s.OOBR2 = finite(m.OOBR2)
	return json.Marshal(s)
}

// UnmarshalJSON reads a forest written by MarshalJSON.
func (m *RandomForestRegressor) UnmarshalJSON(data []byte) error {
	s, err := decodeModel(data, modelForestRegressor)
	if err != nil {
		return err
	}
	m.fromJSON(s)
	m.OOBR2 = orNaN(s.OOBR2)
	return nil
}

func treeToJSON(model string, pr Params, seed uint64, t *Tree, k, n int, names []string, imp []float64) ([]byte, error) {
	if t == nil {
		return nil, fmt.Errorf("%s: model is not fitted", model)
	}
	return json.Marshal(modelJSON{FormatVersion: version(k), Model: model, Params: pr, Seed: seed, NClasses: multiclass(k),
		NFeatures: n, FeatureNames: names, FeatureImportances: imp, Trees: []*Tree{t}})
}

// MarshalJSON writes the fitted tree with its format_version.
func (m *DecisionTreeClassifier) MarshalJSON() ([]byte, error) {
	return treeToJSON(modelTreeClassifier, m.Params, m.Seed, m.Tree, m.NumClasses(), m.NFeatures, m.FeatureNames, m.FeatureImportances)
}

// UnmarshalJSON reads a tree written by MarshalJSON.
func (m *DecisionTreeClassifier) UnmarshalJSON(data []byte) error {
	s, err := decodeModel(data, modelTreeClassifier)
	if err != nil {
		return err
	}
	*m = DecisionTreeClassifier{Params: s.Params, Seed: s.Seed, Tree: s.Trees[0], NFeatures: s.NFeatures,
		FeatureNames: s.FeatureNames, FeatureImportances: s.FeatureImportances}
	return nil
}

// MarshalJSON writes the fitted tree with its format_version.
func (m *DecisionTreeRegressor) MarshalJSON() ([]byte, error) {
	return treeToJSON(modelTreeRegressor, m.Params, m.Seed, m.Tree, 0, m.NFeatures, m.FeatureNames, m.FeatureImportances)
}

// UnmarshalJSON reads a tree written by MarshalJSON.
func (m *DecisionTreeRegressor) UnmarshalJSON(data []byte) error {
	s, err := decodeModel(data, modelTreeRegressor)
	if err != nil {
		return err
	}
	*m = DecisionTreeRegressor{Params: s.Params, Seed: s.Seed, Tree: s.Trees[0], NFeatures: s.NFeatures,
		FeatureNames: s.FeatureNames, FeatureImportances: s.FeatureImportances}
	return nil
}
