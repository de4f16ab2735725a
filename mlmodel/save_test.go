package mlmodel

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml/frame"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSaveLoad(t *testing.T) {
	f := mustSmall(t)
	p := mustPredictor(t, f)
	ex, _ := f.Slice(0, 3)
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, p, Info{Example: ex, RunID: "r1"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MLmodelFile, PredictorFile, InputExampleFile, ServingExampleFile, RequirementsFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("saved model lacks %s: %v", name, err)
		}
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.MLmodel.RunID != "r1" || m.Flavor.FormatVersion != FlavorVersion || m.Flavor.WeirVersion != weir.Version {
		t.Errorf("loaded run %q flavor %+v", m.MLmodel.RunID, m.Flavor)
	}
	wantSig := Signature{
		Inputs:  []Column{{Type: TypeLong, Name: "age", Required: true}, {Type: TypeDouble, Name: "balance", Required: true}, {Type: TypeBoolean, Name: "member", Required: true}, {Type: TypeString, Name: "job", Required: true}},
		Outputs: []Column{{Type: TypeDouble, Name: OutputProbability, Required: true}, {Type: TypeString, Name: OutputLabel, Required: true}},
	}
	if !reflect.DeepEqual(m.Signature, wantSig) {
		t.Errorf("signature = %+v, want %+v", m.Signature, wantSig)
	}
	want, wantLabels, err := p.PredictFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	got, gotLabels, err := m.Predictor.PredictFrame(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotLabels, wantLabels) {
		t.Errorf("loaded model predicts %v %v, want %v %v", got, gotLabels, want, wantLabels)
	}
	rows, err := m.InputExample()
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]any{
		{int64(25), 100.5, true, "student"},
		{int64(32), 2500.0, false, "manager"},
		{int64(47), nil, true, "manager"},
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("input example = %#v, want %#v", rows, wantRows)
	}
	for i, r := range rows {
		if _, _, err := m.Predictor.PredictRow(r); err != nil {
			t.Errorf("scoring input example row %d: %v", i, err)
		}
	}
}

func TestGoldenMLmodel(t *testing.T) {
	f := mustSmall(t)
	ex, _ := f.Slice(0, 2)
	dir := filepath.Join(t.TempDir(), "model")
	info := Info{ArtifactPath: "mlflow-artifacts:/1/models/m-0123456789abcdef0123456789abcdef/artifacts",
		RunID: "4f2c9a0e8b7d4c1a9e3f5b6a7c8d9e0f", ModelID: "m-0123456789abcdef0123456789abcdef",
		ModelUUID: "0123456789abcdef0123456789abcdef", Created: time.Date(2026, 4, 29, 12, 34, 56, 123456000, time.UTC),
		Example: ex, Metadata: map[string]any{"team": "marketing"}}
	if err := Save(dir, mustPredictor(t, f), info); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{MLmodelFile, InputExampleFile, ServingExampleFile} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		// The weir version changes with releases; the golden file holds a
		// placeholder.
		got = []byte(strings.ReplaceAll(string(got), "weir_version: "+weir.Version, "weir_version: VERSION"))
		// So does the size of the python_function loader shipped with the
		// model, which model_size_bytes counts: it must be the files' sum.
		if name == MLmodelFile {
			got = []byte(strings.Replace(string(got), fmt.Sprintf("model_size_bytes: %d", dirSize(t, dir)), "model_size_bytes: SIZE", 1))
		}
		golden := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(golden, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s differs from %s (run with -update after checking):\ngot:\n%s\nwant:\n%s", name, golden, got, want)
		}
	}
}

func TestSaveRefusesExistingModel(t *testing.T) {
	dir := mustSaved(t)
	err := Save(dir, mustPredictor(t, mustSmall(t)), Info{})
	if got := weir.ErrorCode(err); got != weir.ErrResourceAlreadyExists {
		t.Errorf("Save over a model: code %s (%v), want %s", got, err, weir.ErrResourceAlreadyExists)
	}
}

func TestSaveExampleWithoutColumn(t *testing.T) {
	f := mustSmall(t)
	ex, _ := f.Select("age", "job")
	err := Save(filepath.Join(t.TempDir(), "m"), mustPredictor(t, f), Info{Example: ex})
	if err == nil || !strings.Contains(err.Error(), "balance") {
		t.Errorf("Save with an example lacking balance: err = %v, want one naming the column", err)
	}
}

