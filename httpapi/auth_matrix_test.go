package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/ui"
)

const adminPassword = "admin-password-1"

// authServer is a Weir server with auth on, its base URL and the admin's
// credentials.
type authServer struct {
	tb   testing.TB
	url  string
	auth *auth.Service
}

// MustOpenAuthServer starts a Server with every service, auth on with the
// given default permission and an admin "admin", on a database opened by
// open (SQLite or PostgreSQL).
func MustOpenAuthServer(tb testing.TB, uri string, def auth.Permission) *authServer {
	tb.Helper()
	dir := tb.TempDir()
	if uri == "" {
		uri = "sqlite:///" + filepath.Join(dir, "weir.db")
	}
	db := sqlstore.NewDB(uri)
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	a := auth.NewService(sqlstore.NewAuthStore(db))
	a.DefaultPermission = def
	if err := a.Bootstrap(context.Background(), "admin", adminPassword); err != nil {
		tb.Fatal(err)
	}
	srv := httpapi.NewServer()
	srv.Addr = "127.0.0.1:0"
	srv.Tracking = sqlstore.NewTrackingService(db)
	reg := sqlstore.NewRegistryService(db)
	srv.Registry, srv.Webhooks = reg, reg
	srv.LoggedModels = sqlstore.NewLoggedModelService(db)
	srv.Traces = sqlstore.NewTraceService(db)
	srv.Datasets = sqlstore.NewDatasetService(db)
	srv.Artifacts = artifact.NewDir(filepath.Join(dir, "artifacts"))
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv.EnableAuth(a)
	page := ui.NewHandler(srv.Tracking, srv.Registry, srv.Artifacts)
	page.LoggedModels = srv.LoggedModels
	page.Auth = a
	page.Logger = srv.Logger
	srv.UI = page
	if err := srv.Open(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		srv.Close()
		db.Close()
	})
	return &authServer{tb: tb, url: srv.URL(), auth: a}
}

// cred is how a request authenticates: a user's password or a bearer token.
type cred struct {
	user, password, token string
}

var adminCred = cred{user: "admin", password: adminPassword}

