package serve

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/mlmodel"
)

func raws(rs ...string) []Prediction {
	out := make([]Prediction, len(rs))
	for i, r := range rs {
		out[i].Raw = []byte(r)
	}
	return out
}

func TestAppendRawOutput(t *testing.T) {
	tests := []struct {
		name  string
		preds []Prediction
		want  string
	}{
		{"integers", raws("1", "0", "-3"), `{"name":"prediction","datatype":"INT64","shape":[3],"data":[1,0,-3]}`},
		{"floats", raws("1.5", "2", "1e3"), `{"name":"prediction","datatype":"FP64","shape":[3],"data":[1.5,2,1e3]}`},
		{"NaN is null", raws("NaN", "0.5"), `{"name":"prediction","datatype":"FP64","shape":[2],"data":[null,0.5]}`},
		{"rows of probabilities", raws("[0.2,0.8]", "[0.6,0.4]"), `{"name":"prediction","datatype":"FP64","shape":[2,2],"data":[0.2,0.8,0.6,0.4]}`},
		{"rows of integers", raws("[1,2,3]", "[4,5,6]"), `{"name":"prediction","datatype":"INT64","shape":[2,3],"data":[1,2,3,4,5,6]}`},
		{"strings", raws(`"yes"`, `"no"`), `{"name":"prediction","datatype":"BYTES","shape":[2],"data":["yes","no"]}`},
		{"ragged rows stay text", raws("[1,2]", "[3]"), `{"name":"prediction","datatype":"BYTES","shape":[2],"data":["[1,2]","[3]"]}`},
		{"mixed kinds stay text", raws("1", `"a"`), `{"name":"prediction","datatype":"BYTES","shape":[2],"data":["1","\"a\""]}`},
		{"objects stay text", raws(`{"a":NaN}`), `{"name":"prediction","datatype":"BYTES","shape":[1],"data":["{\"a\":null}"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendRawOutput(nil, tt.preds))
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("%s is not valid JSON", got)
			}
		})
	}
}

func TestJSONSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`[NaN,Infinity,-Infinity,1]`, `[null,null,null,1]`},
		{`{"NaN":"Infinity \" NaN","x":NaN}`, `{"NaN":"Infinity \" NaN","x":null}`},
		{`NaN`, `null`},
	}
	for _, tt := range tests {
		if got := string(jsonSafe([]byte(tt.in))); got != tt.want {
			t.Errorf("jsonSafe(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestLogOutputsNeverNaN: an inference-log record is JSON, which has no
// NaN, so a model's NaN answer is logged as null.
func TestLogOutputsNeverNaN(t *testing.T) {
	for _, tc := range []struct {
		out  mlmodel.Output
		pred Prediction
	}{
		{mlmodel.Output{Predict: mlmodel.PredictRaw}, Prediction{Raw: []byte(`[NaN, 0.5]`)}},
		{mlmodel.Output{Task: ml.TaskRegression, Predict: mlmodel.PredictValue}, Prediction{Value: nan()}},
	} {
		b := appendLogOutputs(nil, &tc.out, &tc.pred)
		if !json.Valid(b) {
			t.Errorf("log outputs %s are not valid JSON", b)
		}
	}
}

func nan() float64 { return math.NaN() }
