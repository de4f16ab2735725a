package xgboost

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// FlavorName is the MLmodel flavor MLflow's xgboost module writes.
const FlavorName = "xgboost"

// Model classes of the flavor's model_class key.
const (
	classBooster      = "xgboost.core.Booster"
	classClassifier   = "xgboost.sklearn.XGBClassifier"
	classRFClassifier = "xgboost.sklearn.XGBRFClassifier"
	classRegressor    = "xgboost.sklearn.XGBRegressor"
	classRFRegressor  = "xgboost.sklearn.XGBRFRegressor"
)

// Scorer scores an XGBoost model that MLflow saved, as the flavor's pyfunc
// predict does. It is safe for concurrent use.
type Scorer struct {
	bst    *Booster
	inputs []mlmodel.Input
	// feature[k] is the model feature input k fills.
	feature []int
	output  mlmodel.Output
	// sklearn is true for the scikit-learn wrappers, whose classifiers
	// answer labels and whose predict stops at best_iteration.
	sklearn bool
}

var _ mlmodel.Scorer = (*Scorer)(nil)

// Open loads the xgboost flavor of the MLflow model in dir. f is the
// directory's parsed MLmodel file. It reads only the regular file the
// flavor names inside dir.
func Open(dir string, f *mlmodel.File) (mlmodel.Scorer, error) {
	s, err := open(dir, f)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func open(dir string, f *mlmodel.File) (*Scorer, error) {
	fl, ok := f.Flavors[FlavorName]
	if !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel has no %q flavor", FlavorName)
	}
	data, _ := fl["data"].(string)
	if data == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost flavor names no data file")
	}
	format, _ := fl["model_format"].(string)
	if format == "" {
		// MLflow before 2.x wrote no model_format: the extension says.
		format = strings.TrimPrefix(filepath.Ext(data), ".")
	}
	class, _ := fl["model_class"].(string)
	if class == "" {
		class = classBooster
	}
	switch class {
	case classBooster, classClassifier, classRFClassifier, classRegressor, classRFRegressor:
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"xgboost model_class %q is not supported (supported: Booster, XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor)", class)
	}
	bst, err := readModel(dir, data, format)
	if err != nil {
		return nil, err
	}
	s := &Scorer{bst: bst, sklearn: class != classBooster}
	if s.sklearn {
		// XGBModel.predict stops at best_iteration when early stopping
		// left one; Booster.predict always uses every tree.
		if best, ok := bst.BestIteration(); ok {
			s.bst = bst.Slice(best + 1)
		}
	}
	classifier := class == classClassifier || class == classRFClassifier
	if s.output, err = outputOf(bst, class, classifier); err != nil {
		return nil, err
	}
	if err := s.setInputs(f); err != nil {
		return nil, err
	}
	return s, nil
}

// readModel reads and parses dir/data, a regular file inside dir.
func readModel(dir, data, format string) (*Booster, error) {
	if !filepath.IsLocal(data) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost flavor data %q is not a path inside the model directory", data)
	}
	switch format {
	case "json", "ubj":
	case "xgb", "deprecated", "bin", "model":
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"xgboost model %s is in XGBoost's legacy binary format, which Weir does not read: save it with model_format=\"ubj\" or \"json\"", data)
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost model_format %q is not supported (want ubj or json)", format)
	}
	// Regular files only, and no symbolic link out of dir.
	r, fi, err := mlmodel.OpenModelFile(dir, data)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost model file %s: %s", data, mlmodel.FileProblem(err))
	}
	defer r.Close()
	if fi.Size() > MaxModelBytes {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost model file %s has %d bytes, more than the %d Weir reads", data, fi.Size(), MaxModelBytes)
	}
	bst, err := Parse(r, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", data, err)
	}
	return bst, nil
}

