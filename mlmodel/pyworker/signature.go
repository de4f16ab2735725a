package pyworker

import (
	"encoding/json"
	"fmt"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

// readSignature sets the Pool's inputs and output from the MLmodel
// signature and returns the inputs as the JSON the worker takes. A model
// without a signature is refused: the server needs the columns' names and
// types to read requests.
func (p *Pool) readSignature(f *mlmodel.File) (string, error) {
	if f.Signature == nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"the model has no signature: Weir reads requests by the signature's column names and types, "+
				"so log the model with one (mlflow.models.infer_signature)")
	}
	sig, err := f.ParseSignature()
	if err != nil {
		return "", err
	}
	if len(sig.Inputs) == 0 {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "the model's signature has no input columns")
	}
	type column struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	cols := make([]column, len(sig.Inputs))
	seen := make(map[string]bool, len(sig.Inputs))
	for i, c := range sig.Inputs {
		if c.Name == "" {
			return "", weir.Errorf(weir.ErrInvalidParameterValue,
				"the model's signature input %d has no name: Weir serves only signatures of named columns", i+1)
		}
		if seen[c.Name] {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "the model's signature names input %q twice", c.Name)
		}
		seen[c.Name] = true
		k, err := mlmodel.Kind(c.Type)
		if err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "the model's signature input %q: %v", c.Name, err)
		}
		p.inputs = append(p.inputs, mlmodel.Input{Name: c.Name, Kind: k, Required: c.Required})
		cols[i] = column{c.Name, c.Type}
	}
	p.output = mlmodel.Output{Predict: mlmodel.PredictRaw}
	if len(sig.Outputs) == 1 && (sig.Outputs[0].Type == mlmodel.TypeDouble || sig.Outputs[0].Type == mlmodel.TypeFloat) {
		// One floating-point output: a regressor, whose answers drift
		// gauges can watch as numbers.
		p.output.Task = ml.TaskRegression
	}
	b, err := json.Marshal(cols)
	if err != nil {
		return "", fmt.Errorf("encoding the inputs: %w", err)
	}
	return string(b), nil
}
