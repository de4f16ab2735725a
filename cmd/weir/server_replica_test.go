//go:build !weir_serve

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pgtest "github.com/weir-ml/weir/tests/postgres"
)

// readYourWritesScript drives the server with MLflow's client as a training
// script does: each logged value is read back at once, by get_run and by a
// search, and must be there.
const readYourWritesScript = `
from mlflow import MlflowClient
c = MlflowClient()
exp = c.create_experiment("read-your-writes")
rid = c.create_run(exp).info.run_id
for i in range(200):
    c.log_metric(rid, "m", i, step=i)
    got = c.get_run(rid).data.metrics.get("m")
    assert got == i, f"log_metric({i}) then get_run: m = {got}"
    if i % 20 == 0:
        c.set_tag(rid, "last", str(i))
        found = c.search_runs([exp], filter_string=f"tags.last = '{i}'")
        assert len(found) == 1, f"set_tag(last={i}) then search_runs: {len(found)} runs"
print("OK")
`

// lockedWriter is a log destination the server's goroutines may share.
type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestServerReadReplica runs weir server on a PostgreSQL primary with
// WEIR_READ_REPLICA_URI naming a streaming replica, and MLflow's Python
// client against it: every read right after a write sees the write, and
// the reads ran on the replica (its own statistics count them).
func TestServerReadReplica(t *testing.T) {
	python := os.Getenv("WEIR_PYTHON")
	if python == "" {
		t.Skip("WEIR_PYTHON is unset: set it to a Python with mlflow (e.g. /work/main/.venv/bin/python)")
	}
	p := pgtest.StartPair(t)
	schema, primary, replica := p.Schema(t)
	dir := t.TempDir()
	port := freePort(t)
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs lockedWriter
	t.Setenv("WEIR_READ_REPLICA_URI", replica) // the flag parser reads the process's environment
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: os.Getenv}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"server", "--port", strconv.Itoa(port),
			"--backend-store-uri", primary, "--artifacts-destination", filepath.Join(dir, "artifacts")})
	}()
	waitHealthy(t, url+"/health", done)

	cctx, ccancel := context.WithTimeout(ctx, 5*time.Minute)
	defer ccancel()
	cmd := exec.CommandContext(cctx, python, "-c", readYourWritesScript)
	cmd.Env = append(os.Environ(), "MLFLOW_TRACKING_URI="+url, "MLFLOW_HTTP_REQUEST_MAX_RETRIES=0",
		"MLFLOW_DISABLE_TELEMETRY=true", "DO_NOT_TRACK=true")
	out, err := cmd.CombinedOutput()
	cancel()
	if serr := <-done; serr != nil {
		t.Errorf("server: %v", serr)
	}
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("mlflow client: %v\n%s\nserver log:\n%s", err, out, logs.String())
	}

	// The server has closed its connections, so both servers have counted
	// its scans: get_run reads the runs table 200 times, the searches 10.
	// On a busy machine the replica may lag past the server's 100 ms wait
	// now and then, and those reads run on the primary; most must not.
	var scans int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if scans = pgtest.TableScans(t, p.Replica, schema, "runs"); scans >= 210 {
			break
		}
	}
	t.Logf("scans of runs on the replica: %d; on the primary: %d", scans, pgtest.TableScans(t, p.Primary, schema, "runs"))
	if scans < 105 {
		t.Errorf("scans of runs on the replica: got %d, want at least 105 of the 210 reads\nserver log:\n%s", scans, logs.String())
	}
	if strings.Contains(logs.String(), "read replica unavailable") {
		t.Logf("the replica lagged at times:\n%s", logs.String())
	}
}
