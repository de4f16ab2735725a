package serve

import (
	"slices"
	"strconv"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

// Output names of the Open Inference Protocol answers: every classifier has
// probability and label, a regressor has prediction.
const (
	outProbability = "probability"
	outLabel       = "label"
	outPrediction  = "prediction"
)

// records reports whether o describes Weir's own answers: one record of
// probability and label per row.
func records(o *mlmodel.Output) bool {
	return o.Predict == "" || o.Predict == mlmodel.PredictRecords
}

// multiclass reports whether o's rows carry K > 2 probabilities.
func multiclass(o *mlmodel.Output) bool { return o.Task == ml.TaskMulticlass }

// appendPredictions appends {"predictions": [...]} to b, each row written
// as MLflow's scoring server writes what the flavor's pyfunc predict
// returns: Weir's records (a DataFrame's rows: {"probability": p, "label":
// l} for a binary classifier, {"probabilities": [...], "label": l} for a
// multiclass one, {"prediction": v} for a regressor), a label, a
// probability (a row of K for multiclass) or a value.
func appendPredictions(b []byte, o *mlmodel.Output, preds []Prediction) []byte {
	b = slices.Grow(b, 32+len(preds)*64)
	b = append(b, `{"predictions":[`...)
	for i := range preds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendAnswer(b, o, &preds[i])
	}
	return append(b, "]}"...)
}

func appendAnswer(b []byte, o *mlmodel.Output, p *Prediction) []byte {
	switch o.Predict {
	case mlmodel.PredictLabel:
		return appendValue(b, o.Classes[p.Class])
	case mlmodel.PredictProba:
		if p.Proba != nil {
			return appendFloats(b, p.Proba)
		}
		return appendFloat(b, p.Value)
	case mlmodel.PredictValue:
		return appendFloat(b, p.Value)
	case mlmodel.PredictRaw:
		return append(b, p.Raw...)
	}
	return appendLogOutputs(b, o, p)
}

func appendFloats(b []byte, fs []float64) []byte {
	b = append(b, '[')
	for k, f := range fs {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendFloat(b, f)
	}
	return append(b, ']')
}

// appendLogOutputs appends one row as a record, the form of Weir's own
// answers and of the "outputs" object of an inference-log record:
// probability and label for a binary classifier (what monitoring joins
// labels with), the K probabilities and the label for a multiclass
// classifier, prediction for a regressor.
func appendLogOutputs(b []byte, o *mlmodel.Output, p *Prediction) []byte {
	switch {
	case o.Predict == mlmodel.PredictRaw:
		b = append(b, `{"prediction":`...)
		b = append(b, jsonSafe(p.Raw)...)
	case o.Task == ml.TaskRegression:
		b = append(b, `{"prediction":`...)
		b = appendFloat(b, p.Value)
	case multiclass(o):
		b = append(b, `{"probabilities":`...)
		b = appendFloats(b, p.Proba)
		b = append(b, `,"label":`...)
		b = appendString(b, p.Label)
	default:
		b = append(b, `{"probability":`...)
		b = appendFloat(b, p.Value)
		b = append(b, `,"label":`...)
		b = appendString(b, p.Label)
	}
	return append(b, '}')
}

// outputNames lists the Open Inference Protocol outputs of a model.
func outputNames(o *mlmodel.Output) []string {
	if o.Task == ml.TaskRegression || o.Predict == mlmodel.PredictRaw {
		return []string{outPrediction}
	}
	return []string{outProbability, outLabel}
}

// outputMetadata describes the outputs of a model to OIP clients.
func outputMetadata(o *mlmodel.Output) []TensorMetadata {
	if o.Predict == mlmodel.PredictRaw {
		return []TensorMetadata{{Name: outPrediction, Datatype: "BYTES", Shape: []int64{-1}}}
	}
	if o.Task == ml.TaskRegression {
		return []TensorMetadata{{Name: outPrediction, Datatype: "FP64", Shape: []int64{-1}}}
	}
	proba := TensorMetadata{Name: outProbability, Datatype: "FP64", Shape: []int64{-1}}
	if multiclass(o) {
		proba.Shape = []int64{-1, int64(len(o.Classes))}
	}
	return []TensorMetadata{proba, {Name: outLabel, Datatype: "BYTES", Shape: []int64{-1}}}
}

// classText is a class label as the text a Prediction's Label holds.
func classText(c any) string {
	switch c := c.(type) {
	case string:
		return c
	case int64:
		return strconv.FormatInt(c, 10)
	case float64:
		return strconv.FormatFloat(c, 'g', -1, 64)
	case bool:
		if c {
			return "True"
		}
		return "False"
	}
	return ""
}
