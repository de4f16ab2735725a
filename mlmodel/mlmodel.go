// Package mlmodel writes and reads MLflow model directories holding a Weir
// predictor: the MLmodel file (YAML) with a "weir" flavor and a signature in
// MLflow's column types, the input examples, and predictor.json. It resolves
// model URIs (local paths, runs:/, models:/name/version, models:/name@alias,
// models:/name/Stage, models:/m-<id>) to local directories, and logs a
// directory as an MLflow 3 logged model, so that MLflow's own client sees it
// as it sees a Python-logged model.
//
// The directory also has a python_function flavor whose loader, written in
// plain Python and NumPy, ships in it (code/weir_pyfunc.py), so that
// mlflow.pyfunc.load_model scores a Weir model as Weir does. Models that
// other libraries saved are read by the adapter packages under mlmodel/
// (lightgbm, xgboost, sklearn) into the same Scorer. docs/model-format.md
// has the layout.
//
// The package imports the standard library, Weir's domain packages and a
// YAML library.
package mlmodel

import (
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/predictor"
)

// File names inside a model directory.
const (
	MLmodelFile        = "MLmodel"
	PredictorFile      = "predictor.json"
	InputExampleFile   = "input_example.json"
	ServingExampleFile = "serving_input_example.json"
	RequirementsFile   = "requirements.txt"
	// ReferenceProfileFile holds the reference profile of the data the
	// model was fit on (monitor.Profile as JSON), when the model has one:
	// weir monitor report and the scoring server's drift gauges read it.
	ReferenceProfileFile = "reference_profile.json"
)

// FlavorName is the key of Weir's flavor in the MLmodel flavors map.
const FlavorName = "weir"

// FlavorVersion is the version of the weir flavor's layout (its keys and
// the files they name). Load refuses other versions.
const FlavorVersion = 1

// Model is a loaded model directory.
type Model struct {
	// Dir is the directory the model was loaded from.
	Dir string
	// MLmodel is the parsed MLmodel file.
	MLmodel *File
	// Flavor is the weir flavor of MLmodel.
	Flavor Flavor
	// Signature is the model's signature; Inputs matches the predictor's
	// input schema.
	Signature Signature
	// Predictor is the loaded, checked predictor.
	Predictor *predictor.Predictor
}

// Output describes what the scoring server answers for the model: Weir's
// own records (PredictRecords) for the predictor's task, with its class
// labels as strings (none for regression). cmd/weir sets serve's
// Loaded.Output from it.
func (m *Model) Output() Output { return PredictorOutput(m.Predictor) }

// PredictorOutput describes the answers of a Weir predictor (see
// Model.Output).
func PredictorOutput(p *predictor.Predictor) Output {
	var classes []any
	if len(p.Classes) > 0 {
		classes = make([]any, len(p.Classes))
		for i, c := range p.Classes {
			classes[i] = c
		}
	}
	task := p.Task
	if task == "" {
		task = ml.TaskBinary
	}
	return Output{Task: task, Classes: classes, Predict: PredictRecords}
}
