package sklearn

import (
	"fmt"
	"math"

	"github.com/weir-ml/weir/mlmodel/sklearn/pyobj"
)

// hgbNode is one node of a HistGradientBoosting TreePredictor.
type hgbNode struct {
	value       float64
	threshold   float64
	feature     int32
	left, right uint32
	bitset      uint32
	leaf        bool
	missingLeft bool
	categorical bool
}

// hgbTree is a TreePredictor: nodes, each child after its parent, and the
// bitsets (8 words each) of the raw categories that go left.
type hgbTree struct {
	nodes   []hgbNode
	bitsets []uint32
}

// hgbModel is a HistGradientBoostingClassifier or Regressor: the baseline
// plus the trees of every iteration, k trees an iteration.
type hgbModel struct {
	base
	labels   []any
	k        int
	baseline []float64
	trees    []hgbTree // iteration-major
	link     link
	// known holds, per categorical feature, the bitset of categories seen
	// when fitting; catIndex maps a feature to its row in known.
	known    []uint32
	catIndex []int
}

func buildHGBClassifier(o obj) (Estimator, error) { return buildHGB(o, true) }
func buildHGBRegressor(o obj) (Estimator, error)  { return buildHGB(o, false) }

func buildHGB(o obj, classify bool) (Estimator, error) {
	b, err := newBase(o)
	if err != nil {
		return nil, err
	}
	m := &hgbModel{base: b, k: 1}
	if classify {
		if m.labels, err = readLabels(o); err != nil {
			return nil, err
		}
		if len(m.labels) > 2 {
			m.k = len(m.labels)
		}
	}
	if m.link, err = readLink(o); err != nil {
		return nil, err
	}
	gb := gbModel{k: m.k, link: m.link}
	if err := gb.checkLink(o, classify); err != nil {
		return nil, err
	}
	if m.baseline, _, err = o.floats("_baseline_prediction", 1, m.k); err != nil {
		return nil, err
	}
	if err := m.readBinMapper(o); err != nil {
		return nil, err
	}
	raw, err := o.need("_predictors")
	if err != nil {
		return nil, err
	}
	iters, ok := raw.([]any)
	if !ok {
		return nil, o.errorf("_predictors is a %s, want a list", pyobj.Describe(raw))
	}
	for i, it := range iters {
		preds, ok := it.([]any)
		if !ok || len(preds) != m.k {
			return nil, o.errorf("_predictors[%d] is not a list of %d predictors", i, m.k)
		}
		for k, p := range preds {
			t, err := m.readPredictor(p, fmt.Sprintf("%s._predictors[%d][%d]", o.path, i, k))
			if err != nil {
				return nil, err
			}
			m.trees = append(m.trees, t)
		}
	}
	var e Estimator = &hgbRegressor{m}
	if classify {
		e = &hgbClassifier{m}
	}
	return withPreprocessor(o, e)
}

// withPreprocessor puts the _preprocessor that HistGradientBoosting fits
// when it has categorical features (an OrdinalEncoder for those, moved
// first, and the numeric columns after) in front of the model.
func withPreprocessor(o obj, e Estimator) (Estimator, error) {
	v, _ := o.get("_preprocessor")
	if v == nil {
		return e, nil
	}
	pe, err := child(v, o.path+"._preprocessor")
	if err != nil {
		return nil, err
	}
	pt, ok := pe.(transformer)
	if !ok || pt.NFeatures() != e.NFeatures() || pt.width() != e.NFeatures() {
		return nil, o.errorf("_preprocessor does not map %d columns to %d", e.NFeatures(), e.NFeatures())
	}
	p := &pipeline{steps: []transformer{pt}, final: e}
	p.class = o.o.Class
	if err := p.link(o); err != nil {
		return nil, err
	}
	return p, nil
}

// readBinMapper reads the categories each categorical feature had when
// fitting, from _bin_mapper, as make_known_categories_bitsets does.
func (m *hgbModel) readBinMapper(o obj) error {
	v, err := o.need("_bin_mapper")
	if err != nil {
		return err
	}
	bo, ok := v.(*pyobj.Object)
	if !ok {
		return o.errorf("_bin_mapper is a %s, want a _BinMapper", pyobj.Describe(v))
	}
	bm := obj{o: bo, path: o.path + "._bin_mapper"}
	m.catIndex = make([]int, m.nIn)
	for j := range m.catIndex {
		m.catIndex[j] = -1
	}
	isCat, ok := bo.State["is_categorical_"].(*pyobj.Array)
	if !ok {
		return nil
	}
	flags, ok := isCat.Data.([]int64)
	if !ok || len(flags) != m.nIn {
		return bm.errorf("is_categorical_ does not hold %d flags", m.nIn)
	}
	thresholds, _ := bo.State["bin_thresholds_"].([]any)
	if len(thresholds) != m.nIn {
		return bm.errorf("bin_thresholds_ does not hold %d arrays", m.nIn)
	}
	for j, f := range flags {
		if f == 0 {
			continue
		}
		m.catIndex[j] = len(m.known) / 8
		var set [8]uint32
		a, ok := thresholds[j].(*pyobj.Array)
		if !ok {
			return bm.errorf("bin_thresholds_[%d] is a %s, want an array", j, pyobj.Describe(thresholds[j]))
		}
		cats, ok := floatData(a)
		if !ok {
			return bm.errorf("bin_thresholds_[%d] is not numeric", j)
		}
		for _, c := range cats {
			if c < 0 || c > 255 || c != math.Trunc(c) {
				return bm.errorf("feature %d has the category %v: categories must be integers 0 to 255", j, c)
			}
			set[int(c)/32] |= 1 << (uint(c) % 32)
		}
		m.known = append(m.known, set[:]...)
	}
	return nil
}

