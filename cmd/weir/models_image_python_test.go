//go:build !weir_serve

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/weir-ml/weir/oci"
)

// pyfuncModelFiles is a model only mlflow.pyfunc can load (a PythonModel):
// enough for the image commands, which never load it.
var pyfuncModelFiles = map[string]string{
	"MLmodel": `flavors:
  python_function:
    cloudpickle_version: 3.1.3
    env:
      virtualenv: python_env.yaml
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
mlflow_version: 3.17.2
run_id: 0123abcd
`,
	"python_model.pkl": "not really a pickle",
	"requirements.txt": "mlflow==3.17.2\ncloudpickle==3.1.3\nnumpy==2.4.6\npandas==3.1.1\n",
	"python_env.yaml":  "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n",
}

func mustFiles(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// baseFile is one entry of a synthetic base image.
type baseFile struct {
	name string
	mode int64
	link string
	body string
}

// mustBaseLayout writes an OCI layout holding a linux/amd64 image of the
// given files with PATH=pathEnv, standing in for a Python base image, and
// returns its directory.
func mustBaseLayout(t *testing.T, pathEnv string, files ...baseFile) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Typeflag: tar.TypeReg, Size: int64(len(f.body))}
		if f.link != "" {
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f.link, 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Close()
	raw := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return mustLayoutOf(t, l, pathEnv)
}

// mustLayoutOf writes the one-layer image of l with PATH=pathEnv as an
// OCI layout and returns its directory.
func mustLayoutOf(t *testing.T, l v1.Layer, pathEnv string) string {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Env = []string{"PATH=" + pathEnv, "LANG=C.UTF-8"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "base")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakePython is a base with a python3 in /usr/local/bin and what the
// installed packages' metadata says: mlflow, cloudpickle and numpy (not
// pandas).
func fakePython(binDir string) []baseFile {
	site := "usr/local/lib/python3.11/site-packages/"
	return []baseFile{
		{name: strings.TrimPrefix(binDir, "/") + "/python3.11", mode: 0o755, body: "#!/bin/false\n"},
		{name: strings.TrimPrefix(binDir, "/") + "/python3", link: "python3.11"},
		{name: site + "mlflow-3.17.2.dist-info/METADATA", body: "Name: mlflow\n"},
		{name: site + "cloudpickle-3.1.3.dist-info/METADATA", body: "Name: cloudpickle\n"},
		{name: site + "numpy-2.4.0.dist-info/METADATA", body: "Name: numpy\n"},
	}
}

func TestBuildImagePythonModel(t *testing.T) {
	ctx := context.Background()
	model := mustFiles(t, filepath.Join(t.TempDir(), "scorecard"), pyfuncModelFiles)
	bin := mustTinyStatic(t)
	base := mustBaseLayout(t, "/usr/local/bin:/usr/bin", fakePython("/usr/local/bin")...)
	out := filepath.Join(t.TempDir(), "image")
	stdout, stderr, err := runImageCmd(t, ctx, nil, "build-image", "-m", model, "-t", "scorecard:1", "--weir-binary", bin,
		"--base", base, "--oci-layout", out, "-o", "json")
	if err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	for _, want := range []string{
		"python: /usr/local/bin/python3.11 in the base, mlflow 3.17.2",
		"warning: the model requires numpy==2.4.6; the base image has numpy 2.4.0",
		"warning: the model requires pandas==3.1.1, which the base image does not have",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var res imageResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("output %q: %v", stdout, err)
	}
	if len(res.Layers) != 3 {
		t.Errorf("layers: got %d, want 3 (the base's, the binary, the model)", len(res.Layers))
	}
	img := mustLayoutImage(t, out, res.Digest)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Entrypoint, oci.PythonEntrypoint) {
		t.Errorf("entrypoint: got %q, want %q", cfg.Config.Entrypoint, oci.PythonEntrypoint)
	}
	if want := []string{"PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8", "HOME=/tmp"}; !slices.Equal(cfg.Config.Env, want) {
		t.Errorf("env: got %q, want %q", cfg.Config.Env, want)
	}
	if cfg.Config.Labels[oci.LabelRuntime] != "python" || cfg.Config.Labels[oci.LabelModelName] != "scorecard" {
		t.Errorf("labels: runtime %q, model %q", cfg.Config.Labels[oci.LabelRuntime], cfg.Config.Labels[oci.LabelModelName])
	}
}

