package predictor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/tree"
)

// Learner type tags, as written in the "learner" member of the saved JSON.
// A tag names a learner within a task: "gbdt" is the binary, multiclass or
// regression objective of gbdt.Model as the predictor's task says.
const (
	LogisticRegression    = "logistic_regression"
	RandomForest          = "random_forest"
	GBDT                  = "gbdt"
	RandomForestRegressor = "random_forest_regressor"
	LinearRegression      = "linear_regression"
	Ridge                 = "ridge"
)

// Learner describes one learner a predictor can hold for one task. The
// predictor finds it by task and the Go type of the fitted model (to save
// it) or by task and tag (to load it), and scores it only through the
// task's interfaces, so that adding a learner is one Register call and no
// code switches on concrete types.
type Learner struct {
	// Task is ml.TaskBinary, ml.TaskMulticlass or ml.TaskRegression.
	Task string
	// Tag is the "learner" member of predictor.json, unique within Task.
	Tag string
	// New returns an empty model, a pointer that JSON-unmarshals the
	// learner's saved form and satisfies the task's interfaces once
	// fitted: ml.Classifier and ml.RowPredictor (binary),
	// ml.MulticlassClassifier and ml.RowProbaPredictor (multiclass),
	// ml.Regressor and ml.RowPredictor (regression). Its type is the one
	// Save recognises.
	New func() any
	// Marshal, when set, writes a model's saved form; nil means
	// json.Marshal. Either must give the same bytes for the same model.
	Marshal func(model any) ([]byte, error)
	// NumFeatures returns how many columns a fitted model (of New's type)
	// reads, or an error when it does not suit the task (say a gbdt.Model
	// fitted for another objective).
	NumFeatures func(model any) (int, error)
}

var registry = struct {
	sync.RWMutex
	list []Learner
}{}

// Register adds a learner. It panics when l is incomplete or its task and
// tag, or its task and model type, are already registered: registration
// happens at init time, and a clash is a programming error. The built-in
// learners are registered in init below:
//
//	binary:     logistic_regression (*linear.LogisticRegression),
//	            random_forest (*tree.RandomForestClassifier),
//	            gbdt (*gbdt.Model, objective binary)
//	multiclass: gbdt (*gbdt.Model, objective multiclass),
//	            logistic_regression (*linear.LogisticRegression, K > 2),
//	            random_forest (*tree.RandomForestClassifier, K > 2)
//	regression: random_forest_regressor (*tree.RandomForestRegressor),
//	            gbdt (*gbdt.Model, objective regression, regression_l1 or huber),
//	            linear_regression (*linear.LinearRegression),
//	            ridge (*linear.Ridge)
//
// A new learner is one more call there, and a line in the table of
// docs/model-format.md.
func Register(l Learner) {
	if l.Tag == "" || l.New == nil || l.NumFeatures == nil || !knownTask(l.Task) {
		panic(fmt.Sprintf("predictor: Register of an incomplete learner (task %q, tag %q)", l.Task, l.Tag))
	}
	typ := reflect.TypeOf(l.New())
	registry.Lock()
	defer registry.Unlock()
	for _, r := range registry.list {
		if r.Task == l.Task && (r.Tag == l.Tag || reflect.TypeOf(r.New()) == typ) {
			panic(fmt.Sprintf("predictor: %s learner %q (%v) registered twice", l.Task, l.Tag, typ))
		}
	}
	registry.list = append(registry.list, l)
}

// Learners returns the registered learners of a task, in registration
// order.
func Learners(task string) []Learner {
	registry.RLock()
	defer registry.RUnlock()
	var out []Learner
	for _, l := range registry.list {
		if l.Task == task {
			out = append(out, l)
		}
	}
	return out
}

// marshal returns the saved form of a model of l.
func (l Learner) marshal(model any) ([]byte, error) {
	if l.Marshal != nil {
		return l.Marshal(model)
	}
	return json.Marshal(model)
}

// learnerByTag returns the task's learner with the given tag.
func learnerByTag(task, tag string) (Learner, error) {
	ls := Learners(task)
	for _, l := range ls {
		if l.Tag == tag {
			return l, nil
		}
	}
	tags := make([]string, len(ls))
	for i, l := range ls {
		tags[i] = l.Tag
	}
	return Learner{}, fmt.Errorf("predictor: unknown learner %q for a %s predictor (want one of %s)", tag, task, strings.Join(tags, ", "))
}

