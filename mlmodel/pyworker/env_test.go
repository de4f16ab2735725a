//go:build linux

package pyworker

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// envModel writes a model directory whose environment needs no download:
// no build dependencies and an empty requirements.txt.
func envModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "python_env.yaml"), []byte("python: 3.11.7\nbuild_dependencies: []\ndependencies:\n- -r requirements.txt\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("\n"), 0o644)
	return dir
}

// --env-manager virtualenv builds the environment once into the cache and
// reuses it; a Python there without mlflow is named in the error.
func TestVirtualenv(t *testing.T) {
	python := os.Getenv("WEIR_PYTHON")
	if python == "" {
		t.Skip("WEIR_PYTHON is unset: set it to a Python with the venv module to build a virtualenv")
	}
	dir, cache := envModel(t), t.TempDir()
	var log bytes.Buffer
	o := Options{EnvManager: EnvVirtualenv, Python: python, CacheDir: cache, Log: &log}
	got, err := environment(context.Background(), dir, &o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.HasPrefix(got, cache+"/virtualenv-") || !strings.HasSuffix(got, "/bin/python") {
		t.Errorf("python = %s, want one in %s", got, cache)
	}
	if _, err := os.Stat(got); err != nil {
		t.Errorf("the environment has no python: %v", err)
	}
	for _, want := range []string{"creating a Python environment", "-m venv", "-m pip install"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, log.String())
		}
	}
	log.Reset()
	again, err := environment(context.Background(), dir, &o)
	if err != nil || again != got || !strings.Contains(log.String(), "using the cached") {
		t.Errorf("second build: %s, %v, log %q; want the cached %s", again, err, log.String(), got)
	}
	// Open runs the workers in the environment, which lacks mlflow here.
	_, f := mustModel(t, "behave")
	_, err = Open(context.Background(), dir, f, o)
	if err == nil || !strings.Contains(err.Error(), "mlflow is not importable by "+cache) {
		t.Errorf("Open: err = %v, want mlflow not importable by the environment's Python", err)
	}
	// Other requirements, another environment.
	os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("# changed\n"), 0o644)
	other, err := environment(context.Background(), dir, &o)
	if err != nil || other == got {
		t.Errorf("changed requirements: %s, %v; want a new environment", other, err)
	}
}

func TestEnvErrors(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		name, manager, dir, want string
	}{
		{"no uv", EnvUV, envModel(t), "needs the uv tool on PATH"},
		{"no requirements", EnvVirtualenv, t.TempDir(), "needs the model's python_env.yaml or requirements.txt"},
	}
	for _, tt := range tests {
		o := Options{EnvManager: tt.manager, Python: "/nowhere/python", CacheDir: t.TempDir()}
		o.defaults()
		_, err := environment(context.Background(), tt.dir, &o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	dir := envModel(t)
	os.WriteFile(filepath.Join(dir, "python_env.yaml"), []byte("dependencies:\n- --index-url=http://evil\n"), 0o644)
	o := Options{EnvManager: EnvVirtualenv, CacheDir: t.TempDir()}
	o.defaults()
	if _, err := environment(context.Background(), dir, &o); err == nil || !strings.Contains(err.Error(), "installer option") {
		t.Errorf("err = %v, want installer option refused", err)
	}
	link := t.TempDir()
	os.Symlink("/etc/passwd", filepath.Join(link, "requirements.txt"))
	if _, err := environment(context.Background(), link, &o); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("err = %v, want a symlinked requirements.txt refused", err)
	}
}

// --env-manager uv builds the environment with uv venv and uv pip install,
// when uv is on PATH.
func TestUV(t *testing.T) {
	if _, err := exec.LookPath("uv"); err != nil {
		t.Skip("no uv on PATH to build an environment with")
	}
	dir, cache := envModel(t), t.TempDir()
	var log bytes.Buffer
	o := Options{EnvManager: EnvUV, CacheDir: cache, Log: &log}
	got, err := environment(context.Background(), dir, &o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if !strings.HasPrefix(got, cache+"/uv-") {
		t.Errorf("python = %s, want one in %s", got, cache)
	}
	out, err := exec.Command(got, "-c", "import sys; print(sys.version.split()[0])").Output()
	if err != nil || strings.TrimSpace(string(out)) != "3.11.7" {
		t.Errorf("the environment's Python is %q (%v), want the 3.11.7 python_env.yaml asks for", out, err)
	}
	for _, want := range []string{"uv venv --python 3.11.7", "uv pip install --python"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, log.String())
		}
	}
}
