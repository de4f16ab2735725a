package lightgbm

import (
	"path/filepath"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/mlmodel"
)

// FlavorName is the MLmodel flavor mlflow.lightgbm writes.
const FlavorName = "lightgbm"

// boosterClass is the model_class of a Booster saved as a text model.
const boosterClass = "lightgbm.basic.Booster"

// Open reads the MLflow model directory dir, whose MLmodel file f has the
// lightgbm flavor with a Booster saved as a text model, and returns a
// Scorer that answers as mlflow.pyfunc's predict does: probabilities for
// binary and multiclass objectives (P(class 1) for binary), values
// otherwise. Inputs come from the signature when the file has one, else
// from the model's feature names.
func Open(dir string, f *mlmodel.File) (_ mlmodel.Scorer, err error) {
	defer weir.Wrap(&err, "lightgbm model %s", dir)
	fl, ok := f.Flavors[FlavorName]
	if !ok {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "MLmodel has no %s flavor", FlavorName)
	}
	if c, _ := fl["model_class"].(string); c != "" && c != boosterClass {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue,
			"model_class %s is a scikit-learn-API model, not a Booster saved as a text model", quoteShort(c))
	}
	data, _ := fl["data"].(string)
	b, err := readBooster(dir, data)
	if err != nil {
		return nil, err
	}
	inputs, float32s, err := modelInputs(b, f)
	if err != nil {
		return nil, err
	}
	return newScorer(b, inputs, boosterOutput(b), float32s)
}

// readBooster parses the regular file data inside dir.
func readBooster(dir, data string) (*Booster, error) {
	if data == "" || !filepath.IsLocal(data) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "flavor data %s is not a file inside the model directory", quoteShort(data))
	}
	// Regular files only, and no symbolic link out of dir.
	r, fi, err := mlmodel.OpenModelFile(dir, data)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s", mlmodel.FileProblem(err))
	}
	defer r.Close()
	if fi.Size() > MaxModelBytes {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "model file %s has %d bytes, more than %d", quoteShort(data), fi.Size(), MaxModelBytes)
	}
	b, err := Parse(r)
	if err != nil {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s: %v", data, err)
	}
	return b, nil
}

// modelInputs reads the inputs from the signature, or else from the
// model: its feature names, strings for pandas columns of string
// categories, numbers otherwise. It also says which inputs the signature
// types "float" (float32).
func modelInputs(b *Booster, f *mlmodel.File) ([]mlmodel.Input, []bool, error) {
	if f.Signature != nil {
		sig, err := f.ParseSignature()
		if err != nil {
			return nil, nil, err
		}
		if len(sig.Inputs) == 1 && sig.Inputs[0].Type == "tensor" {
			// Logged with a numpy input example: the signature names no
			// columns, so the model's feature names serve.
			return featureInputs(b), nil, nil
		}
		inputs := make([]mlmodel.Input, len(sig.Inputs))
		float32s := make([]bool, len(sig.Inputs))
		for i, c := range sig.Inputs {
			k, err := mlmodel.Kind(c.Type)
			if err != nil {
				return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "signature input %d (%s): %v", i, quoteShort(c.Name), err)
			}
			inputs[i] = mlmodel.Input{Name: c.Name, Kind: k, Required: c.Required}
			float32s[i] = c.Type == mlmodel.TypeFloat
		}
		if len(inputs) != b.NumFeatures() {
			return nil, nil, weir.Errorf(weir.ErrInvalidParameterValue, "signature has %d inputs but the model reads %d features", len(inputs), b.NumFeatures())
		}
		return inputs, float32s, nil
	}
	return featureInputs(b), nil, nil
}

// featureInputs are the model's features as inputs: numbers, but strings
// for the pandas columns of string categories.
func featureInputs(b *Booster) []mlmodel.Input {
	inputs := make([]mlmodel.Input, b.NumFeatures())
	for j, name := range b.featureNames {
		inputs[j] = mlmodel.Input{Name: name, Kind: frame.Float, Required: true}
	}
	// With no signature the string columns are the pandas columns of
	// string categories, found among the categorical features.
	if pc, err := pandasColumns(b, inputs); err == nil {
		for i, j := range pc {
			if len(b.pandas[i]) > 0 {
				if _, isString := b.pandas[i][0].(string); isString {
					inputs[j].Kind = frame.Categorical
				}
			}
		}
	}
	return inputs
}

// boosterOutput is what pyfunc's predict gives for a Booster: LightGBM's
// predict, probabilities for classification objectives.
func boosterOutput(b *Booster) mlmodel.Output {
	switch b.objective.Name {
	case "binary":
		return mlmodel.Output{Task: ml.TaskBinary, Classes: []any{int64(0), int64(1)}, Predict: mlmodel.PredictProba}
	case "multiclass", "multiclassova":
		classes := make([]any, b.NumOutputs())
		for k := range classes {
			classes[k] = int64(k)
		}
		return mlmodel.Output{Task: ml.TaskMulticlass, Classes: classes, Predict: mlmodel.PredictProba}
	}
	return mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}
}