// learnerOf returns the task's learner whose models have model's type.
func learnerOf(task string, model any) (Learner, error) {
	if model == nil {
		return Learner{}, fmt.Errorf("predictor: no model")
	}
	typ := reflect.TypeOf(model)
	for _, l := range Learners(task) {
		if reflect.TypeOf(l.New()) == typ {
			return l, nil
		}
	}
	return Learner{}, fmt.Errorf("predictor: unsupported %s learner %v (see predictor.Register)", task, typ)
}

func knownTask(t string) bool {
	return t == ml.TaskBinary || t == ml.TaskMulticlass || t == ml.TaskRegression
}

func init() {
	Register(Learner{Task: ml.TaskBinary, Tag: LogisticRegression,
		New: func() any { return &linear.LogisticRegression{} },
		NumFeatures: func(m any) (int, error) {
			return len(m.(*linear.LogisticRegression).Coef), nil
		}})
	Register(Learner{Task: ml.TaskBinary, Tag: RandomForest,
		New: func() any { return &tree.RandomForestClassifier{} },
		NumFeatures: func(m any) (int, error) {
			return m.(*tree.RandomForestClassifier).NFeatures, nil
		}})
	Register(Learner{Task: ml.TaskBinary, Tag: GBDT,
		New: func() any { return &gbdt.Model{} }, NumFeatures: gbdtFeatures(gbdt.Binary), Marshal: gbdtSave})
	Register(Learner{Task: ml.TaskRegression, Tag: RandomForestRegressor,
		New: func() any { return &tree.RandomForestRegressor{} },
		NumFeatures: func(m any) (int, error) {
			return m.(*tree.RandomForestRegressor).NFeatures, nil
		}})
	Register(Learner{Task: ml.TaskRegression, Tag: GBDT,
		New: func() any { return &gbdt.Model{} }, NumFeatures: gbdtFeatures(gbdt.Regression, gbdt.RegressionL1, gbdt.Huber), Marshal: gbdtSave})
	Register(Learner{Task: ml.TaskMulticlass, Tag: GBDT,
		New: func() any { return &gbdt.Model{} }, NumFeatures: gbdtFeatures(gbdt.Multiclass), Marshal: gbdtSave})
	Register(Learner{Task: ml.TaskMulticlass, Tag: LogisticRegression,
		New: func() any { return &linear.LogisticRegression{} },
		NumFeatures: func(m any) (int, error) {
			return m.(*linear.LogisticRegression).NumFeatures(), nil
		}})
	Register(Learner{Task: ml.TaskMulticlass, Tag: RandomForest,
		New: func() any { return &tree.RandomForestClassifier{} },
		NumFeatures: func(m any) (int, error) {
			return m.(*tree.RandomForestClassifier).NFeatures, nil
		}})
	Register(Learner{Task: ml.TaskRegression, Tag: LinearRegression,
		New: func() any { return &linear.LinearRegression{} },
		NumFeatures: func(m any) (int, error) {
			return len(m.(*linear.LinearRegression).Coef), nil
		}})
	Register(Learner{Task: ml.TaskRegression, Tag: Ridge,
		New: func() any { return &linear.Ridge{} },
		NumFeatures: func(m any) (int, error) {
			return len(m.(*linear.Ridge).Coef), nil
		}})
}

// gbdtSave writes a gbdt.Model as its Save does: json.Marshal would
// escape "<" in feature names such as "<infrequent>", and binary
// predictor.json files written before the registry must keep their bytes.
func gbdtSave(m any) ([]byte, error) {
	var buf bytes.Buffer
	err := m.(*gbdt.Model).Save(&buf)
	return buf.Bytes(), err
}

// gbdtFeatures checks that a gbdt.Model has one of the task's objectives,
// since one Go type serves every task.
func gbdtFeatures(objectives ...string) func(any) (int, error) {
	return func(m any) (int, error) {
		g := m.(*gbdt.Model)
		if !slices.Contains(objectives, g.Objective) {
			return 0, fmt.Errorf("predictor: gbdt model has objective %q, want %s", g.Objective, quoteAll(objectives))
		}
		return g.NumFeatures, nil
	}
}

// quoteAll lists quoted names: "a", "a" or "b", "a", "b" or "c".
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
