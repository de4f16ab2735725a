package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// mustOpenRegistryServer starts a Server with tracking, registry, webhooks
// and logged models on a fresh SQLite database.
func mustOpenRegistryServer(tb testing.TB) *httpapi.Server {
	tb.Helper()
	dir := tb.TempDir()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(dir, "weir.db"))
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	reg := sqlstore.NewRegistryService(db)
	srv.Registry, srv.Webhooks = reg, reg
	srv.LoggedModels = sqlstore.NewLoggedModelService(db)
	srv.Artifacts = artifact.NewDir(filepath.Join(dir, "artifacts"))
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.Deliveries.Backoff, srv.Deliveries.MaxBackoff = time.Millisecond, 5*time.Millisecond
	srv.Deliveries.AllowPrivateNetworks = true // test receivers listen on 127.0.0.1
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
	return srv
}

// TestRegistryClientAgainstSQLStore runs the registry and logged-model
// lifecycle through the Client against Weir on SQLite, with a webhook
// receiving the events.
func TestRegistryClientAgainstSQLStore(t *testing.T) {
	srv := mustOpenRegistryServer(t)
	rcv := newEventReceiver(t, "whsec")
	ctx := context.Background()
	c := httpapi.NewClient(srv.URL())
	hook, err := srv.Webhooks.CreateWebhook(ctx, registry.Webhook{Name: "ci", URL: rcv.URL, Secret: "whsec",
		Status: registry.WebhookActive, Events: []registry.WebhookEvent{
			{Entity: "MODEL_VERSION", Action: "CREATED"}, {Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"}}})
	if err != nil {
		t.Fatal(err)
	}

	exerciseRegistry(t, c, "bank-weir")
	exerciseLoggedModels(t, c)

	// Two versions and an alias; workers deliver concurrently, so in any
	// order.
	got := map[string][]string{}
	for _, ev := range rcv.wait(t, 3) {
		var data struct{ Name, Version string }
		if err := json.Unmarshal(ev.Data, &data); err != nil || data.Name != "bank-weir" {
			t.Errorf("event data: got %s (%v)", ev.Data, err)
		}
		got[ev.Entity+"."+ev.Action] = append(got[ev.Entity+"."+ev.Action], data.Version)
	}
	if len(got["model_version.created"]) != 2 || len(got["model_version_alias.created"]) != 1 || len(got) != 2 {
		t.Errorf("events: got %v, want two model_version.created and one model_version_alias.created", got)
	}

	// The test endpoint delivers synchronously, signed.
	resp := postJSON(t, srv.URL()+"/api/2.0/mlflow/webhooks/"+hook.ID+"/test", `{}`)
	if want := `{"result":{"success":true,"response_status":200,"response_body":"ok"}}`; resp != want {
		t.Errorf("test webhook: got %s, want %s", resp, want)
	}
	rcv.wait(t, 4)
}

// TestRegistryClientAgainstMLflow runs the same lifecycle against a real
// mlflow server (WEIR_MLFLOW_URL), to show the Client speaks MLflow's
// registry and logged-model protocol.
func TestRegistryClientAgainstMLflow(t *testing.T) {
	url := os.Getenv("WEIR_MLFLOW_URL")
	if url == "" {
		t.Skip("WEIR_MLFLOW_URL is not set")
	}
	c := httpapi.NewClient(url)
	exerciseRegistry(t, c, fmt.Sprintf("weir-registry-%d", time.Now().UnixNano()))
	exerciseLoggedModels(t, c)
}

func exerciseRegistry(t *testing.T, c *httpapi.Client, name string) {
	t.Helper()
	ctx := context.Background()
	m, err := c.CreateRegisteredModel(ctx, name, "bank model", []registry.Tag{{Key: "team", Value: "risk"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != name || m.Description != "bank model" || len(m.Tags) != 1 || m.CreationTimestamp == 0 {
		t.Errorf("created model: got %+v", m)
	}
	_, err = c.CreateRegisteredModel(ctx, name, "", nil)
	wantCode(t, "duplicate model", err, weir.ErrResourceAlreadyExists)
	_, err = c.GetRegisteredModel(ctx, name+"-nope")
	wantCode(t, "unknown model", err, weir.ErrResourceDoesNotExist)

	v1, err := c.CreateModelVersion(ctx, registry.VersionCreate{Name: name, Source: "s3://bucket/models/1",
		Tags: []registry.Tag{{Key: "k", Value: "v"}}, Description: "first"})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != "1" || v1.Source != "s3://bucket/models/1" || v1.CurrentStage != registry.StageNone || v1.Status != registry.StatusReady {
		t.Errorf("version 1: got %+v", v1)
	}
	if _, err := c.CreateModelVersion(ctx, registry.VersionCreate{Name: name, Source: "s3://bucket/models/2"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetRegisteredModelAlias(ctx, name, "champion", "1"); err != nil {
		t.Fatal(err)
	}
	byAlias, err := c.GetModelVersionByAlias(ctx, name, "champion")
	if err != nil || byAlias.Version != "1" || len(byAlias.Aliases) != 1 {
		t.Errorf("by alias: got %+v, %v", byAlias, err)
	}
	staged, err := c.TransitionModelVersionStage(ctx, name, "2", "staging", false)
	if err != nil || staged.CurrentStage != registry.StageStaging {
		t.Errorf("transition: got %+v, %v", staged, err)
	}
	latest, err := c.GetLatestVersions(ctx, name, []string{registry.StageStaging})
	if err != nil || len(latest) != 1 || latest[0].Version != "2" {
		t.Errorf("latest staging: got %v, %v", latest, err)
	}
	if err := c.SetModelVersionTag(ctx, name, "2", registry.Tag{Key: "auc", Value: "0.93"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteModelVersionTag(ctx, name, "2", "auc"); err != nil {
		t.Fatal(err)
	}
	upd, err := c.UpdateModelVersion(ctx, name, "2", "second")
	if err != nil || upd.Description != "second" {
		t.Errorf("update version: got %+v, %v", upd, err)
	}
	uri, err := c.GetModelVersionDownloadURI(ctx, name, "1")
	if err != nil || uri != "s3://bucket/models/1" {
		t.Errorf("download URI: got %q, %v", uri, err)
	}
	versions, _, err := c.SearchModelVersions(ctx, registry.Search{Filter: "name = '" + name + "'", OrderBy: []string{"version_number ASC"}})
	if err != nil || len(versions) != 2 || versions[0].Version != "1" {
		t.Errorf("search versions: got %d, %v", len(versions), err)
	}
	models, _, err := c.SearchRegisteredModels(ctx, registry.Search{Filter: "name = '" + name + "'", MaxResults: 5})
	if err != nil || len(models) != 1 || len(models[0].Aliases) != 1 {
		t.Errorf("search models: got %+v, %v", models, err)
	}
	if err := c.SetRegisteredModelTag(ctx, name, registry.Tag{Key: "owner", Value: "ana"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRegisteredModelTag(ctx, name, "owner"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateRegisteredModel(ctx, name, "updated"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteRegisteredModelAlias(ctx, name, "champion"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteModelVersion(ctx, name, "1"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModelVersion(ctx, name, "1")
	wantCode(t, "deleted version", err, weir.ErrResourceDoesNotExist)
	renamed, err := c.RenameRegisteredModel(ctx, name, name+"-renamed")
	if err != nil || renamed.Name != name+"-renamed" || renamed.Description != "updated" {
		t.Errorf("rename: got %+v, %v", renamed, err)
	}
	if err := c.DeleteRegisteredModel(ctx, name+"-renamed"); err != nil {
		t.Fatal(err)
	}
}

func exerciseLoggedModels(t *testing.T, c *httpapi.Client) {
	t.Helper()
	ctx := context.Background()
	expID, err := c.CreateExperiment(ctx, fmt.Sprintf("logged-models-%d", time.Now().UnixNano()), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.CreateLoggedModel(ctx, tracking.LoggedModelCreate{ExperimentID: expID, Name: "gbdt", ModelType: "classifier",
		Params: []tracking.Param{{Key: "depth", Value: "3"}}, Tags: []tracking.Tag{{Key: "t", Value: "v"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ModelID) != 34 || m.Status != tracking.LoggedModelPending || m.Name != "gbdt" || len(m.Params) != 1 {
		t.Errorf("created logged model: got %+v", m)
	}
	if err := c.LogLoggedModelParams(ctx, m.ModelID, []tracking.Param{{Key: "lr", Value: "0.1"}}); err != nil {
		t.Fatal(err)
	}
	tagged, err := c.SetLoggedModelTags(ctx, m.ModelID, []tracking.Tag{{Key: "stage", Value: "dev"}})
	if err != nil || len(tagged.Tags) != 2 {
		t.Errorf("set tags: got %+v, %v", tagged, err)
	}
	if err := c.DeleteLoggedModelTag(ctx, m.ModelID, "stage"); err != nil {
		t.Fatal(err)
	}
	ready, err := c.FinalizeLoggedModel(ctx, m.ModelID, tracking.LoggedModelReady)
	if err != nil || ready.Status != tracking.LoggedModelReady || len(ready.Params) != 2 || len(ready.Tags) != 1 {
		t.Errorf("finalized: got %+v, %v", ready, err)
	}
	found, _, err := c.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{expID},
		Filter: "name = 'gbdt'", OrderBy: []tracking.LoggedModelOrder{{FieldName: "creation_timestamp"}}, MaxResults: 10})
	if err != nil || len(found) != 1 || found[0].ModelID != m.ModelID {
		t.Errorf("search: got %d models, %v", len(found), err)
	}
	if err := c.DeleteLoggedModel(ctx, m.ModelID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetLoggedModel(ctx, m.ModelID)
	wantCode(t, "deleted logged model", err, weir.ErrResourceDoesNotExist)
}

// eventReceiver is a webhook receiver that checks signatures.
type eventReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	events []receivedEvent
	bad    []string
}

type receivedEvent struct {
	Entity, Action, Timestamp string
	Data                      json.RawMessage
}

func newEventReceiver(t *testing.T, secret string) *eventReceiver {
	r := &eventReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ev receivedEvent
		err := json.Unmarshal(body, &ev)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !webhook.Verify(secret, req.Header.Get(webhook.HeaderDeliveryID), req.Header.Get(webhook.HeaderTimestamp),
			body, req.Header.Get(webhook.HeaderSignature)) || err != nil {
			r.bad = append(r.bad, string(body))
		}
		r.events = append(r.events, ev)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(r.Close)
	return r
}

// wait returns the first n events once they arrived, in arrival order.
func (r *eventReceiver) wait(t *testing.T, n int) []receivedEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		got, bad := append([]receivedEvent(nil), r.events...), r.bad
		r.mu.Unlock()
		if len(bad) > 0 {
			t.Fatalf("deliveries with bad signatures: %q", bad)
		}
		if len(got) >= n {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("webhook receiver: fewer than %d events in 10 s", n)
	return nil
}

func postJSON(t *testing.T, url, body string) string {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}
