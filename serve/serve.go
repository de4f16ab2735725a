// Package serve is Weir's scoring server: it answers MLflow's scoring
// protocol (/ping, /health, /version, /invocations) and the Open Inference
// Protocol v2 (/v2/...) for one binary classifier, exports Prometheus
// metrics, optionally logs every scored row to rotated JSONL files, and can
// swap the model atomically while serving (see AliasWatcher).
//
// The package knows nothing about how models are stored: it scores through
// the small Model interface, which cmd/weir implements on top of mlmodel.
package serve

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

// MLflow column types, as they appear in a model signature.
const (
	TypeBoolean  = "boolean"
	TypeInteger  = "integer" // int32
	TypeLong     = "long"    // int64
	TypeFloat    = "float"   // float32
	TypeDouble   = "double"
	TypeString   = "string"
	TypeDatetime = "datetime"
)

// Column is one named input column of a model signature.
type Column struct {
	Name string
	// Type is an MLflow column type (TypeLong, TypeDouble, ...).
	Type string
	// Required columns must be present in every request; optional ones
	// are scored as missing when absent.
	Required bool
}

// Prediction is the answer for one row.
type Prediction struct {
	// Value is the probability of the positive class for a binary
	// classifier, the prediction of a regressor, and the probability of
	// the predicted class for a multiclass classifier.
	Value float64 `json:"probability"`
	// Label is a classifier's decided label, as text.
	Label string `json:"label"`
	// Class is the index of the label in the model's Output.Classes (for
	// models described by an Output).
	Class int `json:"-"`
	// Proba holds a multiclass classifier's K class probabilities.
	Proba []float64 `json:"-"`
	// Raw is the answer as JSON, for a model that writes its own.
	Raw []byte `json:"-"`
}

// Model scores rows. Implementations must be safe for concurrent use.
type Model interface {
	// Inputs returns the input columns, in the order Predict reads them.
	Inputs() []Column
	// Predict scores rows into out (len(out) == len(rows)). Each row has
	// one value per input column, in order: nil (missing), float64, int64,
	// string, bool or time.Time, as the column type says.
	Predict(rows [][]any, out []Prediction) error
}

// Loaded is a model ready to serve, with the identity reported in responses,
// metrics and the inference log.
type Loaded struct {
	Model Model
	// Name and Version identify the model (for a registered model, its
	// registry name and version; otherwise a name derived from the URI).
	Name    string
	Version string
	// Example holds rows of the model's input example (may be nil); a new
	// model must score them before it replaces the one being served.
	Example [][]any
	// Output describes the answers when they are not Weir's own
	// probability-and-label records (models saved by other libraries): the
	// task, the classes and what MLflow's pyfunc predict returns, which is
	// what /invocations answers. The zero Output means Weir's records.
	Output mlmodel.Output
}

// check validates the identity and schema of a model about to be served and
// scores its input example, so a broken model is refused before it takes
// traffic.
func (l *Loaded) check() error {
	if l == nil || l.Model == nil {
		return fmt.Errorf("serve: no model")
	}
	if l.Name == "" {
		return fmt.Errorf("serve: model has no name")
	}
	cols := l.Model.Inputs()
	if len(cols) == 0 {
		return fmt.Errorf("serve: model %s has no input columns in its signature", l.Name)
	}
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if c.Name == "" {
			return fmt.Errorf("serve: model %s has an unnamed input column", l.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("serve: model %s has input column %q twice", l.Name, c.Name)
		}
		seen[c.Name] = true
	}
	if len(l.Example) == 0 {
		return nil
	}
	for i, r := range l.Example {
		if len(r) != len(cols) {
			return fmt.Errorf("serve: model %s: input example row %d has %d values, want %d", l.Name, i, len(r), len(cols))
		}
	}
	out := make([]Prediction, len(l.Example))
	if err := l.Model.Predict(l.Example, out); err != nil {
		return fmt.Errorf("serve: model %s %s fails on its input example: %w", l.Name, l.Version, err)
	}
	for i, p := range out {
		if l.Output.Predict == mlmodel.PredictRaw {
			if !json.Valid(p.Raw) {
				return fmt.Errorf("serve: model %s %s answers input example row %d with invalid JSON", l.Name, l.Version, i)
			}
			continue
		}
		if l.Output.Task == ml.TaskRegression {
			if math.IsNaN(p.Value) {
				return fmt.Errorf("serve: model %s %s predicts NaN for input example row %d", l.Name, l.Version, i)
			}
			continue
		}
		if math.IsNaN(p.Value) || p.Value < 0 || p.Value > 1 {
			return fmt.Errorf("serve: model %s %s gives probability %v for input example row %d", l.Name, l.Version, p.Value, i)
		}
	}
	return nil
}
