package mlmodel

import (
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"testing"
)

// loadWithMLflow is run by MLflow's Python package: it loads a model
// directory with mlflow.models.Model.load, reads its input example and
// enforces the signature on it, as mlflow.pyfunc does before predicting.
const loadWithMLflow = `
import json, sys
from mlflow.models import Model
from mlflow.models.utils import _enforce_schema
d = sys.argv[1]
m = Model.load(d)
ex = m.load_input_example(d)
enforced = _enforce_schema(ex, m.signature.inputs)
print(json.dumps({
    "flavors": sorted(m.flavors),
    "inputs": m.signature.inputs.to_dict(),
    "outputs": m.signature.outputs.to_dict(),
    "example_rows": len(enforced),
    "example_dtypes": {c: str(t) for c, t in enforced.dtypes.items()},
    "run_id": m.run_id,
}))
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

func TestMLflowLoadsOurModel(t *testing.T) {
	py := python(t)
	dir := mustSaved(t)
	out, err := exec.Command(py, "-c", loadWithMLflow, dir).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("mlflow could not load %s: %v\n%s", dir, err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Flavors       []string          `json:"flavors"`
		Inputs        []map[string]any  `json:"inputs"`
		Outputs       []map[string]any  `json:"outputs"`
		ExampleRows   int               `json:"example_rows"`
		ExampleDtypes map[string]string `json:"example_dtypes"`
		RunID         *string           `json:"run_id"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("reading %s: %v", out, err)
	}
	col := func(typ, name string) map[string]any {
		return map[string]any{"type": typ, "name": name, "required": true}
	}
	wantInputs := []map[string]any{col("long", "age"), col("double", "balance"), col("boolean", "member"), col("string", "job")}
	if !reflect.DeepEqual(got.Inputs, wantInputs) {
		t.Errorf("mlflow reads inputs %v, want %v", got.Inputs, wantInputs)
	}
	wantOutputs := []map[string]any{col("double", "probability"), col("string", "label")}
	if !reflect.DeepEqual(got.Outputs, wantOutputs) {
		t.Errorf("mlflow reads outputs %v, want %v", got.Outputs, wantOutputs)
	}
	if !reflect.DeepEqual(got.Flavors, []string{FlavorName}) {
		t.Errorf("mlflow reads flavors %v, want [weir]", got.Flavors)
	}
	if got.ExampleRows != 3 {
		t.Errorf("mlflow reads %d input example rows, want 3", got.ExampleRows)
	}
	wantDtypes := map[string]string{"age": "int64", "balance": "float64", "member": "bool", "job": "object"}
	for c, want := range wantDtypes {
		// pandas 3 may call strings "str" rather than "object".
		if g := got.ExampleDtypes[c]; g != want && !(c == "job" && g == "str") {
			t.Errorf("input example column %s has dtype %s after schema enforcement, want %s", c, g, want)
		}
	}
	if got.RunID != nil {
		t.Errorf("run_id = %q, want none", *got.RunID)
	}
}
