// Package s3test runs Weir's tracking server on an S3 artifact store and
// drives it with MLflow's own Python client. It needs an S3 server
// (tests/s3/versitygw.sh prints the environment) and a Python with mlflow.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/s3"
	"github.com/weir-ml/weir/sqlstore"
)

// countingStore counts the presigned transfers the client asked for, to
// show that the large file did not silently go through the proxy.
type countingStore struct {
	*s3.Store
	uploads, downloads atomic.Int32
}

var (
	_ httpapi.MultipartStore = (*countingStore)(nil)
	_ httpapi.PresignStore   = (*countingStore)(nil)
)

func (c *countingStore) CreateMultipartUpload(ctx context.Context, p string, n int) (string, []string, error) {
	c.uploads.Add(1)
	return c.Store.CreateMultipartUpload(ctx, p, n)
}

func (c *countingStore) PresignGet(ctx context.Context, p string) (string, int64, error) {
	c.downloads.Add(1)
	return c.Store.PresignGet(ctx, p)
}

func TestMLflowClientOnS3(t *testing.T) {
	endpoint, bucket := os.Getenv("WEIR_TEST_S3_ENDPOINT"), os.Getenv("WEIR_TEST_S3_BUCKET")
	if endpoint == "" || bucket == "" {
		t.Skip("no S3 server: run tests/s3/versitygw.sh start DIR PORT and export what it prints")
	}
	py := pythonWithMLflow(t)
	ctx := context.Background()
	var id [6]byte
	rand.Read(id[:])
	store, err := s3.NewStore(ctx, "s3://"+bucket+"/weir-e2e-"+hex.EncodeToString(id[:]),
		s3.Options{Endpoint: endpoint, PathStyle: true, PartSize: s3.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Check(ctx); err != nil {
		t.Fatal(err)
	}
	counting := &countingStore{Store: store}

	dir := t.TempDir()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "weir.db"))
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.LoggedModels = sqlstore.NewLoggedModelService(db)
	srv.Artifacts = counting
	srv.ArtifactsDestination = store.URI()
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	const part = s3.MinPartSize
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, py, "mlflow_s3.py")
	cmd.Env = append(os.Environ(),
		"MLFLOW_TRACKING_URI="+srv.URL(),
		"WEIR_E2E_BIG_SIZE="+strconv.Itoa(2*part+4321),
		// Not forced: the client learns from server-info that the store
		// takes presigned parts; only the size thresholds are lowered.
		"MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE="+strconv.Itoa(part),
		"MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE="+strconv.Itoa(part),
		"MLFLOW_MULTIPART_DOWNLOAD_MINIMUM_FILE_SIZE="+strconv.Itoa(part),
		"MLFLOW_MULTIPART_DOWNLOAD_CHUNK_SIZE="+strconv.Itoa(part),
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES=0",
		"MLFLOW_DISABLE_TELEMETRY=true",
		"DO_NOT_TRACK=true",
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("mlflow client script failed: %v\n%s", err, out)
	}
	if got := counting.uploads.Load(); got != 1 {
		t.Errorf("presigned multipart uploads: got %d, want 1 (the large file)", got)
	}
	if got := counting.downloads.Load(); got < 1 {
		t.Errorf("presigned downloads: got %d, want at least 1", got)
	}
}

// pythonWithMLflow returns $WEIR_PYTHON or the project's virtualenv, or
// skips the test.
func pythonWithMLflow(t *testing.T) string {
	t.Helper()
	for _, py := range []string{os.Getenv("WEIR_PYTHON"), filepath.Join("..", "..", "..", "venv", "bin", "python")} {
		if py != "" && exec.Command(py, "-c", "import mlflow").Run() == nil {
			return py
		}
	}
	t.Skip("no Python with mlflow: set WEIR_PYTHON to an interpreter that can import mlflow")
	return ""
}
