// Package sklearn scores scikit-learn estimators natively, from the fitted
// state that the pyobj package reads out of a skops or pickle file: no
// Python runs. Build turns that state into a tree of Go estimators for an
// allow-list of classes (pipelines, column transformers, scalers,
// encoders, imputers, linear models, decision trees, forests and both
// gradient boosting ensembles); NewScorer and Open turn the tree into an
// mlmodel.Scorer whose answers equal scikit-learn's predict and
// predict_proba on a pandas DataFrame with the same columns.
//
// Every index read from the file (tree children, feature ids, category
// bitsets) is checked when the estimator is built, so scoring never
// indexes out of range; scikit-learn's own Tree trusts its arrays.
package sklearn

import "math"

// Estimator is a fitted scikit-learn estimator rebuilt from its state: a
// Pipeline, a transformer or a model.
type Estimator interface {
	// Class returns the scikit-learn class name, such as "Pipeline".
	Class() string
	// NFeatures returns n_features_in_, the number of input columns.
	NFeatures() int
	// FeatureNames returns feature_names_in_, the input column names the
	// estimator was fitted with, or nil when it was fitted on an array
	// (its columns are then read by position).
	FeatureNames() []string
}

// value is one cell of a row as it flows through transformers: a number,
// a string, or missing (a NaN number, as pandas holds None and NaN).
type value struct {
	f     float64
	s     string
	isStr bool
}

func (v value) missing() bool { return !v.isStr && math.IsNaN(v.f) }

func num(f float64) value { return value{f: f} }

var missing = value{f: math.NaN()}

// transformer is an estimator that maps rows of NFeatures values to rows
// of width values. transform may use buf, of at least scratch values, for
// intermediate rows, so that scoring allocates nothing per row.
type transformer interface {
	Estimator
	width() int
	scratch() int
	transform(dst, src, buf []value) error
}

// classifier is a final estimator that gives class probabilities.
type classifier interface {
	Estimator
	// classes returns classes_, typed as the model holds them.
	classes() []any
	// proba writes P(class k) of row x into p and returns the index of
	// the class that the estimator's own predict gives. It may overwrite
	// x, the scorer's scratch row.
	proba(x, p []float64) int
}

// regressor is a final estimator that gives one number per row.
type regressor interface {
	Estimator
	// predict may overwrite x, the scorer's scratch row.
	predict(x []float64) float64
}

// base holds what every estimator knows about its inputs.
type base struct {
	class string
	nIn   int
	names []string
}

func (b *base) Class() string          { return b.class }
func (b *base) NFeatures() int         { return b.nIn }
func (b *base) FeatureNames() []string { return b.names }
