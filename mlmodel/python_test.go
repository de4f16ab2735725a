package mlmodel

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
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
		if !reflect.DeepEqual(g.Flavors, []string{FlavorName}) {
			t.Errorf("model %d: mlflow reads flavors %v, want [weir]", i, g.Flavors)
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
		if !strings.Contains(g.PyfuncError, "python_function") {
			t.Errorf("model %d: mlflow.pyfunc.load_model says %q, want the missing python_function flavor named", i, g.PyfuncError)
		}
	}
	if got[0].RunID != nil || got[0].ModelID != nil {
		t.Errorf("saved model has run_id %v model_id %v, want none", got[0].RunID, got[0].ModelID)
	}
	if r, m := got[1].RunID, got[1].ModelID; r == nil || *r != "run1" || m == nil || *m != lm.ModelID {
		t.Errorf("logged model has run_id %v model_id %v, want run1 and %s", r, m, lm.ModelID)
	}
}