// outputOf describes what the flavor's pyfunc predict returns for the
// objective and model class.
func outputOf(b *Booster, class string, classifier bool) (mlmodel.Output, error) {
	obj := b.objective
	switch {
	case obj == "multi:softprob" || obj == "multi:softmax":
		out := mlmodel.Output{Task: ml.TaskMulticlass, Classes: make([]any, b.numClass)}
		for k := range out.Classes {
			if classifier {
				out.Classes[k] = int64(k)
			} else {
				out.Classes[k] = float64(k) // Booster.predict gives float32 indices
			}
		}
		switch {
		case classifier || obj == "multi:softmax":
			out.Predict = mlmodel.PredictLabel
		default:
			out.Predict = mlmodel.PredictProba
		}
		return out, nil
	case classifier:
		if obj != "binary:logistic" && obj != "binary:logitraw" {
			return mlmodel.Output{}, weir.Errorf(weir.ErrInvalidParameterValue, "xgboost %s with objective %s is not supported", class, obj)
		}
		return mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictLabel}, nil
	case obj == "binary:logistic" && class == classBooster:
		return mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba}, nil
	}
	// Regression objectives, reg:logistic and a Booster's binary:logitraw
	// (whose predict gives the raw margin) answer one number per row.
	return mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}, nil
}

// setInputs takes the columns from the signature when it has named
// columns, else from the model's feature names and types.
func (s *Scorer) setInputs(f *mlmodel.File) error {
	b := s.bst
	names := b.featureNames
	if names == nil {
		names = make([]string, b.numFeature)
		for j := range names {
			names[j] = "f" + strconv.Itoa(j)
		}
	}
	sig, err := f.ParseSignature()
	if f.Signature == nil || err != nil || !namedColumns(sig.Inputs) {
		s.inputs = make([]mlmodel.Input, b.numFeature)
		s.feature = make([]int, b.numFeature)
		for j := range s.inputs {
			kind := frame.Float
			if b.stringCats(j) {
				kind = frame.Categorical
			}
			s.inputs[j] = mlmodel.Input{Name: names[j], Kind: kind, Required: true}
			s.feature[j] = j
		}
		return nil
	}
	index := make(map[string]int, len(names))
	for j, n := range names {
		index[n] = j
	}
	covered := make([]bool, b.numFeature)
	for k, c := range sig.Inputs {
		kind, err := mlmodel.Kind(c.Type)
		if err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature input %q: %v", c.Name, err)
		}
		j, ok := index[c.Name]
		if !ok && b.featureNames == nil && k < b.numFeature && len(sig.Inputs) == b.numFeature {
			j, ok = k, true // an unnamed model reads columns by position
		}
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature input %q is not a feature of the xgboost model", c.Name)
		}
		if kind == frame.Categorical && !b.stringCats(j) {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"MLmodel signature gives input %q strings, but the xgboost model stores no string categories for it", c.Name)
		}
		if kind == frame.Time {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature input %q is a datetime, which xgboost does not read", c.Name)
		}
		if covered[j] {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature names feature %q twice", c.Name)
		}
		covered[j] = true
		s.inputs = append(s.inputs, mlmodel.Input{Name: c.Name, Kind: kind, Required: c.Required})
		s.feature = append(s.feature, j)
	}
	for j, ok := range covered {
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel signature has no input for xgboost feature %q", names[j])
		}
	}
	return nil
}

func namedColumns(cols []mlmodel.Column) bool {
	if len(cols) == 0 {
		return false
	}
	for _, c := range cols {
		if c.Name == "" || c.Type == "tensor" {
			return false
		}
	}
	return true
}

// stringCats reports whether feature j is categorical with string
// categories stored in the model.
func (b *Booster) stringCats(j int) bool {
	return j < len(b.cats) && b.cats[j].names != nil
}

// Booster returns the parsed model, limited to the rounds predict uses.
func (s *Scorer) Booster() *Booster { return s.bst }

// Inputs returns the columns Score reads.
func (s *Scorer) Inputs() []mlmodel.Input { return s.inputs }

// Output describes what Score writes.
func (s *Scorer) Output() mlmodel.Output { return s.output }

