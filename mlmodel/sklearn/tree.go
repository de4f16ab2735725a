package sklearn

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// node is one node of a fitted scikit-learn Tree; left is -1 at a leaf.
type node struct {
	threshold   float64
	left, right int32
	feature     int32
	missingLeft bool
}

// tree is a scikit-learn Tree (the tree_ of a decision tree): nodes in
// depth-first order, each child after its parent, and width values per
// node.
type tree struct {
	nodes []node
	value []float64
	width int
}

// toFloat32 rounds a row to float32 in place: scikit-learn's trees read X
// as float32 and compare it with their float64 thresholds.
func toFloat32(x []float64) {
	for j, v := range x {
		x[j] = float64(float32(v))
	}
}

// leaf returns the leaf row x (rounded by toFloat32) falls in, sending
// NaN to the side the node learnt for missing values.
func (t *tree) leaf(x []float64) int {
	i := 0
	for {
		n := &t.nodes[i]
		if n.left < 0 {
			return i
		}
		v := x[n.feature]
		switch {
		case v <= n.threshold:
			i = int(n.left)
		case math.IsNaN(v) && n.missingLeft:
			i = int(n.left)
		default:
			i = int(n.right)
		}
	}
}

// leafNoNaN is leaf as gradient boosting's own loop walks a tree: with no
// missing-value branch, so NaN fails every comparison and goes right.
func (t *tree) leafNoNaN(x []float64) int {
	i := 0
	for {
		n := &t.nodes[i]
		if n.left < 0 {
			return i
		}
		if x[n.feature] <= n.threshold {
			i = int(n.left)
		} else {
			i = int(n.right)
		}
	}
}

func (t *tree) values(leaf int) []float64 { return t.value[leaf*t.width : (leaf+1)*t.width] }

// readTree reads the Tree object v (a tree_ attribute) of a tree fitted on
// nFeatures features, checking every index it holds.
func readTree(v any, path string, nFeatures int) (*tree, error) {
	o, ok := v.(*pyobj.Object)
	if !ok || o.Class != "Tree" {
		return nil, fmt.Errorf("sklearn: %s is a %s, want a Tree", path, pyobj.Describe(v))
	}
	to := obj{o: o, path: path}
	if len(o.Args) == 3 {
		if n, ok := asInt(o.Args[0]); !ok || n != nFeatures {
			return nil, to.errorf("the tree was built for %v features, its estimator for %d", o.Args[0], nFeatures)
		}
		if n, ok := asInt(o.Args[2]); !ok || n != 1 {
			return nil, to.errorf("the tree has %v outputs: only single-output trees are supported", o.Args[2])
		}
	}
	na, err := to.array("nodes")
	if err != nil {
		return nil, err
	}
	if na.Fields == nil || len(na.Shape) != 1 {
		return nil, to.errorf("nodes is not a one-dimensional record array")
	}
	count := na.Shape[0]
	if count < 1 {
		return nil, to.errorf("the tree has no nodes")
	}
	if nc, err := to.integer("node_count"); err != nil {
		return nil, err
	} else if nc != count {
		return nil, to.errorf("node_count is %d but nodes holds %d", nc, count)
	}
	left, err := intField(to, na, "left_child")
	if err != nil {
		return nil, err
	}
	right, err := intField(to, na, "right_child")
	if err != nil {
		return nil, err
	}
	feature, err := intField(to, na, "feature")
	if err != nil {
		return nil, err
	}
	threshold, err := floatField(to, na, "threshold")
	if err != nil {
		return nil, err
	}
	var missLeft []int64
	if _, ok := na.Fields["missing_go_to_left"]; ok {
		if missLeft, err = intField(to, na, "missing_go_to_left"); err != nil {
			return nil, err
		}
	}
	t := &tree{nodes: make([]node, count)}
	for i := range t.nodes {
		n := node{threshold: threshold[i], left: -1, right: -1}
		if left[i] != -1 || right[i] != -1 {
			if left[i] <= int64(i) || left[i] >= int64(count) || right[i] <= int64(i) || right[i] >= int64(count) {
				return nil, to.errorf("node %d has children %d and %d, out of range for %d nodes", i, left[i], right[i], count)
			}
			if feature[i] < 0 || feature[i] >= int64(nFeatures) {
				return nil, to.errorf("node %d splits on feature %d of %d", i, feature[i], nFeatures)
			}
			n.left, n.right, n.feature = int32(left[i]), int32(right[i]), int32(feature[i])
			n.missingLeft = missLeft != nil && missLeft[i] != 0
		}
		t.nodes[i] = n
	}
	va, err := to.array("values")
	if err != nil {
		return nil, err
	}
	if len(va.Shape) != 3 || va.Shape[0] != count || va.Shape[1] != 1 || va.Shape[2] < 1 {
		return nil, to.errorf("values has shape %s, want (%d, 1, n)", shapeString(va.Shape), count)
	}
	if t.value, ok = floatData(va); !ok {
		return nil, to.errorf("values is a %s array, want numbers", va.DType)
	}
	t.width = va.Shape[2]
	return t, nil
}

func intField(o obj, a *pyobj.Array, name string) ([]int64, error) {
	f, ok := a.Fields[name]
	if !ok {
		return nil, o.errorf("nodes has no field %q", name)
	}
	d, ok := f.Data.([]int64)
	if !ok {
		return nil, o.errorf("nodes field %q is %s, want integers", name, f.DType)
	}
	return d, nil
}

