// Package pyworker serves any MLflow model with a python_function flavor by
// running the model's own Python: worker processes that load the model with
// mlflow.pyfunc.load_model and score batches sent to them over a pipe, while
// Weir's Go server keeps the HTTP protocols, metrics, limits and inference
// log. A Pool is an mlmodel.Scorer whose answers are each row's prediction
// as JSON (mlmodel.PredictRaw), serialised as MLflow's scoring server
// serialises what predict returns.
//
// The Python interpreter comes from the environment manager, with the names
// and meaning of mlflow models serve --env-manager: "local" runs a Python
// that already has mlflow, "virtualenv" and "uv" build a virtual environment
// from the model's python_env.yaml and requirements.txt, cached by their
// hash.
package pyworker

import (
	"errors"
	"io"
	"time"

	"github.com/weir-ml/weir"
)

// Environment managers, named as mlflow models serve --env-manager names
// them.
const (
	EnvLocal      = "local"
	EnvVirtualenv = "virtualenv"
	EnvUV         = "uv"
)

// Options configure a Pool. The zero value serves with one worker in the
// local Python.
type Options struct {
	// EnvManager is EnvLocal (the default), EnvVirtualenv or EnvUV.
	EnvManager string
	// Workers is the number of Python processes (default 1, as MLflow's).
	Workers int
	// Python is the interpreter: for EnvLocal the one that runs the model,
	// for EnvVirtualenv the one that creates the environment. Empty: the
	// WEIR_PYTHON environment variable, else python3 on PATH.
	Python string
	// CacheDir holds the environments EnvVirtualenv and EnvUV build
	// (default: the user cache directory's weir/pyenv).
	CacheDir string
	// LoadTimeout bounds a worker's start, until its model has loaded
	// (default 5 minutes).
	LoadTimeout time.Duration
	// RequestTimeout bounds one batch in a worker; a worker that takes
	// longer is killed and restarted (default 60 seconds).
	RequestTimeout time.Duration
	// WaitTimeout bounds the wait for a free worker (default 30 seconds).
	WaitTimeout time.Duration
	// StopGrace is how long a worker has to exit after SIGTERM before
	// SIGKILL (default 5 seconds).
	StopGrace time.Duration
	// Log receives the workers' stderr and the progress of environment
	// builds, line by line (nil: discarded, but the last lines of a
	// worker's stderr still go into its errors).
	Log io.Writer
}

func (o *Options) defaults() {
	if o.EnvManager == "" {
		o.EnvManager = EnvLocal
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	if o.LoadTimeout <= 0 {
		o.LoadTimeout = 5 * time.Minute
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = 60 * time.Second
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 30 * time.Second
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// ErrUnavailable is matched (errors.Is) by the errors of requests that no
// worker could answer: the worker died or timed out while holding them, or
// none became free in time. The same errors hold a *weir.Error with code
// weir.ErrTemporarilyUnavailable and a safe message, which a server answers
// with 503.
var ErrUnavailable = errors.New("pyworker: no Python worker available")

// unavailable returns an error matching ErrUnavailable, with a safe message.
func unavailable(format string, args ...any) error {
	return &unavailableError{weir.Errorf(weir.ErrTemporarilyUnavailable, format, args...)}
}

type unavailableError struct{ e *weir.Error }

func (u *unavailableError) Error() string   { return u.e.Message }
func (u *unavailableError) Unwrap() []error { return []error{ErrUnavailable, u.e} }