// readPredictor reads a TreePredictor and checks every index it holds.
func (m *hgbModel) readPredictor(v any, path string) (hgbTree, error) {
	po, ok := v.(*pyobj.Object)
	if !ok || po.Class != "TreePredictor" {
		return hgbTree{}, fmt.Errorf("sklearn: %s is a %s, want a TreePredictor", path, pyobj.Describe(v))
	}
	o := obj{o: po, path: path}
	na, err := o.array("nodes")
	if err != nil {
		return hgbTree{}, err
	}
	if na.Fields == nil || len(na.Shape) != 1 || na.Shape[0] < 1 {
		return hgbTree{}, o.errorf("nodes is not a non-empty record array")
	}
	count := na.Shape[0]
	var t hgbTree
	if ba, err := o.array("raw_left_cat_bitsets"); err != nil {
		return hgbTree{}, err
	} else if len(ba.Shape) != 2 || ba.Shape[1] != 8 {
		return hgbTree{}, o.errorf("raw_left_cat_bitsets has shape %s, want (n, 8)", shapeString(ba.Shape))
	} else if d, ok := ba.Data.([]int64); ok {
		t.bitsets = make([]uint32, len(d))
		for i, w := range d {
			t.bitsets[i] = uint32(w)
		}
	}
	value, err := floatField(o, na, "value")
	if err != nil {
		return hgbTree{}, err
	}
	threshold, err := floatField(o, na, "num_threshold")
	if err != nil {
		return hgbTree{}, err
	}
	ints := map[string][]int64{}
	for _, name := range []string{"feature_idx", "left", "right", "is_leaf", "missing_go_to_left", "is_categorical", "bitset_idx"} {
		if ints[name], err = intField(o, na, name); err != nil {
			return hgbTree{}, err
		}
	}
	nBitsets := int64(len(t.bitsets) / 8)
	t.nodes = make([]hgbNode, count)
	for i := range t.nodes {
		n := hgbNode{value: value[i], threshold: threshold[i], leaf: ints["is_leaf"][i] != 0}
		if !n.leaf {
			l, r, f := ints["left"][i], ints["right"][i], ints["feature_idx"][i]
			if l <= int64(i) || l >= int64(count) || r <= int64(i) || r >= int64(count) {
				return hgbTree{}, o.errorf("node %d has children %d and %d, out of range for %d nodes", i, l, r, count)
			}
			if f < 0 || f >= int64(m.nIn) {
				return hgbTree{}, o.errorf("node %d splits on feature %d of %d", i, f, m.nIn)
			}
			n.left, n.right, n.feature = uint32(l), uint32(r), int32(f)
			n.missingLeft = ints["missing_go_to_left"][i] != 0
			n.categorical = ints["is_categorical"][i] != 0
			if n.categorical {
				bi := ints["bitset_idx"][i]
				if bi < 0 || bi >= nBitsets {
					return hgbTree{}, o.errorf("node %d uses category bitset %d of %d", i, bi, nBitsets)
				}
				if m.catIndex[f] < 0 {
					return hgbTree{}, o.errorf("node %d makes a categorical split on feature %d, which is not categorical", i, f)
				}
				n.bitset = uint32(bi)
			}
		}
		t.nodes[i] = n
	}
	return t, nil
}

func inBitset(set []uint32, row int, v uint8) bool {
	return set[row*8+int(v)/32]>>(v%32)&1 != 0
}

// predict walks the tree as _predict_one_from_raw_data does: no float32
// cast; categories out of range or unseen when fitting are treated as
// missing.
func (m *hgbModel) predictTree(t *hgbTree, x []float64) float64 {
	n := &t.nodes[0]
	for !n.leaf {
		v := x[n.feature]
		var left bool
		switch {
		case math.IsNaN(v):
			left = n.missingLeft
		case n.categorical:
			// Cython casts the value to uint8 as x86 C code does: through
			// a 32-bit truncation, which gives 0 when out of range.
			var c uint8
			if v < 1<<31 {
				c = uint8(int32(v))
			}
			switch {
			case v < 0:
				left = n.missingLeft
			case inBitset(t.bitsets, int(n.bitset), c):
				left = true
			case inBitset(m.known, m.catIndex[n.feature], c):
				left = false
			default:
				left = n.missingLeft
			}
		default:
			left = v <= n.threshold
		}
		if left {
			n = &t.nodes[n.left]
		} else {
			n = &t.nodes[n.right]
		}
	}
	return n.value
}

func (m *hgbModel) raw(x, out []float64) {
	copy(out, m.baseline)
	for i := range m.trees {
		out[i%m.k] += m.predictTree(&m.trees[i], x)
	}
}

// hgbClassifier and hgbRegressor give an hgbModel the methods of its
// kind.
type (
	hgbClassifier struct{ *hgbModel }
	hgbRegressor  struct{ *hgbModel }
)

func (m hgbClassifier) classes() []any { return m.labels }

func (m hgbClassifier) proba(x, p []float64) int {
	if m.k == 1 {
		var raw [1]float64
		m.raw(x, raw[:])
		m.link.binary(raw[0], p)
		if raw[0] > 0 {
			return 1
		}
		return 0
	}
	m.raw(x, p)
	return softmax(p)
}

func (m hgbRegressor) predict(x []float64) float64 {
	var raw [1]float64
	m.raw(x, raw[:])
	return m.link.inverse(raw[0])
}