// do sends a request and returns the status and the body.
func (s *authServer) do(c cred, method, path string, body any) (int, []byte) {
	s.tb.Helper()
	var rd io.Reader
	contentType := "application/json"
	if form, ok := body.(url.Values); ok {
		rd, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.tb.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.tb.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.user != "":
		req.SetBasicAuth(c.user, c.password)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		s.tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// noRedirects shows redirects (the UI's answer to a form) as they are.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// must sends a request that must succeed and decodes its answer.
func (s *authServer) must(c cred, method, path string, body any) map[string]any {
	s.tb.Helper()
	code, b := s.do(c, method, path, body)
	if code != http.StatusOK {
		s.tb.Fatalf("%s %s as %s: status %d, body %s", method, path, c.user, code, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		s.tb.Fatalf("%s %s: %v", method, path, err)
	}
	return out
}

// mustUser creates a user and returns its credentials.
func (s *authServer) mustUser(name string) cred {
	s.tb.Helper()
	c := cred{user: name, password: name + "-password-1"}
	s.must(adminCred, "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": c.user, "password": c.password})
	return c
}

// fixture is one set of resources, made by their owner: an experiment
// with a run (a tag, a metric, an artifact), a registered model with
// version 1 (a tag, an alias) and a logged model.
type fixture struct {
	exp, expName, run, model, loggedModel, trace, dataset string
}

// startTraceBody is a StartTraceV3 request for trace id in experiment exp.
func startTraceBody(id, exp string) map[string]any {
	return map[string]any{"trace": map[string]any{"trace_info": map[string]any{
		"trace_id": id, "trace_location": map[string]any{"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": map[string]any{"experiment_id": exp}},
		"request_time": "2026-01-02T03:04:05.678Z", "execution_duration": "0.020s", "state": "OK",
		"tags": map[string]any{"t": "v"}}}}
}

func (s *authServer) mustFixture(owner cred, n int) fixture {
	s.tb.Helper()
	f := fixture{expName: fmt.Sprintf("exp-%s-%d", owner.user, n), model: fmt.Sprintf("model-%s-%d", owner.user, n)}
	f.exp = s.must(owner, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": f.expName})["experiment_id"].(string)
	s.must(owner, "POST", "/api/2.0/mlflow/experiments/set-experiment-tag", map[string]any{"experiment_id": f.exp, "key": "t", "value": "v"})
	run := s.must(owner, "POST", "/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": f.exp})
	f.run = run["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)
	s.must(owner, "POST", "/api/2.0/mlflow/runs/set-tag", map[string]any{"run_id": f.run, "key": "t", "value": "v"})
	s.must(owner, "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": f.run, "key": "m", "value": 1, "timestamp": 1, "step": 0})
	if code, b := s.do(owner, "PUT", "/api/2.0/mlflow-artifacts/artifacts/"+f.artifact(), "x"); code != http.StatusOK {
		s.tb.Fatalf("upload artifact: %d %s", code, b)
	}
	s.must(owner, "POST", "/api/2.0/mlflow/registered-models/create", map[string]any{"name": f.model})
	s.must(owner, "POST", "/api/2.0/mlflow/registered-models/set-tag", map[string]any{"name": f.model, "key": "t", "value": "v"})
	s.must(owner, "POST", "/api/2.0/mlflow/model-versions/create", map[string]any{"name": f.model, "source": "runs:/" + f.run + "/model", "run_id": f.run})
	s.must(owner, "POST", "/api/2.0/mlflow/model-versions/set-tag", map[string]any{"name": f.model, "version": "1", "key": "t", "value": "v"})
	s.must(owner, "POST", "/api/2.0/mlflow/registered-models/alias", map[string]any{"name": f.model, "alias": "champion", "version": "1"})
	lm := s.must(owner, "POST", "/api/2.0/mlflow/logged-models", map[string]any{"experiment_id": f.exp, "name": "lm"})
	f.loggedModel = lm["model"].(map[string]any)["info"].(map[string]any)["model_id"].(string)
	s.must(owner, "PATCH", "/api/2.0/mlflow/logged-models/"+f.loggedModel+"/tags", map[string]any{"tags": []any{map[string]any{"key": "t", "value": "v"}}})
	f.trace = fmt.Sprintf("tr-%016x%016x", n, len(owner.user))
	s.must(owner, "POST", "/api/3.0/mlflow/traces", startTraceBody(f.trace, f.exp))
	ds := s.must(owner, "POST", "/api/3.0/mlflow/datasets/create", map[string]any{"name": "ds", "experiment_ids": []any{f.exp}})
	f.dataset = ds["dataset"].(map[string]any)["dataset_id"].(string)
	s.must(owner, "POST", "/api/3.0/mlflow/datasets/"+f.dataset+"/records", map[string]any{"records": `[{"inputs": {"q": "1+1"}, "expectations": {"a": "2"}}]`})
	return f
}

// artifact is the path of the fixture's artifact file under the proxy.
func (f fixture) artifact() string { return f.exp + "/" + f.run + "/artifacts/f.txt" }

// snapshot is everything an admin can read about a fixture, to show that a
// refused request changed nothing.
func (s *authServer) snapshot(f fixture) string {
	var b strings.Builder
	for _, p := range []string{
		"/api/2.0/mlflow/experiments/get?experiment_id=" + f.exp,
		"/api/2.0/mlflow/runs/get?run_id=" + f.run,
		"/api/2.0/mlflow/metrics/get-history?run_id=" + f.run + "&metric_key=m",
		"/api/2.0/mlflow/registered-models/get?name=" + f.model,
		"/api/2.0/mlflow/model-versions/search?filter=" + "name%3D%27" + f.model + "%27",
		"/api/2.0/mlflow/logged-models/" + f.loggedModel,
		"/api/2.0/mlflow-artifacts/artifacts?path=" + f.exp + "/" + f.run + "/artifacts",
		"/api/2.0/mlflow-artifacts/artifacts/" + f.artifact(),
		"/api/2.0/mlflow/experiments/permissions/get?experiment_id=" + f.exp + "&username=third",
		"/api/3.0/mlflow/traces/get?trace_id=" + f.trace,
		"/api/3.0/mlflow/datasets/" + f.dataset,
		"/api/3.0/mlflow/datasets/" + f.dataset + "/records",
	} {
		code, body := s.do(adminCred, "GET", p, nil)
		fmt.Fprintf(&b, "%s %d %s\n", p, code, body)
	}
	return b.String()
}

// endpoint is one API call made on a fixture, and what it needs.
type endpoint struct {
	name   string
	action auth.Action // 0: any user; -1: admins only
	prep   func(s *authServer, f fixture)
	call   func(f fixture) (method, path string, body any)
	ok     int // the status of success; 0 means 200
}

const adminOnlyAction auth.Action = -1

func get(path string) func(fixture) (string, string, any) {
	return func(fixture) (string, string, any) { return "GET", path, nil }
}

// endpoints lists every API endpoint a permission governs.
var endpoints = []endpoint{
	{name: "experiments/get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/experiments/get?experiment_id=" + f.exp, nil
	}},
	{name: "experiments/get-by-name", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + f.expName, nil
	}},
	{name: "experiments/update", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/update", map[string]any{"experiment_id": f.exp, "new_name": f.expName + "-renamed"}
	}},
	{name: "experiments/delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/delete", map[string]any{"experiment_id": f.exp}
	}},
	{name: "experiments/restore", action: auth.ActionDelete,
		prep: func(s *authServer, f fixture) {
			s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/delete", map[string]any{"experiment_id": f.exp})
		},
		call: func(f fixture) (string, string, any) {
			return "POST", "/api/2.0/mlflow/experiments/restore", map[string]any{"experiment_id": f.exp}
		}},
	{name: "experiments/set-experiment-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/set-experiment-tag", map[string]any{"experiment_id": f.exp, "key": "k", "value": "v"}
	}},
	{name: "experiments/delete-experiment-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/delete-experiment-tag", map[string]any{"experiment_id": f.exp, "key": "t"}
	}},
	{name: "experiments/permissions/create", action: auth.ActionManage, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/permissions/create", map[string]any{"experiment_id": f.exp, "username": "third", "permission": "EDIT"}
	}},
	{name: "users/permissions/grant", action: auth.ActionManage, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/users/permissions/grant", map[string]any{"username": "third", "resource_type": "experiment", "resource_id": f.exp, "permission": "MANAGE"}
	}},

	{name: "runs/create", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": f.exp}
	}},
	{name: "runs/get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/runs/get?run_id=" + f.run, nil
	}},
	{name: "runs/update", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/update", map[string]any{"run_id": f.run, "status": "FINISHED"}
	}},
	{name: "runs/delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/delete", map[string]any{"run_id": f.run}
	}},
	{name: "runs/restore", action: auth.ActionDelete,
		prep: func(s *authServer, f fixture) {
			s.must(adminCred, "POST", "/api/2.0/mlflow/runs/delete", map[string]any{"run_id": f.run})
		},
		call: func(f fixture) (string, string, any) {
			return "POST", "/api/2.0/mlflow/runs/restore", map[string]any{"run_id": f.run}
		}},
	{name: "runs/set-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/set-tag", map[string]any{"run_id": f.run, "key": "k", "value": "v"}
	}},
	{name: "runs/delete-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/delete-tag", map[string]any{"run_id": f.run, "key": "t"}
	}},
	{name: "runs/log-parameter", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/log-parameter", map[string]any{"run_id": f.run, "key": "p", "value": "1"}
	}},
	{name: "runs/log-metric", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": f.run, "key": "m", "value": 2, "timestamp": 2, "step": 1}
	}},
	{name: "runs/log-batch", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/log-batch", map[string]any{"run_id": f.run,
			"metrics": []any{map[string]any{"key": "m", "value": 3, "timestamp": 3, "step": 2}}}
	}},
	{name: "runs/log-inputs", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/log-inputs", map[string]any{"run_id": f.run, "datasets": []any{map[string]any{
			"dataset": map[string]any{"name": "d", "digest": "abc", "source_type": "local", "source": "{}"}}}}
	}},
	{name: "runs/outputs", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/outputs", map[string]any{"run_id": f.run, "models": []any{map[string]any{"model_id": f.loggedModel, "step": 0}}}
	}},
	{name: "runs/log-model", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/runs/log-model", map[string]any{"run_id": f.run,
			"model_json": `{"artifact_path": "model", "flavors": {}, "utc_time_created": "2024-01-01 00:00:00.000000", "run_id": "` + f.run + `"}`}
	}},
	{name: "metrics/get-history", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/metrics/get-history?run_id=" + f.run + "&metric_key=m", nil
	}},
	{name: "metrics/get-history-bulk-interval", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + f.run + "&metric_key=m&max_results=10", nil
	}},
	{name: "ajax metrics/get-history-bulk", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=" + f.run + "&metric_key=m", nil
	}},
	{name: "artifacts/list", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/artifacts/list?run_id=" + f.run, nil
	}},
	{name: "get-artifact", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/get-artifact?run_id=" + f.run + "&path=f.txt", nil
	}},
	{name: "ajax upload-artifact", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=" + f.run + "&path=g.txt", "y"
	}},
	{name: "mlflow-artifacts list", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + f.exp + "/" + f.run + "/artifacts", nil
	}},
	{name: "mlflow-artifacts download", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow-artifacts/artifacts/" + f.artifact(), nil
	}},
	{name: "mlflow-artifacts upload", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PUT", "/api/2.0/mlflow-artifacts/artifacts/" + f.artifact(), "overwritten"
	}},
	{name: "mlflow-artifacts delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow-artifacts/artifacts/" + f.artifact(), nil
	}},

	{name: "registered-models/get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/registered-models/get?name=" + f.model, nil
	}},
	{name: "registered-models/rename", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/rename", map[string]any{"name": f.model, "new_name": f.model + "-renamed"}
	}},
	{name: "registered-models/update", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/2.0/mlflow/registered-models/update", map[string]any{"name": f.model, "description": "d"}
	}},
	{name: "registered-models/delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/registered-models/delete", map[string]any{"name": f.model}
	}},
	{name: "registered-models/get-latest-versions", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/get-latest-versions", map[string]any{"name": f.model}
	}},
	{name: "registered-models/set-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/set-tag", map[string]any{"name": f.model, "key": "k", "value": "v"}
	}},
	{name: "registered-models/delete-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/registered-models/delete-tag", map[string]any{"name": f.model, "key": "t"}
	}},
	{name: "registered-models/alias set", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/alias", map[string]any{"name": f.model, "alias": "other", "version": "1"}
	}},
	{name: "registered-models/alias delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/registered-models/alias", map[string]any{"name": f.model, "alias": "champion"}
	}},
	{name: "registered-models/alias get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/registered-models/alias?name=" + f.model + "&alias=champion", nil
	}},
	{name: "registered-models/permissions/create", action: auth.ActionManage, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/permissions/create", map[string]any{"name": f.model, "username": "third", "permission": "READ"}
	}},
	{name: "model-versions/create", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/model-versions/create", map[string]any{"name": f.model, "source": "runs:/" + f.run + "/model", "run_id": f.run}
	}},
	{name: "model-versions/get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/model-versions/get?name=" + f.model + "&version=1", nil
	}},
	{name: "model-versions/update", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/2.0/mlflow/model-versions/update", map[string]any{"name": f.model, "version": "1", "description": "d"}
	}},
	{name: "model-versions/delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/model-versions/delete", map[string]any{"name": f.model, "version": "1"}
	}},
	{name: "model-versions/get-download-uri", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/model-versions/get-download-uri?name=" + f.model + "&version=1", nil
	}},
	{name: "model-versions/transition-stage", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/model-versions/transition-stage", map[string]any{"name": f.model, "version": "1", "stage": "Staging", "archive_existing_versions": false}
	}},
	{name: "model-versions/set-tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/model-versions/set-tag", map[string]any{"name": f.model, "version": "1", "key": "k", "value": "v"}
	}},
	{name: "model-versions/delete-tag", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/model-versions/delete-tag", map[string]any{"name": f.model, "version": "1", "key": "t"}
	}},

	{name: "logged-models create", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/logged-models", map[string]any{"experiment_id": f.exp, "name": "lm2"}
	}},
	{name: "logged-models get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/2.0/mlflow/logged-models/" + f.loggedModel, nil
	}},
	{name: "logged-models finalize", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/2.0/mlflow/logged-models/" + f.loggedModel, map[string]any{"model_id": f.loggedModel, "status": "LOGGED_MODEL_READY"}
	}},
	{name: "logged-models delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/logged-models/" + f.loggedModel, nil
	}},
	{name: "logged-models set tags", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/2.0/mlflow/logged-models/" + f.loggedModel + "/tags", map[string]any{"tags": []any{map[string]any{"key": "k", "value": "v"}}}
	}},
	{name: "logged-models delete tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/2.0/mlflow/logged-models/" + f.loggedModel + "/tags/t", nil
	}},
	{name: "logged-models params", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/logged-models/" + f.loggedModel + "/params", map[string]any{"params": []any{map[string]any{"key": "p", "value": "1"}}}
	}},

	// MLflow 3 traces and their assessments, on the experiment's permissions.
	{name: "traces get info", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/3.0/mlflow/traces/" + f.trace, nil
	}},
	{name: "traces get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/3.0/mlflow/traces/get?trace_id=" + f.trace, nil
	}},
	{name: "traces search", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/traces/search", map[string]any{"locations": []any{map[string]any{
			"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": map[string]any{"experiment_id": f.exp}}}}
	}},
	{name: "traces start", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/traces", startTraceBody(f.trace[:len(f.trace)-1]+"f", f.exp)
	}},
	{name: "traces set tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/3.0/mlflow/traces/" + f.trace + "/tags", map[string]any{"key": "k", "value": "v"}
	}},
	{name: "traces delete tag", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/3.0/mlflow/traces/" + f.trace + "/tags?key=t", nil
	}},
	{name: "traces link to run", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/traces/link-to-run", map[string]any{"trace_ids": []any{f.trace}, "run_id": f.run}
	}},
	{name: "traces assessment", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/traces/" + f.trace + "/assessments", map[string]any{"assessment": map[string]any{
			"assessment_name": "ok", "feedback": map[string]any{"value": 1}}}
	}},
	{name: "traces delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/traces/delete-traces", map[string]any{"experiment_id": f.exp, "request_ids": []any{f.trace}}
	}},

	// GenAI evaluation datasets, on the permissions of their experiments.
	{name: "datasets get", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/3.0/mlflow/datasets/" + f.dataset, nil
	}},
	{name: "datasets records", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/api/3.0/mlflow/datasets/" + f.dataset + "/records", nil
	}},
	{name: "datasets search", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/datasets/search", map[string]any{"experiment_ids": []any{f.exp}}
	}},
	{name: "datasets create", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/datasets/create", map[string]any{"name": "ds2", "experiment_ids": []any{f.exp}}
	}},
	{name: "datasets upsert", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "POST", "/api/3.0/mlflow/datasets/" + f.dataset + "/records", map[string]any{"records": `[{"inputs": {"q": "2+2"}}]`}
	}},
	{name: "datasets tags", action: auth.ActionUpdate, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/3.0/mlflow/datasets/" + f.dataset + "/tags", map[string]any{"tags": `{"k": "v"}`}
	}},
	{name: "datasets delete", action: auth.ActionDelete, call: func(f fixture) (string, string, any) {
		return "DELETE", "/api/3.0/mlflow/datasets/" + f.dataset, nil
	}},

	{name: "experiments/create", action: 0, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": f.expName + "-new"}
	}},
	{name: "registered-models/create", action: 0, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/registered-models/create", map[string]any{"name": f.model + "-new"}
	}},
	{name: "webhooks list", action: adminOnlyAction, call: get("/api/2.0/mlflow/webhooks")},

	// The web UI's pages and forms, held to the same permissions.
	{name: "ui experiment page", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/experiments/" + f.exp, nil
	}},
	{name: "ui run page", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/runs/" + f.run, nil
	}},
	{name: "ui artifacts page", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/runs/" + f.run + "/artifacts", nil
	}},
	{name: "ui artifact download", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/runs/" + f.run + "/download?path=f.txt", nil
	}},
	{name: "ui chart series", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/ui-data/series?run=" + f.run + "&key=m", nil
	}},
	{name: "ui model page", action: auth.ActionRead, call: func(f fixture) (string, string, any) {
		return "GET", "/model?name=" + f.model, nil
	}},
	{name: "ui rename experiment", action: auth.ActionUpdate, ok: http.StatusSeeOther, call: func(f fixture) (string, string, any) {
		return "POST", "/experiments/" + f.exp + "/rename", url.Values{"name": {f.expName + "-ui"}}
	}},
	{name: "ui delete experiment", action: auth.ActionDelete, ok: http.StatusSeeOther, call: func(f fixture) (string, string, any) {
		return "POST", "/experiments/" + f.exp + "/delete", url.Values{}
	}},
	{name: "ui model description", action: auth.ActionUpdate, ok: http.StatusSeeOther, call: func(f fixture) (string, string, any) {
		return "POST", "/model/description", url.Values{"name": {f.model}, "description": {"ui"}}
	}},
	{name: "ui model alias", action: auth.ActionUpdate, ok: http.StatusSeeOther, call: func(f fixture) (string, string, any) {
		return "POST", "/model/alias", url.Values{"name": {f.model}, "alias": {"ui"}, "version": {"1"}}
	}},
	{name: "users/create", action: adminOnlyAction, call: func(f fixture) (string, string, any) {
		return "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": "x" + f.exp, "password": "a-long-password"}
	}},
	{name: "users/update-admin", action: adminOnlyAction, call: func(f fixture) (string, string, any) {
		return "PATCH", "/api/2.0/mlflow/users/update-admin", map[string]any{"username": "third", "is_admin": true}
	}},
}

