//go:build !weir_serve

package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir/httpapi"
)

// TestServerAuth starts `weir server --app-name basic-auth` with the
// admin's password in a file: requests without credentials get 401, the
// admin's get through, and the MLflow-style client works with a username
// and password.
func TestServerAuth(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "admin-password")
	if err := os.WriteFile(pwFile, []byte("the-admin-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := runMain(t, ctx, "server", "--port", strconv.Itoa(port), "--app-name", "basic-auth",
			"--auth-admin-password-file", pwFile, "--auth-default-permission", "read",
			"--backend-store-uri", "sqlite:///"+filepath.Join(dir, "weir.db"),
			"--artifacts-destination", filepath.Join(dir, "artifacts"))
		done <- err
	}()
	waitHealthy(t, url+"/health", done)
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	}()

	resp, err := http.Get(url + "/api/2.0/mlflow/experiments/search?max_results=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no credentials: status %d, want 401", resp.StatusCode)
	}
	c := httpapi.NewClient(url)
	c.Username, c.Password = "admin", "the-admin-password"
	if _, err := c.CreateExperiment(ctx, "as-admin", "", nil); err != nil {
		t.Errorf("create as the admin: %v", err)
	}

	// weir's own client commands take MLflow's credential variables.
	if code, msg, _ := runExit(t, ctx, "experiments", "list", "--tracking-uri", url); code != 1 || !strings.Contains(msg, "401") && !strings.Contains(strings.ToLower(msg), "unauthenticated") {
		t.Errorf("experiments list without credentials: exit %d %q, want 1 and the server's refusal", code, msg)
	}
	t.Setenv("MLFLOW_TRACKING_USERNAME", "admin")
	t.Setenv("MLFLOW_TRACKING_PASSWORD", "the-admin-password")
	if code, msg, out := runExit(t, ctx, "experiments", "list", "--tracking-uri", url); code != 0 || !strings.Contains(out, "as-admin") {
		t.Errorf("experiments list with MLFLOW_TRACKING_USERNAME/PASSWORD: exit %d %q, output %q", code, msg, out)
	}
}

// TestServerAuthNeedsAdminPassword checks that auth does not start without
// an admin to manage it, and says how to give one.
func TestServerAuthNeedsAdminPassword(t *testing.T) {
	dir := t.TempDir()
	tests := [][]string{
		{"--auth"},
		{"--app-name", "basic-auth", "--auth-admin-password-file", filepath.Join(dir, "missing")},
		{"--auth", "--auth-default-permission", "ALL"},
	}
	for _, extra := range tests {
		args := append([]string{"server", "--port", "0", "--backend-store-uri", "sqlite:///" + filepath.Join(dir, "weir.db"),
			"--artifacts-destination", filepath.Join(dir, "artifacts")}, extra...)
		_, err := runMain(t, context.Background(), args...)
		if err == nil || !strings.Contains(err.Error(), "--auth-") {
			t.Errorf("weir %s: error %v, want one naming the --auth- flag to fix", strings.Join(extra, " "), err)
		}
	}
}
