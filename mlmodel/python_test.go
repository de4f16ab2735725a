package mlmodel

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml"
)

// loadWithMLflow is run by MLflow's Python package: it loads model
// directories with mlflow.models.Model.load, reads each input example and
// enforces the signature on it, as mlflow.pyfunc does before predicting, and
// notes how mlflow.pyfunc.load_model refuses the model.
const loadWithMLflow = `
import json, sys
import mlflow.pyfunc
from mlflow.models import Model
from mlflow.models.utils import _enforce_schema
out = []
for d in sys.argv[1:]:
    m = Model.load(d)
    ex = m.load_input_example(d)
    enforced = _enforce_schema(ex, m.signature.inputs)
    try:
        mlflow.pyfunc.load_model(d)
        pyfunc_error = ""
    except Exception as e:
        pyfunc_error = str(e)
    out.append({
        "flavors": sorted(m.flavors),
        "inputs": m.signature.inputs.to_dict(),
        "outputs": m.signature.outputs.to_dict(),
        "example_rows": len(enforced),
        "example_dtypes": {c: str(t) for c, t in enforced.dtypes.items()},
        "run_id": m.run_id,
        "model_id": m.model_id,
        "pyfunc_error": pyfunc_error,
    })
print(json.dumps(out))
`

func python(tb testing.TB) string {
	tb.Helper()
	py := os.Getenv("WEIR_PYTHON")
	if py == "" {
		py = "/work/venv/bin/python"
	}
	if _, err := os.Stat(py); err != nil {
		tb.Skipf("no Python with mlflow at %s (set WEIR_PYTHON): %v", py, err)
	}
	return py
}