// level is what the caller may do in one column of the matrix: a grant
// (or none) under a server default, through a password or a read-only
// token.
type level struct {
	name      string
	def       auth.Permission
	grant     auth.Permission // "" for no grant
	readToken bool
	admin     bool
}

var levels = []level{
	{name: "admin", def: auth.NoPermissions, admin: true},
	{name: "grant NO_PERMISSIONS", def: auth.NoPermissions, grant: auth.NoPermissions},
	{name: "grant READ", def: auth.NoPermissions, grant: auth.Read},
	{name: "grant USE", def: auth.NoPermissions, grant: auth.Use},
	{name: "grant EDIT", def: auth.NoPermissions, grant: auth.Edit},
	{name: "grant MANAGE", def: auth.NoPermissions, grant: auth.Manage},
	{name: "grant MANAGE, read token", def: auth.NoPermissions, grant: auth.Manage, readToken: true},
	{name: "default NO_PERMISSIONS", def: auth.NoPermissions},
	{name: "default READ", def: auth.Read},
	{name: "default EDIT", def: auth.Edit},
	{name: "default MANAGE", def: auth.Manage},
	{name: "grant READ over default MANAGE", def: auth.Manage, grant: auth.Read},
}

// allowed is what the matrix expects of an endpoint at a level.
func (l level) allowed(a auth.Action) bool {
	if l.readToken && a != auth.ActionRead {
		return false
	}
	switch {
	case l.admin:
		return true
	case a == adminOnlyAction:
		return false
	case a == 0:
		return true
	}
	p := l.def
	if l.grant != "" {
		p = l.grant
	}
	return p.Allows(a)
}