func floatField(o obj, a *pyobj.Array, name string) ([]float64, error) {
	f, ok := a.Fields[name]
	if !ok {
		return nil, o.errorf("nodes has no field %q", name)
	}
	d, ok := floatData(f)
	if !ok {
		return nil, o.errorf("nodes field %q is %s, want numbers", name, f.DType)
	}
	return d, nil
}

// checkOutputs refuses multi-output estimators.
func checkOutputs(o obj) error {
	if v, ok := o.get("n_outputs_"); ok {
		if n, ok := asInt(v); !ok || n != 1 {
			return o.errorf("n_outputs_ is %v: only single-output models are supported", v)
		}
	}
	return nil
}

// treeClassifier is a DecisionTreeClassifier.
type treeClassifier struct {
	base
	labels []any
	t      *tree
}

func buildTreeClassifier(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	if err := checkOutputs(o); err != nil {
		return nil, err
	}
	m := &treeClassifier{base: b}
	if m.labels, err = readClasses(o); err != nil {
		return nil, err
	}
	if m.t, err = readTree(o.o.State["tree_"], o.path+".tree_", b.nIn); err != nil {
		return nil, err
	}
	if m.t.width != len(m.labels) {
		return nil, o.errorf("tree_ values hold %d classes but classes_ has %d", m.t.width, len(m.labels))
	}
	return m, nil
}

func (m *treeClassifier) classes() []any { return m.labels }

// proba writes the leaf's class weights normalised to sum to one, as
// DecisionTreeClassifier.predict_proba does.
func (m *treeClassifier) proba(x, p []float64) int {
	toFloat32(x)
	v := m.t.values(m.t.leaf(x))
	normalize(p, v)
	return argmax(v)
}

func normalize(p, v []float64) {
	sum := 0.0
	for _, w := range v {
		sum += w
	}
	if sum == 0 {
		sum = 1
	}
	for k, w := range v {
		p[k] = w / sum
	}
}

// treeRegressor is a DecisionTreeRegressor.
type treeRegressor struct {
	base
	t *tree
}

func buildTreeRegressor(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	if err := checkOutputs(o); err != nil {
		return nil, err
	}
	m := &treeRegressor{base: b}
	if m.t, err = readTree(o.o.State["tree_"], o.path+".tree_", b.nIn); err != nil {
		return nil, err
	}
	if m.t.width != 1 {
		return nil, o.errorf("tree_ values hold %d numbers per node, want 1", m.t.width)
	}
	return m, nil
}

func (m *treeRegressor) predict(x []float64) float64 {
	toFloat32(x)
	return m.t.value[m.t.leaf(x)]
}

// estimatorList reads estimators_, a list of fitted estimators.
func estimatorList(o obj) ([]Estimator, error) {
	raw, err := o.need("estimators_")
	if err != nil {
		return nil, err
	}
	list, ok := raw.([]any)
	if !ok || len(list) == 0 {
		return nil, o.errorf("estimators_ is a %s, want a non-empty list", pyobj.Describe(raw))
	}
	out := make([]Estimator, len(list))
	for i, v := range list {
		if out[i], err = child(v, fmt.Sprintf("%s.estimators_[%d]", o.path, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// forestClassifier is a RandomForestClassifier or ExtraTreesClassifier:
// the mean of its trees' normalised class weights.
type forestClassifier struct {
	base
	labels []any
	trees  []*tree
}

func buildForestClassifier(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	if err := checkOutputs(o); err != nil {
		return nil, err
	}
	m := &forestClassifier{base: b}
	if m.labels, err = readClasses(o); err != nil {
		return nil, err
	}
	ests, err := estimatorList(o)
	if err != nil {
		return nil, err
	}
	for i, e := range ests {
		tc, ok := e.(*treeClassifier)
		if !ok || tc.nIn != b.nIn || tc.t.width != len(m.labels) {
			return nil, o.errorf("estimators_[%d] is not a decision tree classifier over %d features and %d classes", i, b.nIn, len(m.labels))
		}
		m.trees = append(m.trees, tc.t)
	}
	return m, nil
}

func (m *forestClassifier) classes() []any { return m.labels }

func (m *forestClassifier) proba(x, p []float64) int {
	toFloat32(x)
	for k := range p {
		p[k] = 0
	}
	for _, t := range m.trees {
		v := t.values(t.leaf(x))
		sum := 0.0
		for _, w := range v {
			sum += w
		}
		if sum == 0 {
			sum = 1
		}
		for k, w := range v {
			p[k] += w / sum
		}
	}
	n := float64(len(m.trees))
	for k := range p {
		p[k] /= n
	}
	return argmax(p)
}

// forestRegressor is a RandomForestRegressor or ExtraTreesRegressor: the
// mean of its trees.
type forestRegressor struct {
	base
	trees []*tree
}

func buildForestRegressor(o obj) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	if err := checkOutputs(o); err != nil {
		return nil, err
	}
	m := &forestRegressor{base: b}
	ests, err := estimatorList(o)
	if err != nil {
		return nil, err
	}
	for i, e := range ests {
		tr, ok := e.(*treeRegressor)
		if !ok || tr.nIn != b.nIn {
			return nil, o.errorf("estimators_[%d] is not a decision tree regressor over %d features", i, b.nIn)
		}
		m.trees = append(m.trees, tr.t)
	}
	return m, nil
}

func (m *forestRegressor) predict(x []float64) float64 {
	toFloat32(x)
	s := 0.0
	for _, t := range m.trees {
		s += t.value[t.leaf(x)]
	}
	return s / float64(len(m.trees))
}
