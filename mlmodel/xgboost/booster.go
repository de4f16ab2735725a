package xgboost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
)

// MaxModelBytes is the largest model file Parse reads.
const MaxModelBytes = 1 << 30

// Limits on what a model may declare, checked before anything is sized by
// them.
const (
	maxClasses  = 1 << 16
	maxFeatures = 1 << 20
	// maxCategory is XGBoost's own bound: category codes are held in
	// float32, which is exact below 2^24.
	maxCategory = 1 << 24
	// maxCatWords caps the category bitsets of a whole model (32 MiB).
	maxCatWords = 1 << 22
)

// Booster is a parsed XGBoost tree model (gbtree or dart), ready to score.
// It is read-only once parsed and safe for concurrent use.
type Booster struct {
	objective    string
	booster      string // "gbtree" or "dart"
	numGroup     int    // outputs per row: num_class for multiclass, else 1
	numClass     int    // num_class as saved (0 for binary and regression)
	numFeature   int
	featureNames []string
	featureTypes []string
	// base is the starting margin of each output group: base_score turned
	// into margin space as XGBoost's objective does.
	base  []float32
	trees []tree
	// group[t] is the output group tree t adds to (tree_info).
	group []int32
	// weight[t] scales tree t (dart's weight_drop); nil for gbtree.
	weight []float32
	// iterEnd[i] is the number of trees in the first i+1 boosting rounds
	// (iteration_indptr without its leading 0).
	iterEnd []int
	// attributes are the learner's string attributes (best_iteration,
	// scikit_learn, ...).
	attributes map[string]string
	// cats holds the categories seen in training, per feature, when the
	// model stores them (XGBoost >= 3.1 trained on a DataFrame).
	cats []categories
	// version is the XGBoost version that saved the model, when recorded.
	version [3]int
}

// tree is one regression tree, laid out for scoring: nodes in breadth-first
// order from the root at 0, the two children of a split side by side.
type tree struct {
	nodes []node
	// values[i] is leaf i's value.
	values []float32
	// depth is the number of steps from the root to the deepest leaf.
	depth int
	// cats[i] is split i's category set, catBits[beg:end] with bit c set
	// when category c goes right; nil when the tree has no categorical
	// split.
	cats    []catRange
	catBits []uint64
}

// node is one tree node, 16 bytes. A split reads feature f = feature
// (numerical) or ^feature (categorical, feature < 0) and sends a row to
// left when the value, as float32, is < the threshold (numerical) or not
// in the node's category set (categorical); otherwise to left+1; and to
// defaultChild when the value is missing. For a numerical split thr is the
// threshold's order key (see key32), so that the comparison is an integer
// one.
//
// A leaf k is a split that always goes to itself: it reads the row's
// extra slot (feature = the number of features, whose key is always 0)
// against thr = MinInt32 and goes right, to left+1 = k. So a batch of rows
// walks a tree in lockstep, depth steps each, with no test for leaves.
type node struct {
	thr          int32
	feature      int32
	left         int32
	defaultChild int32
}

type catRange struct{ beg, end int32 }

// Parse reads an XGBoost model saved by Booster.save_model or
// save_raw, in format "json" or "ubj" (Universal Binary JSON, XGBoost's
// default since 2.1 and MLflow's since 2.x). The legacy binary format is
// refused. Every index in the file is checked here, so scoring never reads
// out of range.
func Parse(r io.Reader, format string) (*Booster, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxModelBytes+1))
	if err != nil {
		return nil, fmt.Errorf("xgboost: reading model: %w", err)
	}
	if len(b) > MaxModelBytes {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: model file is larger than %d bytes", MaxModelBytes)
	}
	var v any
	switch format {
	case "json":
		dec := json.NewDecoder(bytes.NewReader(quoteNonFinite(b)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: model is not valid JSON: %v", err)
		}
		if dec.More() {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: model JSON has data after its top-level value")
		}
	case "ubj":
		if v, err = decodeUBJ(b); err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: model is not valid UBJSON: %v", err)
		}
	case "xgb", "deprecated", "":
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"xgboost: model format %q (XGBoost's legacy binary) is not supported: save the model as json or ubj", format)
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: unknown model format %q (want json or ubj)", format)
	}
	bst, err := fromValue(v)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost: %v", err)
	}
	return bst, nil
}