// TestPermissionMatrix calls every endpoint at every permission level on
// fresh resources: an allowed call must succeed, a refused one must answer
// 403 and leave everything an admin can see unchanged.
func TestPermissionMatrix(t *testing.T) { testPermissionMatrix(t, nil) }

func testPermissionMatrix(t *testing.T, uri func(testing.TB) string) {
	servers := map[auth.Permission]*authServer{}
	n := 0
	var unauthorized, refused, served int
	for i, l := range levels {
		s := servers[l.def]
		if s == nil {
			dbURI := ""
			if uri != nil {
				dbURI = uri(t)
			}
			s = MustOpenAuthServer(t, dbURI, l.def)
			s.mustUser("owner")
			s.mustUser("third")
			servers[l.def] = s
		}
		owner := cred{user: "owner", password: "owner-password-1"}
		caller := adminCred
		if !l.admin {
			caller = s.mustUser(fmt.Sprintf("user%d", i))
		}
		if l.readToken {
			tok := s.must(caller, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "ro", "scopes": []string{"read"}})
			caller = cred{user: caller.user + " (read token)", token: tok["secret"].(string)}
		}
		for _, ep := range endpoints {
			t.Run(l.name+"/"+ep.name, func(t *testing.T) {
				s.tb = t
				n++
				f := s.mustFixture(owner, n)
				if ep.prep != nil {
					ep.prep(s, f)
				}
				if l.grant != "" {
					user := strings.TrimSuffix(caller.user, " (read token)")
					s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/permissions/create",
						map[string]any{"experiment_id": f.exp, "username": user, "permission": string(l.grant)})
					s.must(adminCred, "POST", "/api/2.0/mlflow/registered-models/permissions/create",
						map[string]any{"name": f.model, "username": user, "permission": string(l.grant)})
				}
				before := s.snapshot(f)
				method, path, body := ep.call(f)
				code, got := s.do(caller, method, path, body)
				if l.allowed(ep.action) {
					served++
					want := ep.ok
					if want == 0 {
						want = http.StatusOK
					}
					if code != want {
						t.Errorf("%s %s: status %d, want %d; body %.300s", method, path, code, want, got)
					}
					return
				}
				refused++
				if code != http.StatusForbidden {
					unauthorized++
					t.Errorf("%s %s: status %d, want 403; body %.300s", method, path, code, got)
				}
				if after := s.snapshot(f); after != before {
					unauthorized++
					t.Errorf("%s %s was refused but changed what an admin sees:\nbefore:\n%s\nafter:\n%s", method, path, before, after)
				}
			})
		}
	}
	t.Logf("%d endpoints x %d levels: %d calls served, %d refused, %d unauthorized reads or writes",
		len(endpoints), len(levels), served, refused, unauthorized)
}
