//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/oci"
)

// dockerCLI runs the docker command against the private daemon that
// tests/docker/dockerd.sh started, or skips when there is none.
type dockerCLI struct {
	t    *testing.T
	host string
}

func needDocker(t *testing.T) *dockerCLI {
	t.Helper()
	host := os.Getenv("WEIR_TEST_DOCKER_HOST")
	if host == "" {
		t.Skip("WEIR_TEST_DOCKER_HOST is not set: start a daemon with tests/docker/dockerd.sh start DIR (CI does, and prints why when dockerd cannot start)")
	}
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI: apt-get install -y docker.io")
	}
	return &dockerCLI{t: t, host: host}
}

// run runs docker with args and returns its combined output.
func (d *dockerCLI) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	// DOCKER_BUILDKIT=0: the classic builder is in the daemon; BuildKit
	// would need the buildx plugin.
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+d.host, "DOCKER_BUILDKIT=0")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (d *dockerCLI) must(args ...string) string {
	d.t.Helper()
	out, err := d.run(args...)
	if err != nil {
		d.t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// dockerConfig is the part of `docker inspect` .Config the tests check.
type dockerConfig struct {
	User         string
	Entrypoint   []string
	ExposedPorts map[string]struct{}
	Labels       map[string]string
	Healthcheck  *struct{ Test []string }
}

func (d *dockerCLI) config(image string) dockerConfig {
	d.t.Helper()
	var c dockerConfig
	if err := json.Unmarshal([]byte(d.must("image", "inspect", "--format", "{{json .Config}}", image)), &c); err != nil {
		d.t.Fatal(err)
	}
	return c
}

func checkDockerConfig(t *testing.T, c dockerConfig) {
	t.Helper()
	if c.User != "65532:65532" {
		t.Errorf("User: got %q, want 65532:65532", c.User)
	}
	if !reflect.DeepEqual(c.Entrypoint, oci.Entrypoint) {
		t.Errorf("Entrypoint: got %q, want %q", c.Entrypoint, oci.Entrypoint)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("ExposedPorts: got %v, want 8080/tcp", c.ExposedPorts)
	}
	if c.Healthcheck == nil || !reflect.DeepEqual(c.Healthcheck.Test, oci.HealthcheckCommand) {
		t.Errorf("Healthcheck: got %+v, want %q", c.Healthcheck, oci.HealthcheckCommand)
	}
	if c.Labels[oci.LabelModelRunID] != "0123abcd" {
		t.Errorf("label %s: got %q, want 0123abcd", oci.LabelModelRunID, c.Labels[oci.LabelModelRunID])
	}
}

// hasCommand reports whether the weir binary has the subcommand words.
func hasCommand(bin string, words ...string) bool {
	return exec.Command(bin, append(words, "--help")...).Run() == nil
}

// TestImageInDocker builds an image of a real static weir, loads the tar
// into dockerd, checks its configuration, runs the binary in it, and, once
// `weir models serve` exists, scores through the container.
func TestImageInDocker(t *testing.T) {
	d := needDocker(t)
	bin := mustServeBuild(t)
	model := mustImageModel(t)
	ctx := context.Background()
	tag := fmt.Sprintf("weir-test/bank:%d", time.Now().UnixNano())
	tar := filepath.Join(t.TempDir(), "image.tar")
	args := []string{"build-image", "-m", model, "-t", tag, "--tar", tar, "--weir-binary", bin}
	out, stderr, err := runImageCmd(t, ctx, nil, args...)
	if err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	t.Logf("build-image: %s", out)

	d.must("load", "-i", tar)
	t.Cleanup(func() { d.run("image", "rm", "-f", tag) })
	checkDockerConfig(t, d.config(tag))
	// The binary runs in the image, as the non-root user.
	if v := d.must("run", "--rm", "--entrypoint", "/weir", tag, "--version"); v == "" {
		t.Error("weir --version in the container printed nothing")
	}

	if !hasCommand(bin, "models", "serve") {
		t.Skip("the weir binary has no `models serve` yet (cmd/weir does not mount it): the image was built, loaded and its binary runs; scoring through the container is skipped")
	}
	port := freePort(t)
	id := d.must("run", "-d", "-p", "127.0.0.1:"+strconv.Itoa(port)+":8080", tag)
	t.Cleanup(func() { d.run("rm", "-f", id) })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	waitContainer(t, d, id, url+"/ping")

	body, err := os.ReadFile(filepath.Join(model, "serving_input_example.json"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/invocations", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"predictions"`) {
		t.Errorf("POST /invocations: HTTP %d %s", resp.StatusCode, got)
	}

	if hasCommand(bin, "models", "ping") {
		waitContainerHealthy(t, d, id)
	}
}

// waitContainer waits until url answers 200, failing with the container's
// log if it does not within a minute.
func waitContainer(t *testing.T, d *dockerCLI, id, url string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	logs, _ := d.run("logs", id)
	t.Fatalf("container %s never answered %s; its log:\n%s", id, url, logs)
}

// waitContainerHealthy waits for docker's health check (weir models ping inside the
// container) to report healthy.
func waitContainerHealthy(t *testing.T, d *dockerCLI, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var status string
	for time.Now().Before(deadline) {
		status = d.must("inspect", "--format", "{{.State.Health.Status}}", id)
		if status == "healthy" {
			return
		}
		time.Sleep(time.Second)
	}
	logs, _ := d.run("inspect", "--format", "{{json .State.Health}}", id)
	t.Errorf("health status: got %q after a minute, want healthy; %s", status, logs)
}

// TestGeneratedDockerfileBuilds builds the context that generate-dockerfile
// writes with docker's own builder and checks the image is configured as
// build-image configures its images.
func TestGeneratedDockerfileBuilds(t *testing.T) {
	d := needDocker(t)
	model := mustImageModel(t)
	dir := filepath.Join(t.TempDir(), "ctx")
	if _, stderr, err := runImageCmd(t, context.Background(), nil, "generate-dockerfile", "-m", model, "-d", dir, "--weir-binary", mustTinyStatic(t)); err != nil {
		t.Fatalf("generate-dockerfile: %v\n%s", err, stderr)
	}
	tag := fmt.Sprintf("weir-test/dockerfile:%d", time.Now().UnixNano())
	d.must("build", "-q", "-t", tag, dir)
	t.Cleanup(func() { d.run("image", "rm", "-f", tag) })
	checkDockerConfig(t, d.config(tag))
	// The tiny binary exits 0; running it proves the files and user work.
	d.must("run", "--rm", "--entrypoint", "/weir", tag)
	if ls := d.must("run", "--rm", "--entrypoint", "/weir", tag); ls != "" {
		t.Errorf("tiny binary printed %q", ls)
	}
}

// TestPythonModelImageInDocker builds the image of a LightGBM model that
// Python saved (pandas category columns included), runs it in dockerd and
// checks its answers against LightGBM's own predictions.
func TestPythonModelImageInDocker(t *testing.T) {
	d := needDocker(t)
	bin := mustServeBuild(t)
	model := filepath.Join("..", "..", "tests", "reference", "fixtures", "lightgbm", "pandas_categorical")
	var want struct {
		Columns []string    `json:"columns"`
		Rows    [][]any     `json:"rows"`
		Predict [][]float64 `json:"predict"`
	}
	b, err := os.ReadFile(filepath.Join(model, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("weir-test/lightgbm:%d", time.Now().UnixNano())
	tar := filepath.Join(t.TempDir(), "image.tar")
	if _, stderr, err := runImageCmd(t, context.Background(), nil, "build-image", "-m", model, "-t", tag, "--tar", tar, "--weir-binary", bin); err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	d.must("load", "-i", tar)
	t.Cleanup(func() { d.run("image", "rm", "-f", tag) })
	port := freePort(t)
	id := d.must("run", "-d", "-p", "127.0.0.1:"+strconv.Itoa(port)+":8080", tag)
	t.Cleanup(func() { d.run("rm", "-f", id) })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	waitContainer(t, d, id, url+"/ping")
	// The fixture writes a missing number as "NaN"; a request sends null.
	for _, r := range want.Rows {
		for j, v := range r {
			if v == "NaN" {
				r[j] = nil
			}
		}
	}
	body, err := json.Marshal(map[string]any{"dataframe_split": map[string]any{"columns": want.Columns, "data": want.Rows}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/invocations", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Predictions []float64 `json:"predictions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /invocations: HTTP %d, %v", resp.StatusCode, err)
	}
	if len(got.Predictions) != len(want.Predict) {
		t.Fatalf("%d predictions, want %d", len(got.Predictions), len(want.Predict))
	}
	for i, p := range got.Predictions {
		if diff := p - want.Predict[i][0]; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("row %d: the container answers %v, LightGBM %v", i, p, want.Predict[i][0])
		}
	}
}