// fromValue builds a Booster from a decoded model document.
func fromValue(v any) (*Booster, error) {
	root, err := object(v, "model")
	if err != nil {
		return nil, err
	}
	bst := &Booster{attributes: map[string]string{}}
	if ver, err := ints(root, "version", "model", true); err == nil && len(ver) == 3 {
		for i, n := range ver {
			bst.version[i] = int(n)
		}
	}
	learner, err := field(root, "learner", "model")
	if err != nil {
		return nil, err
	}
	if err := bst.readParams(learner); err != nil {
		return nil, err
	}
	if err := bst.readFeatures(learner); err != nil {
		return nil, err
	}
	if a, ok := learner["attributes"].(map[string]any); ok {
		for k, v := range a {
			if s, ok := v.(string); ok {
				bst.attributes[k] = s
			}
		}
	}
	gb, err := field(learner, "gradient_booster", "learner")
	if err != nil {
		return nil, err
	}
	if err := bst.readBooster(gb); err != nil {
		return nil, err
	}
	return bst, nil
}

// readParams reads the objective and learner_model_param.
func (b *Booster) readParams(learner map[string]any) error {
	obj, err := field(learner, "objective", "learner")
	if err != nil {
		return err
	}
	if b.objective, err = str(obj, "name", "learner.objective"); err != nil {
		return err
	}
	if _, ok := objectives[b.objective]; !ok {
		return fmt.Errorf("objective %q is not supported (supported: %s)", b.objective, supportedObjectives())
	}
	const what = "learner.learner_model_param"
	p, err := field(learner, "learner_model_param", "learner")
	if err != nil {
		return err
	}
	nc, err := intString(p, "num_class", what, 0, maxClasses)
	if err != nil {
		return err
	}
	nf, err := intString(p, "num_feature", what, 0, maxFeatures)
	if err != nil {
		return err
	}
	nt := int64(1)
	if _, ok := p["num_target"]; ok {
		if nt, err = intString(p, "num_target", what, 0, maxClasses); err != nil {
			return err
		}
	}
	if nt > 1 {
		return fmt.Errorf("num_target is %d: multi-target models are not supported", nt)
	}
	b.numClass, b.numFeature = int(nc), int(nf)
	b.numGroup = max(int(nc), 1)
	multi := b.objective == "multi:softprob" || b.objective == "multi:softmax"
	if multi != (nc > 1) {
		return fmt.Errorf("objective %s with num_class %d", b.objective, nc)
	}
	s, err := str(p, "base_score", what)
	if err != nil {
		return err
	}
	base, err := parseBaseScore(s)
	if err != nil {
		return fmt.Errorf("%s.base_score: %v", what, err)
	}
	// Models before 3.1 store one intercept for every output.
	if len(base) == 1 && b.numGroup > 1 {
		for len(base) < b.numGroup {
			base = append(base, base[0])
		}
	}
	if len(base) != b.numGroup {
		return fmt.Errorf("%s.base_score has %d values for %d outputs", what, len(base), b.numGroup)
	}
	for i, x := range base {
		m, err := objectives[b.objective].probToMargin(x)
		if err != nil {
			return fmt.Errorf("%s.base_score %g: %v", what, x, err)
		}
		base[i] = m
	}
	b.base = base
	return nil
}

// parseBaseScore reads XGBoost's base_score string: one float ("5E-1") or,
// from 3.1, a bracketed list ("[5E-1,2.5E-1]").
func parseBaseScore(s string) ([]float32, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		t = t[1 : len(t)-1]
	}
	var out []float32
	for _, part := range strings.Split(t, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 32)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a finite number or list of numbers", s)
		}
		out = append(out, float32(f))
	}
	return out, nil
}