// mustLayoutImage returns the image with digest in the OCI layout at dir;
// with digest "", the layout's first image.
func mustLayoutImage(t *testing.T, dir, digest string) v1.Image {
	t.Helper()
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	if digest == "" {
		idx, err := p.ImageIndex()
		if err != nil {
			t.Fatal(err)
		}
		m, err := idx.IndexManifest()
		if err != nil || len(m.Manifests) == 0 {
			t.Fatalf("layout %s: %v, no images", dir, err)
		}
		digest = m.Manifests[0].Digest.String()
	}
	h, err := v1.NewHash(digest)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Image(h)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestBuildImagePythonModelErrors(t *testing.T) {
	ctx := context.Background()
	model := mustFiles(t, filepath.Join(t.TempDir(), "scorecard"), pyfuncModelFiles)
	native := mustImageModel(t)
	bin := mustTinyStatic(t)
	noMLflow := mustBaseLayout(t, "/usr/bin", baseFile{name: "usr/bin/python3", mode: 0o755, body: "x"})
	noPython := mustBaseLayout(t, "/usr/bin", baseFile{name: "usr/lib/python3/dist-packages/mlflow-3.17.2.dist-info/METADATA"})
	out := func() string { return filepath.Join(t.TempDir(), "out") }
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no base", []string{"-m", model, "--oci-layout", out()},
			[]string{"flavors python_function", "pass --base", "generate-dockerfile"}},
		{"no mlflow in the base", []string{"-m", model, "--base", noMLflow, "--oci-layout", out()},
			[]string{"--base " + noMLflow, "(/usr/bin/python3) has no mlflow installed"}},
		{"no python3 in the base", []string{"-m", model, "--base", noPython, "--oci-layout", out()},
			[]string{"no python3 on its PATH"}},
		{"a base path that is not there", []string{"-m", model, "--base", "./no-such-base", "--oci-layout", out()},
			[]string{"reading base image ./no-such-base", "no such file"}},
		{"packages for a native model", []string{"-m", native, "--python-packages", t.TempDir(), "--oci-layout", out()},
			[]string{"--python-packages", "scored natively"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"build-image", "-t", "m:1", "--weir-binary", bin}, tc.args...)
			_, _, err := runImageCmd(t, ctx, nil, args...)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want an error saying %q", err, w)
				}
			}
		})
	}
}

func TestGenerateDockerfilePythonModel(t *testing.T) {
	ctx := context.Background()
	model := mustFiles(t, filepath.Join(t.TempDir(), "scorecard"), pyfuncModelFiles)
	bin := mustTinyStatic(t)
	tests := []struct {
		name  string
		flags []string
		from  string
	}{
		{"the model's Python", nil, "FROM python:3.11-slim\n"},
		{"--base-image", []string{"--base-image", "registry.example.com/python:3.11"}, "FROM registry.example.com/python:3.11\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ctx")
			args := append([]string{"generate-dockerfile", "-m", model, "-d", dir, "--weir-binary", bin}, tc.flags...)
			if _, stderr, err := runImageCmd(t, ctx, nil, args...); err != nil {
				t.Fatalf("generate-dockerfile: %v\n%s", err, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{tc.from,
				"RUN python3 -m pip install --no-cache-dir --disable-pip-version-check -r /tmp/weir-requirements.txt",
				`ENTRYPOINT ["/weir", "models", "serve", "-m", "/model", "--host", "0.0.0.0", "--port", "8080", "--env-manager", "local"]`,
			} {
				if !strings.Contains(string(b), want) {
					t.Errorf("Dockerfile lacks %q:\n%s", want, b)
				}
			}
		})
	}
}

// pyfuncExpected is what tests/docker/pyfunc_model.py writes beside the
// model: rows and the predictions mlflow.pyfunc makes of them.
type pyfuncExpected struct {
	Columns     []string  `json:"columns"`
	Rows        [][]any   `json:"rows"`
	Predictions []float64 `json:"predictions"`
}

// mustPyfuncModel saves the model of tests/docker/pyfunc_model.py with
// the Python in WEIR_PYTHON, and returns its directory and expected
// predictions. The test is skipped when WEIR_PYTHON is unset.
func mustPyfuncModel(t *testing.T) (string, pyfuncExpected) {
	t.Helper()
	python := os.Getenv("WEIR_PYTHON")
	if python == "" {
		t.Skip("WEIR_PYTHON is unset: set it to a Python with mlflow (e.g. /work/main/.venv/bin/python) to build and run a pyfunc model's image")
	}
	dir := t.TempDir()
	script := filepath.Join("..", "..", "tests", "docker", "pyfunc_model.py")
	if out, err := exec.Command(python, script, dir).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	var want pyfuncExpected
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "model"), want
}

// predictionTolerance is how far an answer may be from mlflow.pyfunc's
// prediction: both are the same float64 written as JSON by Python, so
// they agree to the last bit; the tolerance only allows for the decimal
// round trip.
const predictionTolerance = 1e-15

// checkPyfuncAnswers posts the expected rows to url's /invocations and
// compares the answers with mlflow.pyfunc's predictions.
func checkPyfuncAnswers(t *testing.T, url string, want pyfuncExpected) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": want.Columns, "data": want.Rows}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/invocations", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	if err := json.Unmarshal(raw, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /invocations: HTTP %d %s (%v)", resp.StatusCode, raw, err)
	}
	if len(got.Predictions) != len(want.Predictions) {
		t.Fatalf("%d predictions, want %d", len(got.Predictions), len(want.Predictions))
	}
	for i, p := range got.Predictions {
		if d := math.Abs(p - want.Predictions[i]); d > predictionTolerance*math.Max(1, math.Abs(p)) {
			t.Errorf("row %d: the image answers %v, mlflow.pyfunc %v", i, p, want.Predictions[i])
		}
	}
}