// Score scores rows into out, which the caller sized with out.Resize.
func (s *Scorer) Score(rows [][]any, out *mlmodel.Scores) error {
	b := s.bst
	k := len(s.output.Classes)
	if len(out.Value) < len(rows) || len(out.Proba) < len(rows)*k || (k > 0 && len(out.Label) < len(rows)) {
		return fmt.Errorf("xgboost: scores sized for %d rows, want %d rows of %d classes", len(out.Value), len(rows), k)
	}
	sc := b.getScratch()
	defer scratchPool.Put(sc)
	g := b.numGroup
	for lo := 0; lo < len(rows); lo += b.block() {
		n := min(b.block(), len(rows)-lo)
		for r := 0; r < n; r++ {
			if err := s.features(lo+r, rows[lo+r], b.row(sc, r)); err != nil {
				return err
			}
		}
		b.margins(sc, n)
		for r := 0; r < n; r++ {
			s.answer(lo+r, sc.m[r*g:(r+1)*g], out)
		}
	}
	return nil
}

// answer writes row i's scores from its margins m (overwritten).
func (s *Scorer) answer(i int, m []float32, out *mlmodel.Scores) {
	b := s.bst
	link := objectives[b.objective].link
	switch s.output.Task {
	case ml.TaskRegression:
		var v [1]float32
		b.transform(m, v[:])
		out.Value[i] = float64(v[0])
	case ml.TaskBinary:
		var v [1]float32
		b.transform(m, v[:])
		p := v[0] // a classifier's predict_proba is [1-p, p], in float32
		out.Value[i] = float64(p)
		out.Proba[2*i], out.Proba[2*i+1] = float64(1-p), float64(p)
		out.Label[i] = 0
		if p > 0.5 {
			out.Label[i] = 1
		}
	default:
		k := b.numGroup
		label := 0
		if link == linkArgmax {
			label = argmax(m)
		}
		softmax(m)
		if link == linkSoftmax {
			label = argmax(m) // numpy's argmax: the first largest
		}
		for c, v := range m {
			out.Proba[i*k+c] = float64(v)
		}
		out.Label[i] = label
		out.Value[i] = float64(m[label])
	}
}

// features reads row i into x, which has one slot more than the model has
// features, as float32 order keys (key32), re-coding
// categories to the codes the model was trained with. A category not seen
// in training is an error, as in XGBoost >= 3.3 (3.2.0 raises only for
// one past the largest training category and gives an in-range one the
// code of the next larger category, a bug fixed by dmlc/xgboost#12193).
func (s *Scorer) features(i int, row []any, x []int32) error {
	if len(row) != len(s.inputs) {
		return weir.Errorf(weir.ErrBadRequest, "row %d has %d values, want %d", i, len(row), len(s.inputs))
	}
	for k, v := range row {
		j := s.feature[k]
		f, err := s.value(j, v)
		if err != nil {
			return weir.Errorf(weir.ErrBadRequest, "row %d column %q: %v", i, s.inputs[k].Name, err)
		}
		x[j] = key32(f)
	}
	x[len(x)-1] = 0 // the slot leaves read
	return nil
}

// value converts one cell of feature j to XGBoost's float32.
func (s *Scorer) value(j int, v any) (float32, error) {
	var cats *categories
	if j < len(s.bst.cats) && s.bst.cats[j].Len() > 0 {
		cats = &s.bst.cats[j]
	}
	switch x := v.(type) {
	case nil:
		return nan32, nil
	case float64:
		return numberCode(cats, x)
	case int64:
		return numberCode(cats, float64(x))
	case bool:
		if x {
			return numberCode(cats, 1)
		}
		return numberCode(cats, 0)
	case string:
		if cats == nil || cats.names == nil {
			return 0, fmt.Errorf("string %q for a feature the model reads as a number", x)
		}
		if c, ok := cats.strCode[x]; ok {
			return float32(c), nil
		}
		return 0, fmt.Errorf("category %q was not seen in training", x)
	case time.Time:
		return 0, fmt.Errorf("a time for a feature the model reads as a number")
	}
	return 0, fmt.Errorf("unsupported value type %T", v)
}

// numberCode returns a number as XGBoost reads it: itself, or for a
// feature with numeric categories the code of that category.
func numberCode(cats *categories, x float64) (float32, error) {
	if cats == nil || math.IsNaN(x) {
		return float32(x), nil
	}
	if cats.names != nil {
		return 0, fmt.Errorf("number %g for a categorical feature with string categories", x)
	}
	if c, ok := cats.numCode[x]; ok {
		return float32(c), nil
	}
	return 0, fmt.Errorf("category %g was not seen in training", x)
}
