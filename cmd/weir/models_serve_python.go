package main

import (
	"context"
	"io"
	"os"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/pyworker"
	"github.com/weir-ml/weir/serve"
)

// pythonFlavor is the MLmodel flavor every Python-loadable model has.
const pythonFlavor = "python_function"

// servesWithPython reports whether the serve command runs a model through
// its own Python: when --env-manager asks for it, or when no native
// adapter reads any of the model's flavors but mlflow.pyfunc can load it.
func servesWithPython(f *mlmodel.File, envManager string) bool {
	if _, ok := f.Flavors[pythonFlavor]; !ok {
		return false
	}
	if envManager != "" {
		return true
	}
	if _, ok := f.Flavors[mlmodel.FlavorName]; ok {
		return false
	}
	for _, o := range flavorOpeners {
		if _, ok := f.Flavors[o.flavor]; ok {
			return false
		}
	}
	return true
}

// openPython serves a model through its own Python: worker processes of
// the interpreter that envManager ("local", "virtualenv" or "uv", as
// mlflow models serve --env-manager names them; "" is local) provides,
// each loading the model with mlflow.pyfunc.load_model. python names the
// interpreter for "local" and the one that creates a virtualenv ("":
// WEIR_PYTHON, else python3). The workers' stderr and environment builds
// go to stderr. dir must stay in place until the closer is closed: a
// worker that dies is restarted from it.
func openPython(ctx context.Context, dir string, f *mlmodel.File, envManager, python string, workers int) (mlmodel.Scorer, io.Closer, error) {
	switch envManager {
	case "", pyworker.EnvLocal, pyworker.EnvVirtualenv, pyworker.EnvUV:
	default:
		return nil, nil, usagef("--env-manager %q: want local, virtualenv or uv", envManager)
	}
	if workers < 0 {
		return nil, nil, usagef("--workers %d is negative", workers)
	}
	p, err := pyworker.Open(ctx, dir, f, pyworker.Options{
		EnvManager: envManager,
		Python:     python,
		Workers:    workers,
		Log:        os.Stderr,
	})
	if err != nil {
		return nil, nil, err
	}
	return p, p, nil
}

// loadedPython opens a model with openPython and adapts it to what the
// server serves. The closer stops the workers.
func loadedPython(ctx context.Context, dir string, f *mlmodel.File, name, version, envManager, python string, workers int) (*serve.Loaded, io.Closer, error) {
	sc, closer, err := openPython(ctx, dir, f, envManager, python, workers)
	if err != nil {
		return nil, nil, err
	}
	sm, err := serve.NewScorerModel(sc)
	if err == nil {
		var example [][]any
		if example, err = mlmodel.ReadInputExample(dir, f, sc.Inputs()); err == nil {
			return &serve.Loaded{Model: sm, Name: name, Version: version, Example: example, Output: sm.Output()}, closer, nil
		}
	}
	closer.Close()
	return nil, nil, err
}
