//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// runMain runs one weir command in-process, as main would.
func runMain(t *testing.T, ctx context.Context, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err = m.Run(ctx, args)
	return out.String(), err
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestServerAndClientCommands(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := runMain(t, ctx, "server", "--port", strconv.Itoa(port),
			"--backend-store-uri", "sqlite:///"+filepath.Join(dir, "weir.db"),
			"--artifacts-destination", filepath.Join(dir, "artifacts"))
		done <- err
	}()
	waitHealthy(t, url+"/health", done)

	id, err := runMain(t, ctx, "experiments", "create", "e2e", "--tracking-uri", url)
	if err != nil {
		t.Fatalf("experiments create: %v", err)
	}
	if strings.TrimSpace(id) != "1" {
		t.Errorf("experiments create printed %q, want 1", id)
	}
	out, err := runMain(t, ctx, "experiments", "list", "--tracking-uri", url, "-o", "json")
	if err != nil || !strings.Contains(out, `"name": "e2e"`) || !strings.Contains(out, `"name": "Default"`) {
		t.Errorf("experiments list = %q, %v", out, err)
	}
	// The same experiment is visible when the store is opened in-process.
	// (SQLite allows a second connection while the server runs.)
	out, err = runMain(t, ctx, "experiments", "list", "--tracking-uri", "sqlite:///"+filepath.Join(dir, "weir.db"))
	if err != nil || !strings.Contains(out, "e2e") {
		t.Errorf("experiments list on the store = %q, %v", out, err)
	}
	out, err = runMain(t, ctx, "runs", "list", "-x", "1", "--tracking-uri", url)
	if err != nil || !strings.Contains(out, "RUN ID") {
		t.Errorf("runs list = %q, %v", out, err)
	}

	// The registry commands.
	c := httpapi.NewClient(url)
	if _, err := c.CreateRegisteredModel(ctx, "bank", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateModelVersion(ctx, registry.VersionCreate{Name: "bank", Source: "s3://bucket/models/bank"}); err != nil {
		t.Fatal(err)
	}
	if _, err := runMain(t, ctx, "models", "alias", "set", "bank", "champion", "1", "--tracking-uri", url); err != nil {
		t.Fatalf("models alias set: %v", err)
	}
	out, err = runMain(t, ctx, "models", "list", "--tracking-uri", url)
	if err != nil || !strings.Contains(out, "champion→1") {
		t.Errorf("models list = %q, %v", out, err)
	}
	out, err = runMain(t, ctx, "models", "versions", "bank", "--tracking-uri", url, "-o", "json")
	if err != nil || !strings.Contains(out, `"champion"`) {
		t.Errorf("models versions = %q, %v", out, err)
	}
	if _, err := runMain(t, ctx, "models", "alias", "delete", "bank", "champion", "--tracking-uri", url); err != nil {
		t.Fatalf("models alias delete: %v", err)
	}

	// Artifacts: upload into a run, list, download; then a registered
	// version whose source is that run's directory downloads by alias.
	run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: "1"})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "MLmodel")
	os.WriteFile(src, []byte("flavors: {}\n"), 0o644)
	if _, err := runMain(t, ctx, "artifacts", "upload", "--run-id", run.Info.RunID, "--artifact-path", "model", src, "--tracking-uri", url); err != nil {
		t.Fatalf("artifacts upload: %v", err)
	}
	out, err = runMain(t, ctx, "artifacts", "list", "--run-id", run.Info.RunID, "--path", "model", "--tracking-uri", url)
	if err != nil || !strings.Contains(out, "model/MLmodel") {
		t.Errorf("artifacts list = %q, %v", out, err)
	}
	dl := filepath.Join(dir, "dl")
	if _, err := runMain(t, ctx, "artifacts", "download", "--run-id", run.Info.RunID, "-d", dl, "--tracking-uri", url); err != nil {
		t.Fatalf("artifacts download: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dl, "model", "MLmodel")); err != nil || string(b) != "flavors: {}\n" {
		t.Errorf("downloaded artifact = %q, %v", b, err)
	}
	if _, err := c.CreateModelVersion(ctx, registry.VersionCreate{Name: "bank", Source: "runs:/" + run.Info.RunID + "/model", RunID: run.Info.RunID}); err != nil {
		t.Fatal(err)
	}
	if _, err := runMain(t, ctx, "models", "alias", "set", "bank", "challenger", "2", "--tracking-uri", url); err != nil {
		t.Fatal(err)
	}
	mdl := filepath.Join(dir, "models", "challenger")
	if _, err := runMain(t, ctx, "models", "download", "models:/bank@challenger", "-d", mdl, "--tracking-uri", url); err != nil {
		t.Fatalf("models download: %v", err)
	}
	if _, err := os.Stat(filepath.Join(mdl, "MLmodel")); err != nil {
		t.Errorf("models download: %v", err)
	}

	// Caller errors are usage errors: exit code 2.
	for _, args := range [][]string{
		{"runs", "get", "0123456789abcdef0123456789abcdef", "--tracking-uri", url},
		{"experiments", "create", "e2e", "--tracking-uri", url},
		{"experiments", "delete", "not-a-number", "--tracking-uri", url},
		{"runs", "list", "--filter", "metrics.x LIKE 'a'", "--tracking-uri", url},
		{"no-such-command"},
		{"server", "--port", "70000"},
		{"models", "versions", "no-such-model", "--tracking-uri", url},
		{"models", "download", "/etc", "-d", filepath.Join(dir, "x"), "--tracking-uri", url},
		{"models", "download", "models:/bank@nope", "-d", filepath.Join(dir, "y"), "--tracking-uri", url},
		{"artifacts", "download", "--run-id", "0123456789abcdef0123456789abcdef", "--tracking-uri", url},
		{"artifacts", "download", "--run-id", run.Info.RunID, "--path", "../..", "--tracking-uri", url},
		{"models", "alias", "set", "bank", "latest", "1", "--tracking-uri", url},
	} {
		_, err := runMain(t, ctx, args...)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("weir %s: err = %v, want a usage error (exit 2)", strings.Join(args, " "), err)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server stopped with %v, want a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after cancel")
	}
}

func waitHealthy(t *testing.T, url string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not become healthy")
}

func TestVersionAndHelpExitZero(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"--help"}, {"server", "--help"}} {
		if _, err := runMain(t, context.Background(), args...); err != nil {
			t.Errorf("weir %v: %v", args, err)
		}
	}
}
