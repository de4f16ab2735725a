package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
)

// mustDatasetHandler returns the API handler of a Server keeping datasets
// and scorers in a fresh SQLite database, and an experiment id in it.
func mustDatasetHandler(tb testing.TB) (http.Handler, string) {
	tb.Helper()
	db := sqlstore.NewDB("sqlite:///" + filepath.Join(tb.TempDir(), "weir.db"))
	if err := db.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	srv := httpapi.NewServer()
	srv.Tracking = sqlstore.NewTrackingService(db)
	srv.Datasets = sqlstore.NewDatasetService(db)
	srv.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	exp, err := srv.Tracking.CreateExperiment(context.Background(), "ds", "", nil)
	if err != nil {
		tb.Fatal(err)
	}
	return srv.Handler(), exp
}

func serve(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// answer decodes a JSON reply, failing unless its status is want.
func answer(t *testing.T, rec *httptest.ResponseRecorder, want int) map[string]any {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body %s", rec.Code, want, rec.Body)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("reply %q is not JSON: %v", rec.Body, err)
	}
	return m
}

func TestDatasetEndpoints(t *testing.T) {
	h, exp := mustDatasetHandler(t)
	const ds = "/api/3.0/mlflow/datasets"
	created := answer(t, serve(h, "POST", ds+"/create",
		`{"name": "qa", "experiment_ids": ["`+exp+`"], "tags": "{\"team\": \"ml\", \"n\": 3}"}`), 200)["dataset"].(map[string]any)
	id := created["dataset_id"].(string)
	if created["tags"] != `{"n": "3", "team": "ml"}` || created["experiment_ids"].([]any)[0] != exp {
		t.Errorf("created %v: want tags as Python's JSON and the experiment", created)
	}
	got := answer(t, serve(h, "POST", ds+"/"+id+"/records",
		`{"records": "[{\"inputs\": {\"q\": 1}}, {\"inputs\": {\"q\": 1}, \"outputs\": \"hi\"}]"}`), 200)
	if got["inserted_count"] != 1.0 || got["updated_count"] != 1.0 {
		t.Errorf("upsert counts %v, want 1 inserted and 1 updated", got)
	}
	page := answer(t, serve(h, "GET", ds+"/"+id+"/records?max_results=5", ""), 200)
	var recs []map[string]any
	if err := json.Unmarshal([]byte(page["records"].(string)), &recs); err != nil {
		t.Fatalf("records %q: %v", page["records"], err)
	}
	if len(recs) != 1 || recs[0]["outputs"] != "hi" || recs[0]["dataset_id"] != id {
		t.Errorf("records %v, want one with outputs hi", recs)
	}
	// The UI's prefix serves the same routes.
	answer(t, serve(h, "GET", "/ajax-api/3.0/mlflow/datasets/"+id, ""), 200)
	ids := answer(t, serve(h, "GET", ds+"/"+id+"/experiment-ids", ""), 200)
	if len(ids["experiment_ids"].([]any)) != 1 {
		t.Errorf("experiment ids %v, want one", ids)
	}
	found := answer(t, serve(h, "POST", ds+"/search", `{"filter_string": "name = 'qa'", "order_by": ["name"]}`), 200)
	if len(found["datasets"].([]any)) != 1 {
		t.Errorf("search %v, want one dataset", found)
	}
	found = answer(t, serve(h, "GET", ds+"/search?experiment_ids="+exp+"&filter_string=name+LIKE+%27q%25%27&max_results=1", ""), 200)
	if len(found["datasets"].([]any)) != 1 {
		t.Errorf("search by GET %v, want one dataset", found)
	}
	answer(t, serve(h, "DELETE", ds+"/"+id+"/tags/team", ""), 200)
	answer(t, serve(h, "DELETE", ds+"/"+id, ""), 200)
	answer(t, serve(h, "GET", ds+"/"+id, ""), 404)
}

