package pipeline

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/selection"
)

// selectionMetric names the metric that ranks trials and candidates, and
// compares challenger with champion: ROC AUC for binary, one-vs-rest macro
// ROC AUC for multiclass, RMSE for regression.
func selectionMetric(task string) string {
	switch task {
	case ml.TaskMulticlass:
		return "roc_auc_ovr"
	case ml.TaskRegression:
		return "rmse"
	}
	return "roc_auc"
}

// lowerIsBetter says whether the task's selection metric is an error.
func lowerIsBetter(task string) bool { return task == ml.TaskRegression }

// score turns a task's metrics into a higher-is-better score.
func score(task string, m map[string]float64) float64 {
	v := m[selectionMetric(task)]
	if lowerIsBetter(task) {
		return -v
	}
	return v
}

// scoreValue turns a score back into the metric's value.
func scoreValue(task string, s float64) float64 {
	if lowerIsBetter(task) {
		return -s
	}
	return s
}

// fitPredict fits m on a fold's fitting rows and predicts its validation
// rows: P(y=1) for binary, K probabilities a row (row-major) for
// multiclass, values for regression.
func fitPredict(ctx context.Context, task string, m any, fo trialFold) ([]float64, error) {
	type fitter interface {
		Fit(ctx context.Context, X *ml.Matrix, y, weights []float64) error
	}
	f, ok := m.(fitter)
	if !ok {
		return nil, fmt.Errorf("learner %T cannot be fitted", m)
	}
	if err := f.Fit(ctx, fo.xFit, fo.yFit, nil); err != nil {
		return nil, err
	}
	switch task {
	case ml.TaskMulticlass:
		if c, ok := m.(ml.MulticlassClassifier); ok {
			return c.PredictProbaMulti(fo.xVal)
		}
	case ml.TaskRegression:
		if r, ok := m.(ml.Regressor); ok {
			return r.Predict(fo.xVal)
		}
	default:
		if c, ok := m.(ml.Classifier); ok {
			return c.PredictProba(fo.xVal)
		}
	}
	return nil, fmt.Errorf("learner %T cannot predict a %s task", m, task)
}

// validMetrics scores a fold's predictions for trial logging (valid_*).
func validMetrics(task string, y, pred []float64, k int) (map[string]float64, error) {
	var m map[string]float64
	var err error
	switch task {
	case ml.TaskMulticlass:
		m, err = metrics.Multiclass(y, pred, k, nil)
	case ml.TaskRegression:
		m, err = metrics.Regression(y, pred, nil)
	default:
		m, err = metrics.Binary(y, pred, nil)
	}
	if err != nil {
		return nil, err
	}
	keep := map[string]float64{}
	for _, name := range validKeys(task) {
		v, ok := m[name]
		if !ok || math.IsNaN(v) {
			return nil, fmt.Errorf("validation %s is undefined on a fold (is a class missing from it?)", name)
		}
		keep[name] = v
	}
	return keep, nil
}

// validKeys are the metrics a trial logs.
func validKeys(task string) []string {
	switch task {
	case ml.TaskMulticlass:
		return []string{"roc_auc_ovr", "log_loss", "accuracy", "f1_macro"}
	case ml.TaskRegression:
		return []string{"rmse", "mae", "r2"}
	}
	return []string{"roc_auc", "log_loss"}
}

// cvKind is how trials are cross-validated: model.cv, else what the
// split kind calls for.
func (s *Spec) cvKind(task string) string {
	if s.Model.CV != "" {
		return s.Model.CV
	}
	switch s.Split.Kind {
	case SplitTime:
		return cvForward
	case SplitGroup:
		return cvGroup
	}
	if task == ml.TaskRegression {
		return cvKFold
	}
	return cvStratified
}

// Cross-validation kinds (model.cv).
const (
	cvStratified = "stratified" // stratified k-fold, shuffled by the seed
	cvKFold      = "kfold"      // k-fold, shuffled by the seed
	cvForward    = "forward"    // forward-chaining folds over the split's time column
	cvGroup      = "group"      // group k-fold over the split's group column
)

var cvKinds = []string{cvStratified, cvKFold, cvForward, cvGroup}

// cvFolds cuts the training rows (indices into the data) with targets y
// into folds, or the latest validation_fraction of them when model.folds
// is 0.
func (r *Runner) cvFolds(train []int, y []float64) ([]selection.Fold, error) {
	k := r.Spec.Model.Folds
	if k == 0 {
		cut := len(train) - int(float64(len(train))*r.Spec.Model.ValidationFraction)
		fold, err := selection.TimeSplit(len(train), cut)
		return []selection.Fold{fold}, err
	}
	f := r.st.frame
	switch kind := r.Spec.cvKind(r.st.info.Task); kind {
	case cvForward:
		key, err := timeKey(f, r.Spec.Split.Column)
		if err != nil {
			return nil, err
		}
		return selection.ForwardFolds(pick(key, train), k)
	case cvGroup:
		g, err := columnText(f, r.Spec.Split.Column)
		if err != nil {
			return nil, err
		}
		return selection.GroupKFold(pick(g, train), k)
	case cvKFold:
		return selection.KFold(len(train), k, true, r.Spec.Seed)
	case cvStratified:
		if r.st.info.Task == ml.TaskRegression {
			return nil, fmt.Errorf("stratified folds need classes; a regression uses kfold")
		}
		return selection.StratifiedKFold(y, k, true, r.Spec.Seed)
	default:
		return nil, fmt.Errorf("model.cv %q must be one of %s", kind, listText(slices.Clone(cvKinds)))
	}
}

// validationText says how trials are scored, for reports.
func (r *Runner) validationText() string {
	m := r.Spec.Model
	if m.Folds == 0 {
		return fmt.Sprintf("the latest %.0f%% of the training rows", 100*m.ValidationFraction)
	}
	kind := r.Spec.cvKind(r.st.info.Task)
	switch kind {
	case cvForward:
		kind = "forward-chaining (over " + r.Spec.Split.Column + ")"
	case cvGroup:
		kind = "group (by " + r.Spec.Split.Column + ")"
	}
	return fmt.Sprintf("%d-fold %s cross-validation within the training rows", m.Folds, kind)
}