// TestMLflowLoadsOurModel checks a saved directory and the copy that Log
// uploaded (with model_id, run_id and artifact_path) with MLflow's code.
func TestMLflowLoadsOurModel(t *testing.T) {
	py := python(t)
	saved := mustSaved(t)
	s, store := newLogServer(t)
	lm, err := Log(context.Background(), saved, "run1", "churn", sinks(s))
	if err != nil {
		t.Fatal(err)
	}
	logged := t.TempDir()
	if err := (Files{Proxied: store}).Download(context.Background(), lm.ArtifactURI, logged); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", loadWithMLflow, saved, logged).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("mlflow could not load the models: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []struct {
		Flavors       []string          `json:"flavors"`
		Inputs        []map[string]any  `json:"inputs"`
		Outputs       []map[string]any  `json:"outputs"`
		ExampleRows   int               `json:"example_rows"`
		ExampleDtypes map[string]string `json:"example_dtypes"`
		RunID         *string           `json:"run_id"`
		ModelID       *string           `json:"model_id"`
		PyfuncError   string            `json:"pyfunc_error"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != 2 {
		t.Fatalf("reading %s: %v", out, err)
	}
	col := func(typ, name string) map[string]any {
		return map[string]any{"type": typ, "name": name, "required": true}
	}
	wantInputs := []map[string]any{col("long", "age"), col("double", "balance"), col("boolean", "member"), col("string", "job")}
	wantOutputs := []map[string]any{col("double", "probability"), col("string", "label")}
	wantDtypes := map[string]string{"age": "int64", "balance": "float64", "member": "bool", "job": "object"}
	for i, g := range got {
		if !reflect.DeepEqual(g.Inputs, wantInputs) {
			t.Errorf("model %d: mlflow reads inputs %v, want %v", i, g.Inputs, wantInputs)
		}
		if !reflect.DeepEqual(g.Outputs, wantOutputs) {
			t.Errorf("model %d: mlflow reads outputs %v, want %v", i, g.Outputs, wantOutputs)
		}
		if !reflect.DeepEqual(g.Flavors, []string{PyfuncFlavorName, FlavorName}) {
			t.Errorf("model %d: mlflow reads flavors %v, want [python_function weir]", i, g.Flavors)
		}
		if g.ExampleRows != 3 {
			t.Errorf("model %d: mlflow reads %d input example rows, want 3", i, g.ExampleRows)
		}
		for c, want := range wantDtypes {
			// pandas 3 may call strings "str" rather than "object".
			if d := g.ExampleDtypes[c]; d != want && !(c == "job" && d == "str") {
				t.Errorf("model %d: input example column %s has dtype %s after schema enforcement, want %s", i, c, d, want)
			}
		}
		if g.PyfuncError != "" {
			t.Errorf("model %d: mlflow.pyfunc.load_model fails: %s", i, g.PyfuncError)
		}
	}
	if got[0].RunID != nil || got[0].ModelID != nil {
		t.Errorf("saved model has run_id %v model_id %v, want none", got[0].RunID, got[0].ModelID)
	}
	if r, m := got[1].RunID, got[1].ModelID; r == nil || *r != "run1" || m == nil || *m != lm.ModelID {
		t.Errorf("logged model has run_id %v model_id %v, want run1 and %s", r, m, lm.ModelID)
	}
}

// enforceOutputs is run by MLflow's Python package on pairs of a model
// directory and the JSON records Weir's server answers for its input
// example: it enforces the input schema on the example and the output
// schema on the records, and on a record with text in every output,
// which must be refused.
const enforceOutputs = `
import json, sys
import pandas as pd
from mlflow.models import Model
from mlflow.models.utils import _enforce_schema
out = []
for d, records in zip(sys.argv[1::2], sys.argv[2::2]):
    m = Model.load(d)
    ex = _enforce_schema(m.load_input_example(d), m.signature.inputs)
    preds = _enforce_schema(pd.DataFrame(json.loads(records)), m.signature.outputs)
    try:
        _enforce_schema(pd.DataFrame([{c: "x" for c in preds.columns}]), m.signature.outputs)
        refused = ""
    except Exception as e:
        refused = str(e)
    out.append({
        "outputs": m.signature.outputs.to_dict(),
        "example_rows": len(ex),
        "predictions": json.loads(preds.to_json(orient="records", double_precision=15)),
        "refused": refused,
    })
print(json.dumps(out))
`

// TestMLflowEnforcesTaskOutputs checks multiclass and regression model
// directories with MLflow's code: it reads their signatures, including the
// array of doubles of multiclass probabilities, and enforces them on the
// records Weir answers.
func TestMLflowEnforcesTaskOutputs(t *testing.T) {
	py := python(t)
	var args []string
	want := map[string][]map[string]any{}
	for _, task := range []string{ml.TaskMulticlass, ml.TaskRegression} {
		dir := mustSavedTask(t, task)
		m, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := m.InputExample()
		if err != nil {
			t.Fatal(err)
		}
		var records []map[string]any
		for _, r := range rows {
			if task == ml.TaskRegression {
				v, err := m.Predictor.PredictValueRow(r)
				if err != nil {
					t.Fatal(err)
				}
				records = append(records, map[string]any{OutputPrediction: v})
				continue
			}
			proba := make([]float64, m.Predictor.NumClasses())
			k, err := m.Predictor.PredictProbaRow(r, proba)
			if err != nil {
				t.Fatal(err)
			}
			records = append(records, map[string]any{OutputProbabilities: proba, OutputLabel: m.Predictor.Classes[k]})
		}
		b, err := json.Marshal(records)
		if err != nil {
			t.Fatal(err)
		}
		var generic []map[string]any // the records as JSON reads them back
		if err := json.Unmarshal(b, &generic); err != nil {
			t.Fatal(err)
		}
		want[task] = generic
		args = append(args, dir, string(b))
	}
	out, err := exec.Command(py, append([]string{"-c", enforceOutputs}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("mlflow could not enforce the signatures: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got []struct {
		Outputs     []map[string]any `json:"outputs"`
		ExampleRows int              `json:"example_rows"`
		Predictions []map[string]any `json:"predictions"`
		Refused     string           `json:"refused"`
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != 2 {
		t.Fatalf("reading %s: %v", out, err)
	}
	wantOutputs := map[string][]map[string]any{
		ml.TaskMulticlass: {
			{"type": "array", "items": map[string]any{"type": "double"}, "name": "probabilities", "required": true},
			{"type": "string", "name": "label", "required": true},
		},
		ml.TaskRegression: {{"type": "double", "name": "prediction", "required": true}},
	}
	wantRefusal := map[string]string{ml.TaskMulticlass: "Expected data to be list or numpy array", ml.TaskRegression: "convert str to float64"}
	for i, task := range []string{ml.TaskMulticlass, ml.TaskRegression} {
		g := got[i]
		if !reflect.DeepEqual(g.Outputs, wantOutputs[task]) {
			t.Errorf("%s: mlflow reads outputs %v, want %v", task, g.Outputs, wantOutputs[task])
		}
		if g.ExampleRows != 3 {
			t.Errorf("%s: mlflow enforces the inputs on %d example rows, want 3", task, g.ExampleRows)
		}
		// pandas writes doubles with 15 significant digits.
		if !closeRecords(g.Predictions, want[task], 1e-13) {
			t.Errorf("%s: after mlflow's output enforcement the records are %v, want %v", task, g.Predictions, want[task])
		}
		if !strings.Contains(g.Refused, wantRefusal[task]) {
			t.Errorf("%s: mlflow accepted text outputs (%q), want them refused", task, g.Refused)
		}
	}
}

// closeRecords compares JSON records, numbers within a relative tolerance.
func closeRecords(got, want []map[string]any, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	var close func(a, b any) bool
	close = func(a, b any) bool {
		switch b := b.(type) {
		case float64:
			a, ok := a.(float64)
			return ok && math.Abs(a-b) <= tol*math.Max(1, math.Abs(b))
		case []any:
			a, ok := a.([]any)
			if !ok || len(a) != len(b) {
				return false
			}
			for i := range b {
				if !close(a[i], b[i]) {
					return false
				}
			}
			return true
		case map[string]any:
			a, ok := a.(map[string]any)
			if !ok || len(a) != len(b) {
				return false
			}
			for k := range b {
				if !close(a[k], b[k]) {
					return false
				}
			}
			return true
		}
		return reflect.DeepEqual(a, b)
	}
	for i := range want {
		if !close(got[i], want[i]) {
			return false
		}
	}
	return true
}