func TestScorerEndpoints(t *testing.T) {
	h, exp := mustDatasetHandler(t)
	const sc = "/api/3.0/mlflow/scorers"
	reg := `{"experiment_id": "` + exp + `", "name": "rel", "serialized_scorer": "{\"builtin_scorer_class\": \"RelevanceToQuery\", \"call_source\": null}"}`
	v1 := answer(t, serve(h, "POST", sc+"/register", reg), 200)
	v2 := answer(t, serve(h, "POST", sc+"/register", reg), 200)
	if v1["version"] != 1.0 || v2["version"] != 2.0 || v1["scorer_id"] != v2["scorer_id"] || v1["experiment_id"] != exp {
		t.Errorf("registered %v then %v, want versions 1 and 2 of one scorer", v1, v2)
	}
	list := answer(t, serve(h, "GET", sc+"/list?experiment_id="+exp, ""), 200)["scorers"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["scorer_version"] != 2.0 {
		t.Errorf("list %v, want rel at version 2", list)
	}
	// Scorer messages carry the experiment id as a number, as MLflow's.
	if _, ok := list[0].(map[string]any)["experiment_id"].(float64); !ok {
		t.Errorf("experiment_id in %v is not a number", list[0])
	}
	one := answer(t, serve(h, "GET", sc+"/get?experiment_id="+exp+"&name=rel&version=1", ""), 200)["scorer"].(map[string]any)
	if one["scorer_version"] != 1.0 {
		t.Errorf("get version 1 = %v", one)
	}
	answer(t, serve(h, "GET", sc+"/online-configs?scorer_ids="+v1["scorer_id"].(string), ""), 200)
	answer(t, serve(h, "DELETE", sc+"/delete", `{"experiment_id": "`+exp+`", "name": "rel", "version": 1}`), 200)
	answer(t, serve(h, "DELETE", sc+"/delete", `{"experiment_id": "`+exp+`", "name": "rel"}`), 200)
	answer(t, serve(h, "GET", sc+"/versions?experiment_id="+exp+"&name=rel", ""), 404)
}

// Bad requests get MLflow's 400 INVALID_PARAMETER_VALUE with a message
// that names the field; none reaches the store as a 500.
func TestDatasetBadRequests(t *testing.T) {
	h, exp := mustDatasetHandler(t)
	created := answer(t, serve(h, "POST", "/api/3.0/mlflow/datasets/create", `{"name": "qa"}`), 200)
	id := created["dataset"].(map[string]any)["dataset_id"].(string)
	ds, sc := "/api/3.0/mlflow/datasets/"+id, "/api/3.0/mlflow/scorers"
	for _, c := range []struct {
		method, target, body, want string
	}{
		{"POST", "/api/3.0/mlflow/datasets/create", `{"name": "x", "tags": "[1]"}`, "Field 'tags' must hold a JSON object of tags"},
		{"POST", "/api/3.0/mlflow/datasets/create", `{"name": 5}`, "field 'name' holds a JSON number"},
		{"POST", ds + "/records", `{}`, "Missing value for required parameter 'records'."},
		{"POST", ds + "/records", `{"records": [1]}`, "field 'records' holds a JSON array"},
		{"POST", ds + "/records", `{"records": "[{\"inputs\": 3}]"}`, "Record 0 of 'records': 'inputs' must be a JSON object"},
		{"POST", ds + "/records", `{"records": "[{\"inputs\": {\"q\": 1}"}`, "must be a JSON array of records"},
		{"PATCH", ds + "/tags", `{}`, "Missing value for required parameter 'tags'."},
		{"PATCH", ds + "/tags", `{"tags": "nope"}`, "Field 'tags' must hold a JSON object"},
		{"GET", ds + "/records?max_results=ten", ``, "Invalid value 'ten' for parameter 'max_results'"},
		{"GET", ds + "/records?page_token=%25%25", ``, "Invalid page token"},
		{"POST", ds + "/add-experiments", `{"experiment_ids": ["x"]}`, "Invalid experiment ID 'x'"},
		{"POST", "/api/3.0/mlflow/datasets/search", `{"max_results": -1}`, "Invalid value -1 for parameter 'max_results'"},
		{"POST", "/api/3.0/mlflow/datasets/search", `{"filter_string": "name = 'a"}`, "unclosed quote"},
		{"POST", sc + "/register", `{"experiment_id": "` + exp + `", "name": "s"}`, "Missing value for required parameter 'serialized_scorer'."},
		{"POST", sc + "/register", `{"experiment_id": "` + exp + `", "name": "s", "serialized_scorer": "{\"ensemble\": [{\"call_source\": \"import os\"}]}"}`,
			"Custom scorer registration (using @scorer decorator) is disabled"},
		{"GET", sc + "/get?experiment_id=" + exp + "&name=s&version=abc", ``, "Invalid value 'abc' for parameter 'version'"},
		{"GET", sc + "/get?name=s", ``, "Missing value for required parameter 'experiment_id'."},
		{"GET", sc + "/list?experiment_id=1&experiment_ids=2", ``, "Cannot specify both 'experiment_id' and 'experiment_ids'"},
		{"DELETE", sc + "/delete", `{"experiment_id": "` + exp + `", "name": "s", "version": [1]}`, "Invalid value '[1]' for parameter 'version'"},
	} {
		rec := serve(h, c.method, c.target, c.body)
		body := answer(t, rec, 400)
		if body["error_code"] != "INVALID_PARAMETER_VALUE" || !strings.Contains(body["message"].(string), c.want) {
			t.Errorf("%s %s %s: %v, want INVALID_PARAMETER_VALUE containing %q", c.method, c.target, c.body, body, c.want)
		}
	}
}

func TestDatasetsNotServed(t *testing.T) {
	srv := httpapi.NewServer()
	for _, target := range []string{"/api/3.0/mlflow/datasets/d-1", "/api/3.0/mlflow/scorers/list"} {
		body := answer(t, serve(srv.Handler(), "GET", target, ""), 404)
		if body["error_code"] != "ENDPOINT_NOT_FOUND" {
			t.Errorf("GET %s without a dataset store: %v, want ENDPOINT_NOT_FOUND", target, body)
		}
	}
}