// readFeatures reads feature_names and feature_types, and checks that
// they match num_feature when present.
func (b *Booster) readFeatures(learner map[string]any) error {
	var err error
	if b.featureNames, err = stringList(learner, "feature_names", "learner"); err != nil {
		return err
	}
	if b.featureTypes, err = stringList(learner, "feature_types", "learner"); err != nil {
		return err
	}
	if n := len(b.featureNames); n > 0 && n != b.numFeature {
		return fmt.Errorf("learner has %d feature names for num_feature %d", n, b.numFeature)
	}
	if n := len(b.featureTypes); n > 0 && n != b.numFeature {
		return fmt.Errorf("learner has %d feature types for num_feature %d", n, b.numFeature)
	}
	return nil
}

// readBooster reads the gradient booster: gbtree, or dart around one.
func (b *Booster) readBooster(gb map[string]any) error {
	name, err := str(gb, "name", "learner.gradient_booster")
	if err != nil {
		return err
	}
	b.booster = name
	model := gb
	what := "learner.gradient_booster"
	switch name {
	case "gbtree":
	case "dart":
		if model, err = field(gb, "gbtree", what); err != nil {
			return err
		}
		what += ".gbtree"
	default:
		return fmt.Errorf("booster %q is not supported (supported: gbtree, dart)", name)
	}
	if model, err = field(model, "model", what); err != nil {
		return err
	}
	what += ".model"
	if err := b.readTrees(model, what); err != nil {
		return err
	}
	if name == "dart" {
		if b.weight, err = floats32(gb, "weight_drop", "learner.gradient_booster", false); err != nil {
			return err
		}
		if len(b.weight) != len(b.trees) {
			return fmt.Errorf("dart has %d tree weights for %d trees", len(b.weight), len(b.trees))
		}
	}
	if c, ok := model["cats"]; ok {
		cm, err := object(c, what+".cats")
		if err != nil {
			return err
		}
		if b.cats, err = readCategories(cm, b.numFeature, what+".cats"); err != nil {
			return err
		}
	}
	return nil
}

// readTrees reads trees, tree_info and iteration_indptr.
func (b *Booster) readTrees(model map[string]any, what string) error {
	raw, ok := model["trees"].([]any)
	if !ok {
		return fmt.Errorf("%s.trees is %s, want an array", what, typeName(model["trees"]))
	}
	info, err := ints(model, "tree_info", what, false)
	if err != nil {
		return err
	}
	if len(info) != len(raw) {
		return fmt.Errorf("%s has %d tree_info entries for %d trees", what, len(info), len(raw))
	}
	b.trees = make([]tree, len(raw))
	b.group = make([]int32, len(raw))
	catWords := 0
	for i, t := range raw {
		tw := fmt.Sprintf("%s.trees[%d]", what, i)
		tm, err := object(t, tw)
		if err != nil {
			return err
		}
		if b.trees[i], err = readTree(tm, b.numFeature, tw); err != nil {
			return err
		}
		if catWords += len(b.trees[i].catBits); catWords > maxCatWords {
			return fmt.Errorf("%s: category sets exceed %d words", tw, maxCatWords)
		}
		if info[i] < 0 || info[i] >= int64(b.numGroup) {
			return fmt.Errorf("%s.tree_info[%d] is %d, want a group in [0, %d)", what, i, info[i], b.numGroup)
		}
		b.group[i] = int32(info[i])
	}
	indptr, err := ints(model, "iteration_indptr", what, true)
	if err != nil {
		return err
	}
	if len(indptr) == 0 {
		// Models before 2.0 have no iteration_indptr: rounds are
		// num_parallel_tree × groups trees each.
		per := int64(b.numGroup)
		if p, ok := model["gbtree_model_param"].(map[string]any); ok {
			if npt, err := intString(p, "num_parallel_tree", what+".gbtree_model_param", 1, 1<<20); err == nil {
				per *= npt
			}
		}
		indptr = append(indptr, 0)
		for n := per; n <= int64(len(raw)); n += per {
			indptr = append(indptr, n)
		}
	}
	if indptr[0] != 0 || indptr[len(indptr)-1] != int64(len(raw)) {
		return fmt.Errorf("%s.iteration_indptr does not run from 0 to the %d trees", what, len(raw))
	}
	for i := 1; i < len(indptr); i++ {
		if indptr[i] < indptr[i-1] {
			return fmt.Errorf("%s.iteration_indptr decreases at %d", what, i)
		}
		b.iterEnd = append(b.iterEnd, int(indptr[i]))
	}
	return nil
}
