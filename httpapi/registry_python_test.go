package httpapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMLflowPythonRegistry drives the registry, webhooks and logged models
// with MLflow's own Python client (testdata/registry/mlflow_registry.py),
// and checks the signed events its changes delivered.
func TestMLflowPythonRegistry(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	py := pythonWithMLflow(t)
	srv := mustOpenRegistryServer(t)
	rcv := newEventReceiver(t, "py-secret")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "registry", "mlflow_registry.py"))
	cmd.Env = append(os.Environ(),
		"MLFLOW_TRACKING_URI="+srv.URL(),
		"WEIR_HOOK_URL="+rcv.URL,
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES=0",
		"MLFLOW_DISABLE_TELEMETRY=true",
		"DO_NOT_TRACK=true",
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("mlflow registry script failed: %v\n%s", err, out)
	}
	// One test delivery, three model versions and two aliases; the receiver
	// rejects any delivery whose signature does not verify.
	got := map[string]int{}
	for _, ev := range rcv.wait(t, 6) {
		got[ev.Entity+"."+ev.Action]++
	}
	if got["model_version.created"] != 4 || got["model_version_alias.created"] != 2 {
		t.Errorf("events: got %v, want model_version.created x4 (one a test) and model_version_alias.created x2", got)
	}
}
