//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/linear"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/oci"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// imageCLI mounts the image commands as the lead mounts them under
// `weir models`, so these tests parse real flags whether or not cli.go
// has them yet.
type imageCLI struct {
	BuildImage         modelsBuildImageCmd         `cmd:""`
	GenerateDockerfile modelsGenerateDockerfileCmd `cmd:""`
	Ping               modelsPingCmd               `cmd:""`
}

// runImageCmd parses and runs one image command with env as its
// environment; it returns stdout and stderr.
func runImageCmd(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var c imageCLI
	var out, errOut bytes.Buffer
	parser, err := kong.New(&c, kong.Writers(&out, &errOut), kong.Exit(func(int) {}))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		return "", "", err
	}
	g := &globals{ctx: ctx, stdout: &out, stderr: &errOut, logger: newLogger(&errOut, "error"),
		getenv: func(k string) string { return env[k] }}
	err = kctx.Run(g)
	return out.String(), errOut.String(), err
}

const imageModelCSV = `age,job,balance,y
25,student,100.5,no
32,manager,2500,yes
47,manager,,yes
51,worker,300,no
38,worker,1200,no
62,manager,4000,yes
29,student,50,no
44,,800,yes
35,worker,900,no
58,manager,3000,yes
`

// mustImageModel saves a small logistic-regression model with an input
// example and returns its directory.
func mustImageModel(t *testing.T) string {
	t.Helper()
	f, err := frame.ReadCSV(strings.NewReader(imageModelCSV), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := predictor.Fit(context.Background(), f, "y", predictor.Spec{Model: linear.NewLogisticRegression()})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := f.Slice(0, 2)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bank-model")
	if err := mlmodel.Save(dir, p, mlmodel.Info{RunID: "0123abcd", Example: ex, Created: time.Unix(1700000000, 0)}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// mustTinyStatic builds a tiny static Go program: a binary that passes
// build-image's checks without the minutes a whole weir takes to build.
func mustTinyStatic(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build a test binary")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", "tiny", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building a test binary: %v\n%s", err, out)
	}
	return filepath.Join(dir, "tiny")
}

func TestBuildImageCommand(t *testing.T) {
	ctx := context.Background()
	model := mustImageModel(t)
	bin := mustTinyStatic(t)
	dir := t.TempDir()
	env := map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}
	build := func(layout, tar string) imageResult {
		t.Helper()
		out, stderr, err := runImageCmd(t, ctx, env, "build-image", "-m", model, "-t", "bank:1", "--weir-binary", bin,
			"--oci-layout", layout, "--tar", tar, "--label", "team=risk", "--model-version", "1", "-o", "json")
		if err != nil {
			t.Fatalf("build-image: %v\n%s", err, stderr)
		}
		if !strings.Contains(stderr, "(--weir-binary)") {
			t.Errorf("stderr does not say which binary: %q", stderr)
		}
		var res imageResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		return res
	}
	a := build(filepath.Join(dir, "a"), filepath.Join(dir, "a.tar"))
	b := build(filepath.Join(dir, "b"), filepath.Join(dir, "b.tar"))
	if a.Digest != b.Digest || !strings.HasPrefix(a.Digest, "sha256:") {
		t.Errorf("two builds: digests %q and %q, want one sha256 digest", a.Digest, b.Digest)
	}
	if len(a.Layers) != 3 || a.CompressedBytes <= 0 || a.UncompressedBytes < a.CompressedBytes {
		t.Errorf("result: %+v", a)
	}
	for _, name := range []string{"a/index.json", "a/oci-layout", "a/" + oci.SBOMFile, "a.tar"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	var index struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "a", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 2 || index.Manifests[0].Digest != a.Digest {
		t.Errorf("index.json: %s", raw)
	}
	// The config carries the labels from the flags and from MLmodel.
	cfg := mustLayoutConfig(t, filepath.Join(dir, "a"), a.Digest)
	for k, want := range map[string]string{
		"team": "risk", oci.LabelModelName: "bank-model", oci.LabelModelVersion: "1",
		oci.LabelModelRunID: "0123abcd", oci.LabelCreated: "2023-11-14T22:13:20Z",
	} {
		if got := cfg.Config.Labels[k]; got != want {
			t.Errorf("label %s: got %q, want %q", k, got, want)
		}
	}
}

// layoutConfig is the part of an image config the tests read.
type layoutConfig struct {
	Config struct {
		Labels map[string]string `json:"Labels"`
		User   string            `json:"User"`
	} `json:"config"`
}

func mustLayoutConfig(t *testing.T, layout, digest string) layoutConfig {
	t.Helper()
	blob := func(d string) []byte {
		b, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var m struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
	}
	if err := json.Unmarshal(blob(digest), &m); err != nil {
		t.Fatal(err)
	}
	var cfg layoutConfig
	if err := json.Unmarshal(blob(m.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestBuildImageCommandErrors(t *testing.T) {
	ctx := context.Background()
	model := mustImageModel(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no output", []string{"build-image", "-m", model, "-t", "bank:1", "--weir-binary", "/nonexistent"}, "--oci-layout"},
		{"bad platform", []string{"build-image", "-m", model, "-t", "bank:1", "--tar", "x.tar", "--platform", "windows/amd64"}, "only linux"},
		{"missing model", []string{"build-image", "-m", filepath.Join(model, "nope"), "-t", "bank:1", "--tar", "x.tar"}, "no model directory"},
		{"bad binary", []string{"build-image", "-m", model, "-t", "bank:1", "--tar", filepath.Join(t.TempDir(), "x.tar"), "--weir-binary", filepath.Join(model, "MLmodel")}, "not a Linux (ELF) executable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runImageCmd(t, ctx, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestPingCommand(t *testing.T) {
	ok := http.NewServeMux()
	ok.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "\n") })
	srv := startTestServer(t, ok)
	ctx := context.Background()
	if _, _, err := runImageCmd(t, ctx, nil, "ping", "--url", srv+"/ping"); err != nil {
		t.Errorf("ping of a healthy server: %v", err)
	}
	if _, _, err := runImageCmd(t, ctx, nil, "ping", "--url", srv+"/missing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("ping of a 404: got %v, want an HTTP 404 error", err)
	}
	if _, _, err := runImageCmd(t, ctx, nil, "ping", "--url", "http://127.0.0.1:1/ping", "--timeout", "500ms"); err == nil {
		t.Error("ping of a closed port: no error")
	}
}

func startTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	port := freePort(t)
	srv := &http.Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Handler: h}
	go srv.ListenAndServe()
	t.Cleanup(func() { srv.Close() })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(url + "/ping"); err == nil {
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return url
}

// TestBuildImagePush pushes through the command to the loopback registry
// that tests/docker/registry.sh started and reads the image back.
func TestBuildImagePush(t *testing.T) {
	host := os.Getenv("WEIR_TEST_REGISTRY")
	if host == "" {
		t.Skip("WEIR_TEST_REGISTRY is not set: start a registry with tests/docker/registry.sh start DIR PORT (CI does)")
	}
	ctx := context.Background()
	ref := host + "/weir-cli-test/bank:" + strconv.FormatInt(time.Now().UnixNano(), 10)
	out, stderr, err := runImageCmd(t, ctx, nil, "build-image", "-m", mustImageModel(t), "-t", ref,
		"--weir-binary", mustTinyStatic(t), "--push", "--insecure-registry", "-o", "json")
	if err != nil {
		t.Fatalf("build-image --push: %v\n%s", err, stderr)
	}
	var res imageResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Outputs) != 1 || !strings.HasSuffix(res.Outputs[0], "@"+res.Digest) {
		t.Errorf("outputs: got %v, want the pushed digest %s", res.Outputs, res.Digest)
	}
	img, err := oci.Registry{Insecure: true}.Pull(ctx, ref, oci.DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := img.Digest(); d.String() != res.Digest {
		t.Errorf("pulled digest: got %s, want %s", d, res.Digest)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Labels[oci.LabelModelRunID]; got != "0123abcd" {
		t.Errorf("pulled run id label: got %q, want 0123abcd", got)
	}
}

// TestBuildImageFromRegistryURI resolves models:/ URIs through a local
// store and labels the image with the registered name and version.
func TestBuildImageFromRegistryURI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := "sqlite:///" + filepath.Join(dir, "weir.db")
	db := sqlstore.NewDB(store)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	// MLflow accepts a local version source only inside its run's
	// artifacts, so the model is saved there.
	tr := sqlstore.NewTrackingService(db)
	exp, err := tr.CreateExperiment(ctx, "images", filepath.Join(dir, "artifacts"), nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := tr.CreateRun(ctx, tracking.RunCreate{ExperimentID: exp})
	if err != nil {
		t.Fatal(err)
	}
	model := strings.TrimPrefix(run.Info.ArtifactURI, "file://") + "/model"
	if err := os.MkdirAll(filepath.Dir(model), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(mustImageModel(t), model); err != nil {
		t.Fatal(err)
	}
	reg := sqlstore.NewRegistryService(db)
	if _, err := reg.CreateRegisteredModel(ctx, "bank", "", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := reg.CreateModelVersion(ctx, registry.VersionCreate{Name: "bank", Source: model, RunID: run.Info.RunID}); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.SetRegisteredModelAlias(ctx, "bank", "champion", "1"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	tests := []struct {
		uri, wantVersion string
	}{
		{"models:/bank/2", "2"},
		{"models:/bank@champion", "1"},
		{"models:/bank/latest", "2"},
	}
	bin := mustTinyStatic(t)
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			layout := filepath.Join(t.TempDir(), "layout")
			out, stderr, err := runImageCmd(t, ctx, nil, "build-image", "-m", tc.uri, "--tracking-uri", store,
				"-t", "bank:x", "--weir-binary", bin, "--oci-layout", layout, "-o", "json")
			if err != nil {
				t.Fatalf("build-image: %v\n%s", err, stderr)
			}
			var res imageResult
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			labels := mustLayoutConfig(t, layout, res.Digest).Config.Labels
			if labels[oci.LabelModelName] != "bank" || labels[oci.LabelModelVersion] != tc.wantVersion || labels[oci.LabelModelURI] != tc.uri {
				t.Errorf("labels: got name %q version %q uri %q, want bank %s %s",
					labels[oci.LabelModelName], labels[oci.LabelModelVersion], labels[oci.LabelModelURI], tc.wantVersion, tc.uri)
			}
		})
	}
	_, _, err = runImageCmd(t, ctx, nil, "build-image", "-m", "models:/nope/1", "--tracking-uri", store,
		"-t", "bank:x", "--weir-binary", bin, "--tar", filepath.Join(dir, "x.tar"))
	if err == nil {
		t.Error("unknown registered model: no error")
	}
}

// TestBuildImageWithoutToolchain takes the fallback: with no Go toolchain
// the running executable goes in the image if it is static and for the
// platform, else the command says to pass --weir-binary. (The test binary
// is static only when built with CGO_ENABLED=0.)
func TestBuildImageWithoutToolchain(t *testing.T) {
	defer func(f func(string) (string, error)) { lookPath = f }(lookPath)
	lookPath = func(string) (string, error) { return "", exec.ErrNotFound }
	_, stderr, err := runImageCmd(t, context.Background(), nil, "build-image", "-m", mustImageModel(t), "-t", "bank:1",
		"--oci-layout", filepath.Join(t.TempDir(), "layout"))
	if err != nil {
		if !strings.Contains(err.Error(), "pass --weir-binary") {
			t.Errorf("got error %v, want one that says to pass --weir-binary", err)
		}
		return
	}
	if !strings.Contains(stderr, "(the running executable)") {
		t.Errorf("built without saying which binary: stderr %q", stderr)
	}
}
