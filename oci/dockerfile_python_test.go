package oci

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratePythonDockerfile(t *testing.T) {
	model := mustModelDir(t, "{}")
	mustWriteFiles(t, model, map[string]string{"requirements.txt": "mlflow==3.17.2\ncloudpickle==3.1.3\n"})
	dir := filepath.Join(t.TempDir(), "ctx")
	err := GenerateDockerfile(dir, DockerfileSpec{
		Binary:        mustTinyBinary(t),
		ModelDir:      model,
		Model:         ModelInfo{Name: "scorecard", Version: "2", RunID: "abc"},
		Labels:        map[string]string{"team": "risk"},
		Python:        true,
		PythonVersion: "3.12",
		MLflowVersion: "3.17.2",
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "Dockerfile.python.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Dockerfile:\ngot\n%s\nwant\n%s", got, want)
	}
	for _, name := range []string{"weir", "model/MLmodel", "model/requirements.txt"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("context: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "rootfs")); err == nil {
		t.Error("context has the rootfs of a scratch image")
	}
}

func TestGeneratePythonDockerfileVariants(t *testing.T) {
	bin := mustTinyBinary(t)
	noReqs := mustModelDir(t, "{}")
	tests := []struct {
		name     string
		spec     DockerfileSpec
		want     []string
		wantErr  string
		dontWant []string
	}{
		{"no requirements.txt: mlflow at the saving version", DockerfileSpec{MLflowVersion: "3.17.2"},
			[]string{"FROM python:3.11-slim\n", "RUN python3 -m pip install --no-cache-dir --disable-pip-version-check mlflow==3.17.2\n"},
			"", []string{"COPY model/requirements.txt"}},
		{"a base asked for", DockerfileSpec{Base: "registry.example.com/ml/python:3.11"},
			[]string{"FROM registry.example.com/ml/python:3.11\n", "pip install --no-cache-dir --disable-pip-version-check mlflow\n"}, "", nil},
		{"scratch", DockerfileSpec{Base: "scratch"}, nil, "cannot be built FROM scratch", nil},
		{"a bad Python version", DockerfileSpec{PythonVersion: "3.11; rm -rf /"}, nil, "want major.minor", nil},
		{"a bad mlflow version", DockerfileSpec{MLflowVersion: "3 && curl x"}, nil, "is not a version", nil},
		{"a bad base", DockerfileSpec{Base: "python:3.11\nRUN evil"}, nil, "characters an image reference cannot have", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Binary, spec.ModelDir, spec.Python = bin, noReqs, true
			dir := filepath.Join(t.TempDir(), "ctx")
			err := GenerateDockerfile(dir, spec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("Dockerfile lacks %q:\n%s", w, b)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(string(b), w) {
					t.Errorf("Dockerfile has %q:\n%s", w, b)
				}
			}
		})
	}
}
