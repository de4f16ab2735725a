package sqlstore

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// TestOneStatementWritesPostgres runs the same writes through the
// one-statement path and through the ordinary transactions (a second store
// on the same database with one-statement writes off) and compares what
// both stored; it checks that the one-statement path applied in the common
// cases, and that in every other case it changed nothing and left the
// write to the transaction.
func TestOneStatementWritesPostgres(t *testing.T) {
	uri := mustPostgresSchema(t)
	ctx := context.Background()
	fast := mustOpen(t, uri)
	general := mustOpen(t, uri)
	general.dialect.oneStatementWrites = false
	ts := NewTrackingService(fast)
	expID := mustCreateExperiment(t, ts, "one")
	eid, err := parseExperimentID(expID)
	if err != nil {
		t.Fatal(err)
	}

	// Each store creates a run and logs the same batches to it.
	tags := []tracking.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}, {Key: runNameTag, Value: "r"}}
	metrics := []tracking.Metric{
		{Key: "loss", Value: 0.5, Timestamp: 10, Step: 1}, {Key: "acc", Value: math.NaN(), Timestamp: 10, Step: 1},
		{Key: "loss", Value: 0.25, Timestamp: 11, Step: 2}, {Key: "loss", Value: 0.25, Timestamp: 11, Step: 2},
		{Key: "inf", Value: math.Inf(-1), Timestamp: 9, Step: 0, ModelID: "m-1", DatasetName: "d", DatasetDigest: "x"},
	}
	params := []tracking.Param{{Key: "p1", Value: "v1"}, {Key: "p0", Value: "v0"}}
	later := []tracking.Metric{{Key: "loss", Value: 0.1, Timestamp: 5, Step: 1}, {Key: "acc", Value: 0.9, Timestamp: 12, Step: 3}}
	runs := map[*DB]*tracking.Run{}
	for _, db := range []*DB{fast, general} {
		svc := NewTrackingService(db)
		run, err := svc.CreateRun(ctx, tracking.RunCreate{ExperimentID: expID, UserID: "u", StartTime: 1000, Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.LogBatch(ctx, run.Info.RunID, metrics, params, []tracking.Tag{{Key: "t", Value: "1"}, {Key: "t", Value: "2"}}); err != nil {
			t.Fatal(err)
		}
		// p0 again with its value: the key is logged, so the statement
		// breaks the unique key and the transaction accepts the batch.
		if err := svc.LogBatch(ctx, run.Info.RunID, later, []tracking.Param{{Key: "p0", Value: "v0"}}, nil); err != nil {
			t.Fatal(err)
		}
		err = svc.LogBatch(ctx, run.Info.RunID, later, []tracking.Param{{Key: "p1", Value: "changed"}}, nil)
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Fatalf("changing a param: got %v, want INVALID_PARAMETER_VALUE", err)
		}
		if runs[db], err = svc.GetRun(ctx, run.Info.RunID); err != nil {
			t.Fatal(err)
		}
	}
	got, want := runs[fast], runs[general]
	if got.Info.RunID == want.Info.RunID {
		t.Fatal("both stores returned one run")
	}
	got.Info.RunID, got.Info.ArtifactURI = want.Info.RunID, joinURI(joinURI(stripRunID(got), want.Info.RunID), "artifacts")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("one-statement run:\n%+v\nwant as the transaction stores it:\n%+v", got, want)
	}
	for _, key := range []string{"loss", "acc", "inf"} {
		a, _, err := ts.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: runs[fast].Info.RunID, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := ts.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: runs[general].Info.RunID, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) || len(a) == 0 {
			t.Errorf("history of %s: %d values, want %d", key, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i].Step != b[i].Step || a[i].Timestamp != b[i].Timestamp || a[i].Value != b[i].Value && !(math.IsNaN(a[i].Value) && math.IsNaN(b[i].Value)) {
				t.Errorf("history of %s, value %d: %+v, want %+v", key, i, a[i], b[i])
			}
		}
	}

	// The common cases go through one statement.
	id, _ := newRunID()
	if _, err := createRunOneStatement(ctx, fast, eid, id, "n", "", 1, nil); err != nil {
		t.Errorf("create run: %v, want the one-statement path", err)
	}
	if err := logBatchOneStatement(ctx, fast, id, later, params, tags[:2]); err != nil {
		t.Errorf("log batch: %v, want the one-statement path", err)
	}
	// What the transaction must answer, the statement leaves alone.
	if err := logBatchOneStatement(ctx, fast, id, later, params[:1], nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("log batch of a logged param: %v, want the general path", err)
	}
	if err := logBatchOneStatement(ctx, fast, id, nil, append(params, params[0]), nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("log batch naming a param twice: %v, want the general path", err)
	}
	if err := logBatchOneStatement(ctx, fast, id, nil, nil, tags); !errors.Is(err, errGeneralPath) {
		t.Errorf("log batch renaming the run: %v, want the general path", err)
	}
	if err := ts.DeleteRun(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := logBatchOneStatement(ctx, fast, id, []tracking.Metric{{Key: "late", Value: 1, Timestamp: 1}}, nil, nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("log batch to a deleted run: %v, want the general path", err)
	}
	if h, _, _ := ts.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "late"}); len(h) != 0 {
		t.Errorf("a deleted run got %d values from the statement", len(h))
	}
	if err := ts.DeleteExperiment(ctx, expID); err != nil {
		t.Fatal(err)
	}
	id2, _ := newRunID()
	if _, err := createRunOneStatement(ctx, fast, eid, id2, "n", "", 1, nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("create run in a deleted experiment: %v, want the general path", err)
	}
	if _, err := ts.GetRun(ctx, id2); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("run in a deleted experiment: GetRun said %v, want RESOURCE_DOES_NOT_EXIST", err)
	}
}