// TestPythonModelImageFiles builds the image of a pyfunc model on a base
// whose PATH is that of WEIR_PYTHON, then runs the image's own files (the
// weir binary and the model taken out of its layers) with its entrypoint
// and environment, here, without a container: what the container does but
// for the base's files, which on this machine are the real Python. It
// runs wherever WEIR_PYTHON is set, with or without dockerd.
func TestPythonModelImageFiles(t *testing.T) {
	model, want := mustPyfuncModel(t)
	python := os.Getenv("WEIR_PYTHON")
	bin := mustServeBuild(t)
	binDir := filepath.Dir(python)
	base := mustBaseLayout(t, binDir+":/usr/bin", append(fakePython(binDir),
		baseFile{name: "usr/local/lib/python3.11/site-packages/pandas-3.1.1.dist-info/METADATA"})...)
	out := filepath.Join(t.TempDir(), "image")
	stdout, stderr, err := runImageCmd(t, context.Background(), nil, "build-image", "-m", model, "-t", "scorecard:1",
		"--weir-binary", bin, "--base", base, "--oci-layout", out, "-o", "json")
	if err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	var res imageResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	img := mustLayoutImage(t, out, res.Digest)
	root := t.TempDir()
	mustExtract(t, img, root, oci.BinaryPath, oci.ModelPath)
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}

	// The entrypoint, with the image's root at root and a free port.
	port := strconv.Itoa(freePort(t))
	var args []string
	for _, a := range cfg.Config.Entrypoint {
		switch a {
		case oci.BinaryPath, oci.ModelPath:
			a = filepath.Join(root, a)
		case "0.0.0.0":
			a = "127.0.0.1"
		case strconv.Itoa(oci.Port):
			a = port
		}
		args = append(args, a)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = cfg.Config.Env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	url := "http://127.0.0.1:" + port
	if err := waitReady(url+"/ping", 2*time.Minute, done); err != nil {
		t.Fatalf("the image's entrypoint: %v; its output:\n%s", err, logs.String())
	}
	checkPyfuncAnswers(t, url, want)
}

// waitReady waits until url answers 200, the process ends (done) or the
// time is up.
func waitReady(url string, limit time.Duration, done <-chan error) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			return fmt.Errorf("exited before answering %s (%v)", url, err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("no answer from %s in %v", url, limit)
}

// mustExtract writes the files of img's flattened file system that lie
// under the given absolute paths into root, keeping their modes.
func mustExtract(t *testing.T, img v1.Image, root string, paths ...string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := path.Clean("/" + h.Name)
		if !slices.ContainsFunc(paths, func(p string) bool { return name == p || strings.HasPrefix(name, p+"/") }) {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o200)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}

// TestBuildImagePythonOnRegistryBase pulls the Python base from the
// loopback registry that tests/docker/registry.sh started, checks it as a
// local base is checked, and pushes the image beside it.
func TestBuildImagePythonOnRegistryBase(t *testing.T) {
	host := os.Getenv("WEIR_TEST_REGISTRY")
	if host == "" {
		t.Skip("WEIR_TEST_REGISTRY is not set: start a registry with tests/docker/registry.sh start DIR PORT (CI does)")
	}
	ctx := context.Background()
	base := mustLayoutImage(t, mustBaseLayout(t, "/usr/local/bin", fakePython("/usr/local/bin")...), "")
	n := strconv.FormatInt(time.Now().UnixNano(), 10)
	baseRef, err := name.NewTag(host+"/weir-cli-test/pybase:"+n, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(baseRef, base, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	model := mustFiles(t, filepath.Join(t.TempDir(), "scorecard"), pyfuncModelFiles)
	ref := host + "/weir-cli-test/scorecard:" + n
	_, stderr, err := runImageCmd(t, ctx, nil, "build-image", "-m", model, "-t", ref, "--weir-binary", mustTinyStatic(t),
		"--base", baseRef.String(), "--push", "--insecure-registry")
	if err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "python: /usr/local/bin/python3.11 in the base") {
		t.Errorf("stderr does not report the base's Python:\n%s", stderr)
	}
	img, err := oci.Registry{Insecure: true}.Pull(ctx, ref, oci.DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Config.Entrypoint, oci.PythonEntrypoint) {
		t.Errorf("entrypoint: got %q, want %q", cfg.Config.Entrypoint, oci.PythonEntrypoint)
	}
	baseLayers, _ := base.Layers()
	layers, _ := img.Layers()
	bd, _ := baseLayers[0].Digest()
	if ld, _ := layers[0].Digest(); len(layers) != 3 || ld != bd {
		t.Errorf("layers: got %d starting with %s, want 3 starting with the base's %s", len(layers), ld, bd)
	}
}
