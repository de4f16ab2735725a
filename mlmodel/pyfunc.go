package mlmodel

import (
	_ "embed"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/weir-ml/weir"
)

// pyfuncSource is the Python loader that scores predictor.json with NumPy
// and pandas, as Weir's Go scorer does. Its tests are in pyfunc_test.go.
//
//go:embed pyfunc/weir_pyfunc.py
var pyfuncSource []byte

// The python_function flavor Weir writes, as mlflow.pyfunc.save_model
// writes it for a loader module shipped in code/.
const (
	// PyfuncFlavorName is the key of MLflow's generic Python flavor.
	PyfuncFlavorName = "python_function"
	// PyfuncModule is the loader module's name, in CodeDir.
	PyfuncModule = "weir_pyfunc"
	// CodeDir holds the loader; mlflow.pyfunc puts it on sys.path.
	CodeDir = "code"
	// CondaFile and PythonEnvFile describe the loader's environment for
	// mlflow's conda and virtualenv environment managers.
	CondaFile     = "conda.yaml"
	PythonEnvFile = "python_env.yaml"
	// PyfuncPython is the Python minor version the flavor records and the
	// environments ask for: the one Weir's tests run the loader with.
	PyfuncPython = "3.11"
)

// PyfuncFiles returns the files the python_function flavor needs, by
// slash-separated path relative to the model directory: the loader in
// code/, requirements.txt (mlflow pinned to the release Weir follows,
// numpy, pandas), conda.yaml and python_env.yaml. The bytes depend only on
// the Weir build, so a model directory's bytes stay deterministic.
func PyfuncFiles() map[string][]byte {
	reqs := "mlflow==" + weir.MLflowVersion + "\nnumpy\npandas\n"
	conda := "channels:\n- conda-forge\ndependencies:\n- python=" + PyfuncPython + "\n- pip\n- pip:\n" +
		"  - mlflow==" + weir.MLflowVersion + "\n  - numpy\n  - pandas\nname: mlflow-env\n"
	env := "python: " + PyfuncPython + "\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\n" +
		"dependencies:\n- -r requirements.txt\n"
	return map[string][]byte{
		path.Join(CodeDir, PyfuncModule+".py"): append([]byte(nil), pyfuncSource...),
		RequirementsFile:                       []byte(reqs),
		CondaFile:                              []byte(conda),
		PythonEnvFile:                          []byte(env),
	}
}

// PyfuncFlavor returns the python_function entry of the MLmodel flavors
// map, with the keys mlflow.pyfunc.load_model reads: it puts code on
// sys.path, imports loader_module and calls its _load_pyfunc with the path
// of data (predictor.json); predict is the default predict_fn.
func PyfuncFlavor() map[string]any {
	return map[string]any{
		"code":           CodeDir,
		"data":           PredictorFile,
		"env":            map[string]any{"conda": CondaFile, "virtualenv": PythonEnvFile},
		"loader_module":  PyfuncModule,
		"python_version": PyfuncPython,
		"streamable":     false,
	}
}

// WritePyfunc writes PyfuncFiles into the model directory dir (replacing
// an empty requirements.txt) and returns PyfuncFlavor, for the caller to
// add to MLmodel's flavors under PyfuncFlavorName before it writes MLmodel.
func WritePyfunc(dir string) (flavor map[string]any, err error) {
	defer weir.Wrap(&err, "mlmodel: writing the python_function loader into %s", dir)
	files := PyfuncFiles()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return nil, err
		}
	}
	return PyfuncFlavor(), nil
}