// stripRunID returns the artifact location a run's URI was built from.
func stripRunID(run *tracking.Run) string {
	uri := run.Info.ArtifactURI
	return uri[:len(uri)-len(run.Info.RunID+"/artifacts")-1]
}

// TestOneStatementArtifactURIPostgres: the statement builds a run's artifact
// URI as joinURI does, whatever the experiment's location ends with.
func TestOneStatementArtifactURIPostgres(t *testing.T) {
	db := mustOpen(t, mustPostgresSchema(t))
	ctx := context.Background()
	svc := NewTrackingService(db)
	for i, loc := range []string{"s3://b/x", "s3://b/x/", "", "/tmp/a b/é", "mlflow-artifacts:/"} {
		expID := mustCreateExperiment(t, svc, "uri"+string(rune('a'+i)))
		if err := db.writeTx(ctx, func(tx *txn) error {
			_, err := tx.exec(ctx, `UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?`, loc, expID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		eid, _ := parseExperimentID(expID)
		id, _ := newRunID()
		got, err := createRunOneStatement(ctx, db, eid, id, "n", "", 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := joinURI(joinURI(loc, id), "artifacts"); got != want {
			t.Errorf("location %q: artifact URI %q, want %q", loc, got, want)
		}
	}
}

// TestOneStatementVersionsPostgres: a version from a remote source is one
// statement, numbered as the transaction numbers them; a missing model and
// a listening webhook leave it to the transaction, with nothing changed.
func TestOneStatementVersionsPostgres(t *testing.T) {
	db := mustOpen(t, mustPostgresSchema(t))
	ctx := context.Background()
	reg := NewRegistryService(db)
	if _, err := reg.CreateRegisteredModel(ctx, "m", "", nil); err != nil {
		t.Fatal(err)
	}
	c := registry.VersionCreate{Name: "m", Source: "s3://b/m", RunID: "r1", Description: "d", RunLink: "l"}
	tags := []registry.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}
	v, err := createVersionOneStatement(ctx, db, 7, c, tags)
	if err != nil || v != 1 {
		t.Fatalf("first version: %d, %v; want 1 through one statement", v, err)
	}
	mv, err := reg.GetModelVersion(ctx, "m", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := &registry.ModelVersion{Name: "m", Version: "1", CreationTimestamp: 7, LastUpdatedTimestamp: 7, CurrentStage: "None",
		Description: "d", Source: "s3://b/m", RunID: "r1", Status: "READY", Tags: tags, RunLink: "l"}
	mv.Aliases = nil
	if !reflect.DeepEqual(mv, want) {
		t.Errorf("stored version:\n%+v\nwant:\n%+v", mv, want)
	}
	if mv, err := reg.CreateModelVersion(ctx, c); err != nil || mv.Version != "2" {
		t.Errorf("CreateModelVersion: %+v, %v; want version 2", mv, err)
	}
	if _, err := createVersionOneStatement(ctx, db, 8, registry.VersionCreate{Name: "nope", Source: "s3://b/m"}, nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("missing model: %v, want the general path", err)
	}
	for _, src := range []string{"runs:/r1/model", "/tmp/m", "file:///tmp/m", "models:/m-1", "mlflow-artifacts:/0/r1/artifacts/m", "s3://b/../m"} {
		if _, err := createVersionOneStatement(ctx, db, 8, registry.VersionCreate{Name: "m", Source: src}, nil); !errors.Is(err, errGeneralPath) {
			t.Errorf("source %q: %v, want the general path, which checks it", src, err)
		}
	}
	if _, err := reg.CreateWebhook(ctx, registry.Webhook{Name: "h", URL: "https://r.example/hook",
		Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := createVersionOneStatement(ctx, db, 8, c, nil); !errors.Is(err, errGeneralPath) {
		t.Errorf("a webhook listens: %v, want the general path, which writes its outbox row", err)
	}
	if mv, err := reg.CreateModelVersion(ctx, c); err != nil || mv.Version != "3" {
		t.Errorf("CreateModelVersion after the refusals: %+v, %v; want version 3 (no number used up)", mv, err)
	}
}

// TestRemoteSource: a source remoteSource lets through one statement is one
// resolveSource takes as it is without reading the database (a nil
// transaction would panic if it read).
func TestRemoteSource(t *testing.T) {
	for _, c := range []struct {
		src    registry.VersionCreate
		remote bool
	}{
		{registry.VersionCreate{Source: "s3://b/m", RunID: "r"}, true},
		{registry.VersionCreate{Source: "gs://b/m"}, true},
		{registry.VersionCreate{Source: "https://h/m"}, true},
		{registry.VersionCreate{Source: "S3://b/m"}, true},
		{registry.VersionCreate{Source: "s3://b/%2e%2e/m"}, false},
		{registry.VersionCreate{Source: "s3://b/m", ModelID: "m-1"}, false},
		{registry.VersionCreate{Source: "dummy-source", Tags: []registry.Tag{{Key: promptTag, Value: "true"}}}, false},
		{registry.VersionCreate{Source: "runs:/r/m"}, false},
		{registry.VersionCreate{Source: "RUNS:/r/m"}, false},
		{registry.VersionCreate{Source: "models:/m-1"}, false},
		{registry.VersionCreate{Source: "file:///m"}, false},
		{registry.VersionCreate{Source: "/m"}, false},
		{registry.VersionCreate{Source: `C:\m`}, false},
		{registry.VersionCreate{Source: "mlflow-artifacts:/0/r/artifacts"}, false},
		{registry.VersionCreate{Source: "http://h/api/2.0/mlflow-artifacts/artifacts/0/r"}, false},
		{registry.VersionCreate{Source: "s3://b/m\x00"}, false},
	} {
		if got := remoteSource(c.src); got != c.remote {
			t.Errorf("remoteSource(%q): %v, want %v", c.src.Source, got, c.remote)
			continue
		}
		if !c.remote {
			continue
		}
		src, err := resolveSource(context.Background(), nil, c.src)
		if err != nil || src != (versionSource{location: c.src.Source, runID: c.src.RunID}) {
			t.Errorf("resolveSource(%q) = %+v, %v; want the source as it is", c.src.Source, src, err)
		}
	}
}
