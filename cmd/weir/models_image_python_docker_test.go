//go:build !weir_serve

package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestPyfuncModelImageInDocker builds a Python base image from this
// machine's Python (tests/docker/python_base.py: the interpreter, its
// standard library, the packages loading the model imports and the
// libraries they link to, about 300 MB), builds a pyfunc model's image on
// it with build-image --base, runs it in dockerd and checks that
// /invocations answers mlflow.pyfunc's predictions. Nothing is pulled.
// It needs dockerd (WEIR_TEST_DOCKER_HOST) and WEIR_PYTHON, takes about a
// minute and a half and 700 MB of disk for a while; -short skips it.
func TestPyfuncModelImageInDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 300 MB Python base image and runs it in dockerd")
	}
	d := needDocker(t)
	model, want := mustPyfuncModel(t)
	bin := mustServeBuild(t)
	start := time.Now()
	step := func(what string) {
		t.Logf("%s: %s", what, time.Since(start).Round(100*time.Millisecond))
	}
	work := t.TempDir()

	rootfs := filepath.Join(work, "rootfs.tar")
	script := filepath.Join("..", "..", "tests", "docker", "python_base.py")
	out, err := exec.Command(os.Getenv("WEIR_PYTHON"), script, model, rootfs).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderrOf(err))
	}
	var made struct {
		Path string `json:"path"`
	}
	if err := json.Unmarshal(out, &made); err != nil {
		t.Fatalf("%s printed %q: %v", script, out, err)
	}
	// The fastest gzip: the base is built for this test only.
	layer, err := tarball.LayerFromFile(rootfs, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		t.Fatal(err)
	}
	base := mustLayoutOf(t, layer, made.Path)
	os.Remove(rootfs)
	step("python base written")

	tag := fmt.Sprintf("weir-test/pyfunc:%d", time.Now().UnixNano())
	image := filepath.Join(work, "image.tar")
	if _, stderr, err := runImageCmd(t, context.Background(), nil, "build-image", "-m", model, "-t", tag,
		"--weir-binary", bin, "--base", base, "--tar", image); err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	os.RemoveAll(base)
	step("image built")
	d.must("load", "-i", image)
	os.Remove(image)
	t.Cleanup(func() { d.run("image", "rm", "-f", tag) })
	step("image loaded")

	port := freePort(t)
	id := d.must("run", "-d", "-p", "127.0.0.1:"+strconv.Itoa(port)+":8080", tag)
	t.Cleanup(func() { d.run("rm", "-f", id) })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	waitContainer(t, d, id, url+"/ping")
	step("container answers")
	checkPyfuncAnswers(t, url, want)
	waitContainerHealthy(t, d, id)
	step("container healthy")
}

// stderrOf returns the standard error an *exec.ExitError carries.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
