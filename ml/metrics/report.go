package metrics

import (
	"math"
	"strconv"
)

// The reports below compute the whole metric set of one task into a map
// keyed by snake_case names, ready to log as run metrics. A metric that is
// undefined on the given data (an AUC when y holds one class, a macro
// one-vs-rest AUC when a class is absent from y) is left out of the map
// rather than stored as NaN; the single-metric functions report those cases
// as scikit-learn does. Bad input (lengths, labels, probabilities, weights)
// is an error.

// Multiclass returns the metrics of class probabilities proba (row-major
// n×k, as ml.MulticlassClassifier gives) for class indices y with optional
// weights. Predicted labels are each row's most probable class
// (PredictedClasses). Keys:
//
//	accuracy, balanced_accuracy
//	precision_macro, recall_macro, f1_macro
//	precision_weighted, recall_weighted, f1_weighted
//	precision_class_<c>, recall_class_<c>, f1_class_<c>  for c in 0..k-1
//	log_loss, brier
//	roc_auc_ovr, roc_auc_ovr_weighted  (macro and weighted one-vs-rest)
//	roc_auc_ovo, roc_auc_ovo_weighted  (one-vs-one; only without weights,
//	                                    since scikit-learn has no weighted form)
func Multiclass(y, proba []float64, k int, weights []float64) (map[string]float64, error) {
	if err := checkMulticlassProba(y, proba, k, weights); err != nil {
		return nil, err
	}
	pred, err := PredictedClasses(proba, k)
	if err != nil {
		return nil, err
	}
	cm, err := NewConfusionMatrix(y, pred, k, weights)
	if err != nil {
		return nil, err
	}
	out := labelMetrics(cm)
	for c := 0; c < k; c++ {
		s := strconv.Itoa(c)
		out["precision_class_"+s] = cm.Precision(c)
		out["recall_class_"+s] = cm.Recall(c)
		out["f1_class_"+s] = cm.F1(c)
	}
	if out["log_loss"], err = MulticlassLogLoss(y, proba, k, weights); err != nil {
		return nil, err
	}
	if out["brier"], err = MulticlassBrier(y, proba, k, weights); err != nil {
		return nil, err
	}
	if !twoClasses(y) {
		return out, nil
	}
	type auc struct {
		key string
		f   func() (float64, error)
	}
	aucs := []auc{
		{"roc_auc_ovr", func() (float64, error) { return ROCAUCOvR(y, proba, k, weights, Macro) }},
		{"roc_auc_ovr_weighted", func() (float64, error) { return ROCAUCOvR(y, proba, k, weights, Weighted) }},
	}
	if weights == nil {
		aucs = append(aucs,
			auc{"roc_auc_ovo", func() (float64, error) { return ROCAUCOvO(y, proba, k, Macro) }},
			auc{"roc_auc_ovo_weighted", func() (float64, error) { return ROCAUCOvO(y, proba, k, Weighted) }})
	}
	for _, a := range aucs {
		v, err := a.f()
		if err != nil {
			return nil, err
		}
		setDefined(out, a.key, v)
	}
	return out, nil
}

// Binary returns the metrics of probabilities p of class 1 for labels y (0
// or 1) with optional weights. Predicted labels are 1 where p > 0.5, the
// most probable class with ties going to 0, as scikit-learn's predict.
// Keys: accuracy, balanced_accuracy, precision, recall, f1 (of class 1),
// log_loss, brier, and when y holds both classes roc_auc, pr_auc (average
// precision) and ks.
func Binary(y, p, weights []float64) (map[string]float64, error) {
	if err := checkBinary(y, p, weights); err != nil {
		return nil, err
	}
	if err := checkProbabilities(p); err != nil {
		return nil, err
	}
	pred := make([]float64, len(p))
	for i, v := range p {
		if v > 0.5 {
			pred[i] = 1
		}
	}
	cm, err := NewConfusionMatrix(y, pred, 2, weights)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{
		"accuracy":          cm.Accuracy(),
		"balanced_accuracy": cm.BalancedAccuracy(),
		"precision":         cm.Precision(1),
		"recall":            cm.Recall(1),
		"f1":                cm.F1(1),
	}
	if out["log_loss"], err = LogLoss(y, p, weights); err != nil {
		return nil, err
	}
	if out["brier"], err = Brier(y, p, weights); err != nil {
		return nil, err
	}
	if !twoClasses(y) {
		return out, nil
	}
	if out["roc_auc"], err = ROCAUC(y, p, weights); err != nil {
		return nil, err
	}
	if out["pr_auc"], err = AveragePrecision(y, p, weights); err != nil {
		return nil, err
	}
	if out["ks"], err = KS(y, p, weights); err != nil {
		return nil, err
	}
	return out, nil
}

// Regression returns the metrics of predictions pred for targets y with
// optional weights. Keys: rmse, mae, r2, mape, explained_variance,
// median_ae.
func Regression(y, pred, weights []float64) (map[string]float64, error) {
	fs := []struct {
		key string
		f   func(y, pred, weights []float64) (float64, error)
	}{
		{"rmse", RMSE}, {"mae", MAE}, {"r2", R2}, {"mape", MAPE},
		{"explained_variance", ExplainedVariance}, {"median_ae", MedianAE},
	}
	out := make(map[string]float64, len(fs))
	for _, m := range fs {
		v, err := m.f(y, pred, weights)
		if err != nil {
			return nil, err
		}
		out[m.key] = v
	}
	return out, nil
}

// labelMetrics returns the averaged label metrics of a confusion matrix.
func labelMetrics(cm *ConfusionMatrix) map[string]float64 {
	return map[string]float64{
		"accuracy":           cm.Accuracy(),
		"balanced_accuracy":  cm.BalancedAccuracy(),
		"precision_macro":    cm.PrecisionAvg(Macro),
		"recall_macro":       cm.RecallAvg(Macro),
		"f1_macro":           cm.F1Avg(Macro),
		"precision_weighted": cm.PrecisionAvg(Weighted),
		"recall_weighted":    cm.RecallAvg(Weighted),
		"f1_weighted":        cm.F1Avg(Weighted),
	}
}

// twoClasses reports whether y holds at least two distinct labels.
func twoClasses(y []float64) bool {
	for _, v := range y {
		if v != y[0] {
			return true
		}
	}
	return false
}

// setDefined stores v under key unless it is NaN.
func setDefined(out map[string]float64, key string, v float64) {
	if !math.IsNaN(v) {
		out[key] = v
	}
}
