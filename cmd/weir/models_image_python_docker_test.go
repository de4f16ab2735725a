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

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestPyfuncModelImageInDocker builds a Python base image from this
// machine's Python (tests/docker/python_base.py: the interpreter, its
// standard library, the packages loading the model imports, pip, a shell
// and the libraries they link to, about 300 MB), then a pyfunc model's
// image on it twice, with build-image --base and with docker build of
// what generate-dockerfile writes (--base-image: pip finds the
// requirements satisfied, so nothing is downloaded), runs each in dockerd
// and checks that /invocations answers mlflow.pyfunc's predictions.
// Nothing is pulled. It needs dockerd (WEIR_TEST_DOCKER_HOST) and
// WEIR_PYTHON, takes about two minutes and 1 GB of disk for a while;
// -short skips it.
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

	id := time.Now().UnixNano()
	tag := fmt.Sprintf("weir-test/pyfunc:%d", id)
	image := filepath.Join(work, "image.tar")
	if _, stderr, err := runImageCmd(t, context.Background(), nil, "build-image", "-m", model, "-t", tag,
		"--weir-binary", bin, "--base", base, "--tar", image); err != nil {
		t.Fatalf("build-image: %v\n%s", err, stderr)
	}
	step("image built")
	d.must("load", "-i", image)
	os.Remove(image)
	t.Cleanup(func() { d.run("image", "rm", "-f", tag) })
	step("image loaded")
	runPyfuncContainer(t, d, tag, want)
	step("build-image's image answers and is healthy")

	// The base as a docker image, FROM which the generated Dockerfile builds.
	baseTag := fmt.Sprintf("weir-test/pybase:%d", id)
	baseTar := filepath.Join(work, "base.tar")
	ref, err := name.NewTag(baseTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(baseTar, ref, mustLayoutImage(t, base, "")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(base)
	d.must("load", "-i", baseTar)
	os.Remove(baseTar)
	t.Cleanup(func() { d.run("image", "rm", "-f", baseTag) })
	ctxDir := filepath.Join(work, "ctx")
	if _, stderr, err := runImageCmd(t, context.Background(), nil, "generate-dockerfile", "-m", model, "-d", ctxDir,
		"--weir-binary", bin, "--base-image", baseTag); err != nil {
		t.Fatalf("generate-dockerfile: %v\n%s", err, stderr)
	}
	built := fmt.Sprintf("weir-test/pyfunc-dockerfile:%d", id)
	d.must("build", "-q", "-t", built, ctxDir)
	t.Cleanup(func() { d.run("image", "rm", "-f", built) })
	step("generated Dockerfile built")
	runPyfuncContainer(t, d, built, want)
	step("the Dockerfile's image answers and is healthy")
}

// runPyfuncContainer runs image, waits for it to answer, checks its
// predictions and waits for docker to call it healthy.
func runPyfuncContainer(t *testing.T, d *dockerCLI, image string, want pyfuncExpected) {
	t.Helper()
	port := freePort(t)
	id := d.must("run", "-d", "-p", "127.0.0.1:"+strconv.Itoa(port)+":8080", image)
	defer d.run("rm", "-f", id)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	waitContainer(t, d, id, url+"/ping")
	checkPyfuncAnswers(t, url, want)
	waitContainerHealthy(t, d, id)
}

// stderrOf returns the standard error an *exec.ExitError carries.
func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