// pythonMLmodel is what mlflow.sklearn writes (abridged).
const pythonMLmodel = `flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: null
    pickled_model: model.skops
    serialization_format: skops
    sklearn_version: 1.9.1
is_signature_from_type_hint: false
mlflow_version: 3.17.2
model_id: null
model_uuid: 269f4e3d0e8948598c0973e70087856e
prompts: null
signature:
  inputs: '[{"type": "long", "name": "age", "required": true}, {"type": "string",
    "name": "job", "required": true}]'
  outputs: null
  params: null
utc_time_created: '2026-11-26 16:59:38.089142'
`

func TestLoadErrors(t *testing.T) {
	// edit returns a copy of a saved model with f applied to its directory.
	edit := func(f func(dir string)) string {
		dir := mustSaved(t)
		f(dir)
		return dir
	}
	replace := func(name, old, new string) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), old) {
				t.Fatalf("%s has no %q", name, old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write := func(name, content string) func(string) {
		return func(dir string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name, dir, code, want string
	}{
		{"no directory", filepath.Join(t.TempDir(), "nope"), weir.ErrResourceDoesNotExist, "does not exist"},
		{"no MLmodel", t.TempDir(), weir.ErrResourceDoesNotExist, "no MLmodel file"},
		{"python model", edit(write(MLmodelFile, pythonMLmodel)), weir.ErrInvalidParameterValue, "flavors python_function, sklearn but no \"weir\" flavor"},
		{"bad yaml", edit(write(MLmodelFile, "flavors: [\n")), weir.ErrInvalidParameterValue, "not valid YAML"},
		{"flavor version", edit(replace(MLmodelFile, "format_version: 1", "format_version: 7")), weir.ErrInvalidParameterValue, "format_version 7 is not supported"},
		{"flavor version text", edit(replace(MLmodelFile, "format_version: 1", "format_version: one")), weir.ErrInvalidParameterValue, "not an integer"},
		{"no predictor file", edit(func(dir string) { os.Remove(filepath.Join(dir, PredictorFile)) }), weir.ErrResourceDoesNotExist, "no predictor file"},
		{"predictor outside", edit(replace(MLmodelFile, "predictor: predictor.json", "predictor: ../predictor.json")), weir.ErrInvalidParameterValue, "outside the model directory"},
		{"predictor version", edit(replace(PredictorFile, `"format_version":1`, `"format_version":9`)), weir.ErrInvalidParameterValue, "format_version 9 is not supported"},
		{"signature renamed", edit(replace(MLmodelFile, `"name": "age"`, `"name": "years"`)), weir.ErrInvalidParameterValue, `input 1 is "years"`},
		{"signature retyped", edit(replace(MLmodelFile, `"type": "string", "name": "job"`, `"type": "double", "name": "job"`)), weir.ErrInvalidParameterValue, `input "job" type double`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.dir)
			if got := weir.ErrorCode(err); got != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v (code %s), want code %s and %q", err, got, tc.code, tc.want)
			}
		})
	}
}

func TestSignatureSchema(t *testing.T) {
	s := frame.Schema{Fields: []frame.Field{{Name: "a", Kind: frame.Int}, {Name: "b", Kind: frame.Float},
		{Name: "c", Kind: frame.Categorical}, {Name: "d", Kind: frame.Bool}, {Name: "e", Kind: frame.Time}}}
	sig, err := SignatureOf(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sig.Schema()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("schema round trip = %v, want %v", got, s)
	}
	if _, err := (Signature{Inputs: []Column{{Type: "tensor", Name: "x"}}}).Schema(); err == nil {
		t.Error("tensor input: no error")
	}
	if _, err := (Signature{Inputs: []Column{{Type: TypeLong}}}).Schema(); err == nil {
		t.Error("unnamed input: no error")
	}
}

// TestFileKeepsUnknownKeys rewrites an MLmodel written by Python: keys Weir
// has no field for must survive, so rewriting loses nothing.
func TestFileKeepsUnknownKeys(t *testing.T) {
	f, err := ParseFile([]byte(pythonMLmodel))
	if err != nil {
		t.Fatal(err)
	}
	if f.ModelUUID != "269f4e3d0e8948598c0973e70087856e" || f.Signature == nil || f.Flavors["sklearn"]["sklearn_version"] != "1.9.1" {
		t.Fatalf("parsed %+v", f)
	}
	if _, ok := f.Extra["is_signature_from_type_hint"]; !ok {
		t.Errorf("Extra = %v, want is_signature_from_type_hint kept", f.Extra)
	}
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, f) {
		t.Errorf("rewritten file reads back as %+v, want %+v", again, f)
	}
}

// dirSize is the size of a model directory's files other than MLmodel.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == MLmodelFile {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
