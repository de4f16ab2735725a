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

// pythonWithMLflow returns a Python interpreter that can import mlflow:
// $WEIR_PYTHON, or the project's virtualenv next to the repository.
func pythonWithMLflow(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("WEIR_PYTHON"), filepath.Join("..", "..", "venv", "bin", "python")}
	for _, py := range candidates {
		if py == "" {
			continue
		}
		if err := exec.Command(py, "-c", "import mlflow").Run(); err == nil {
			return py
		}
	}
	t.Skip("no Python with mlflow: set WEIR_PYTHON to an interpreter that can import mlflow")
	return ""
}

// TestMLflowPythonClient drives the server with MLflow's own Python client:
// experiments, runs, params, metrics with NaN and infinities, batches,
// search, artifacts through the proxy, and error codes.
func TestMLflowPythonClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Python")
	}
	py := pythonWithMLflow(t)
	srv, _ := MustOpenServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "mlflow_client.py"))
	cmd.Env = append(os.Environ(),
		"MLFLOW_TRACKING_URI="+srv.URL(),
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES=0",
		"MLFLOW_DISABLE_TELEMETRY=true",
		"DO_NOT_TRACK=true",
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("mlflow client script failed: %v\n%s", err, out)
	}
}
