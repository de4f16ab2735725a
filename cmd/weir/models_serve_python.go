package main

import (
	"context"
	"io"
	"os"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/mlmodel/pyworker"
)

// openPython serves a model through its own Python: worker processes of
// the interpreter that envManager ("local", "virtualenv" or "uv", as
// mlflow models serve --env-manager names them) provides, each loading the
// model with mlflow.pyfunc.load_model. python names the interpreter for
// "local" and the one that creates a virtualenv ("": WEIR_PYTHON, else
// python3). The workers' stderr and environment builds go to stderr. dir
// must stay in place until the closer is closed: a worker that dies is
// restarted from it.
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
