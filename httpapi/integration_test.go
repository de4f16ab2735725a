package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// MustOpenServer starts a Server on a fresh SQLite database and a local
// artifact directory, and closes both when the test ends.
func MustOpenServer(tb testing.TB) (*httpapi.Server, artifact.Store) {
	tb.Helper()
	dir := tb.TempDir()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "weir.db"))
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	store := artifact.NewDir(filepath.Join(dir, "artifacts"))
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.Artifacts = store
	srv.ArtifactsDestination = filepath.Join(dir, "artifacts")
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := srv.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := srv.Close(); err != nil {
			tb.Error(err)
		}
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return srv, store
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := weir.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %s", what, err, got, code)
	}
}

// TestClientAgainstSQLStore drives a Server backed by sqlstore through the
// Client, the whole tracking lifecycle over real HTTP.
func TestClientAgainstSQLStore(t *testing.T) {
	srv, store := MustOpenServer(t)
	ctx := context.Background()
	expID, id := exerciseClient(t, httpapi.NewClient(srv.URL()), "bank")

	// Artifacts written to the proxied store are listed relative to the run.
	root := expID + "/" + id + "/artifacts"
	if err := store.Put(ctx, root+"/model/MLmodel", bytes.NewReader([]byte("flavors: {}\n"))); err != nil {
		t.Fatal(err)
	}
	listing := mustGetJSON(t, srv.URL()+"/api/2.0/mlflow/artifacts/list?path=model&run_id="+id)
	want := `{"root_uri":"mlflow-artifacts:/` + root + `","files":[{"path":"model/MLmodel","is_dir":false,"file_size":12}]}`
	if listing != want {
		t.Errorf("artifact listing:\n got %s\nwant %s", listing, want)
	}
}

// TestClientAgainstMLflow runs the same lifecycle against a real mlflow
// server, to show the Client speaks MLflow's protocol and not only Weir's:
// start one with `mlflow server --port 5001` and set
// WEIR_MLFLOW_URL=http://127.0.0.1:5001.
func TestClientAgainstMLflow(t *testing.T) {
	url := os.Getenv("WEIR_MLFLOW_URL")
	if url == "" {
		t.Skip("WEIR_MLFLOW_URL is not set")
	}
	exerciseClient(t, httpapi.NewClient(url), fmt.Sprintf("weir-client-%d", time.Now().UnixNano()))
}

// exerciseClient runs the tracking lifecycle through c in a new experiment
// called name and returns the experiment and run IDs.
func exerciseClient(t *testing.T, c *httpapi.Client, name string) (expID, runID string) {
	t.Helper()
	ctx := context.Background()
	expID, err := c.CreateExperiment(ctx, name, "", []tracking.Tag{{Key: "team", Value: "risk"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateExperiment(ctx, name, "", nil)
	wantCode(t, "duplicate experiment", err, weir.ErrResourceAlreadyExists)
	exp, err := c.GetExperimentByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if exp.ID != expID || !strings.HasSuffix(exp.ArtifactLocation, "/"+expID) || len(exp.Tags) != 1 {
		t.Errorf("experiment: got %+v", exp)
	}
	_, err = c.GetExperimentByName(ctx, name+"-nope")
	wantCode(t, "unknown experiment", err, weir.ErrResourceDoesNotExist)

	run, err := c.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID, RunName: "first", UserID: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	id := run.Info.RunID
	if run.Info.Status != tracking.StatusRunning || run.Info.EndTime != nil || run.Info.StartTime == 0 {
		t.Errorf("new run info: got %+v", run.Info)
	}
	metrics := []tracking.Metric{
		{Key: "loss", Value: 0.5, Timestamp: 10, Step: 0},
		{Key: "loss", Value: 0.25, Timestamp: 20, Step: 1},
		{Key: "loss", Value: math.NaN(), Timestamp: 30, Step: 2},
		{Key: "auc", Value: math.Inf(1), Timestamp: 30, Step: 0},
	}
	if err := c.LogBatch(ctx, id, metrics, []tracking.Param{{Key: "lr", Value: "0.1"}}, []tracking.Tag{{Key: "stage", Value: "dev"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.LogMetric(ctx, id, tracking.Metric{Key: "loss", Value: 0.125, Timestamp: 40, Step: 3}); err != nil {
		t.Fatal(err)
	}
	err = c.LogParam(ctx, id, tracking.Param{Key: "lr", Value: "0.2"})
	wantCode(t, "changing a param", err, weir.ErrInvalidParameterValue)
	if err := c.SetTag(ctx, id, tracking.Tag{Key: "gone", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTag(ctx, id, "gone"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "deleting a missing tag", c.DeleteTag(ctx, id, "gone"), weir.ErrResourceDoesNotExist)

	hist, next, err := c.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", MaxResults: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || next == "" {
		t.Fatalf("history page 1: got %d points, next %q; want 3 and a token", len(hist), next)
	}
	rest, next2, err := c.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss", MaxResults: 3, PageToken: next})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 1 || next2 != "" {
		t.Errorf("history page 2: got %d points, next %q; want 1 and none", len(rest), next2)
	}
	nan := 0
	for _, m := range append(hist, rest...) {
		if math.IsNaN(m.Value) {
			nan++
		}
	}
	if nan != 1 {
		t.Errorf("NaN points in history: got %d, want 1", nan)
	}

	end := int64(99)
	finished := tracking.StatusFinished
	info, err := c.UpdateRun(ctx, id, tracking.RunUpdate{Status: &finished, EndTime: &end})
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != finished || info.EndTime == nil || *info.EndTime != 99 || info.RunName != "first" {
		t.Errorf("updated run info: got %+v", info)
	}

	got, err := c.GetRun(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	latest := map[string]float64{}
	for _, m := range got.Data.Metrics {
		latest[m.Key] = m.Value
	}
	// MLflow's SQL store keeps +Inf as the largest float64; Weir keeps +Inf.
	if auc := latest["auc"]; latest["loss"] != 0.125 || !(math.IsInf(auc, 1) || auc == math.MaxFloat64) || len(got.Data.Params) != 1 {
		t.Errorf("run data: got %+v", got.Data)
	}

	runs, _, err := c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, Filter: "metrics.loss < 0.2 and params.lr = '0.1'"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Info.RunID != id {
		t.Errorf("search: got %d runs", len(runs))
	}
	_, _, err = c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, Filter: "metrics.loss <<< 1"})
	wantCode(t, "bad filter", err, weir.ErrInvalidParameterValue)

	if err := c.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "logging to a deleted run", c.SetTag(ctx, id, tracking.Tag{Key: "k", Value: "v"}), weir.ErrInvalidParameterValue)
	deleted, _, err := c.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{expID}, ViewType: tracking.DeletedOnly})
	if err != nil || len(deleted) != 1 {
		t.Errorf("deleted runs: got %d, %v", len(deleted), err)
	}
	if err := c.RestoreRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRun(ctx, "0123456789abcdef0123456789abcdef")
	wantCode(t, "unknown run", err, weir.ErrResourceDoesNotExist)
	return expID, id
}

func mustGetJSON(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}
