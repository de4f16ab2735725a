package oci

import (
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// PythonPackagesPath is where Spec.PythonPackages goes in the image; the
// image's PYTHONPATH starts with it.
const PythonPackagesPath = "/opt/weir/python"

// LabelRuntime says how the image scores its model; images of models
// served through their own Python carry RuntimePython. Native images have
// no such label.
const (
	LabelRuntime  = "ml.weir.runtime"
	RuntimePython = "python"
)

// PythonEntrypoint is the command of an image whose model is served
// through its own Python: the same server, with Python workers of the
// python3 that the image's PATH finds (mlflow models serve's
// --env-manager local: the base image is the environment).
var PythonEntrypoint = append(append([]string(nil), Entrypoint...), "--env-manager", "local")

// pythonHome is HOME in Python images. The base's HOME (often /root) is
// not the non-root user's, and mlflow and the libraries a model imports
// write caches and config under HOME.
const pythonHome = "/tmp"

// configurePython turns an image configured by configure into one that
// serves its model through Python: the entrypoint, HOME and, with
// packages, PYTHONPATH. The base's PATH stays, since it finds python3.
func configurePython(cfg *v1.ConfigFile, packages bool) {
	c := &cfg.Config
	c.Entrypoint = append([]string(nil), PythonEntrypoint...)
	c.Env = setEnv(c.Env, "HOME", pythonHome)
	if c.Healthcheck != nil {
		c.Healthcheck.StartPeriod = PythonHealthStartPeriod
	}
	if packages {
		pp := PythonPackagesPath
		if old, ok := lookupEnv(c.Env, "PYTHONPATH"); ok && old != "" {
			pp += ":" + old
		}
		c.Env = setEnv(c.Env, "PYTHONPATH", pp)
	}
}

// lookupEnv returns the value of key in a KEY=VALUE list.
func lookupEnv(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// setEnv returns env with key set to value, in place of any earlier value.
func setEnv(env []string, key, value string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return k == key
	})
	return append(out, key+"="+value)
}

// PythonHealthStartPeriod is the health check's start period in Python
// images: the server answers /ping only once its workers have imported
// mlflow and loaded the model, which takes seconds, not milliseconds.
const PythonHealthStartPeriod = 60 * time.Second

// DefaultPythonVersion is the Python of the default base image when the
// model does not say which it wants.
const DefaultPythonVersion = "3.11"

// DefaultPythonBase returns the image generate-dockerfile builds a Python
// model's image FROM: Docker's official slim Python image of the model's
// major.minor version (DefaultPythonVersion when version is "").
func DefaultPythonBase(version string) string {
	if version == "" {
		version = DefaultPythonVersion
	}
	return "python:" + version + "-slim"
}
