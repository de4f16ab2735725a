package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// registryDoubles are the test doubles behind a registry test server; they
// share one recorder, so calls are in the order the server made them.
type registryDoubles struct {
	rec      *recorder
	registry *fakeRegistry
	webhooks *fakeWebhooks
	models   *fakeLoggedModels
}

func newRegistryServer(t testing.TB) (*Server, *registryDoubles) {
	t.Helper()
	rec := &recorder{}
	d := &registryDoubles{rec: rec, registry: &fakeRegistry{recorder: rec},
		webhooks: &fakeWebhooks{recorder: rec}, models: &fakeLoggedModels{recorder: rec}}
	s := newTestServer(t, &fakeTracking{})
	s.Registry, s.Webhooks, s.LoggedModels = d.registry, d.webhooks, d.models
	return s, d
}

// runRegistryCases sends each case to a fresh server and checks the
// status, the error and the first store call.
func runRegistryCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, d := newRegistryServer(t)
			ctype := tc.ctype
			if ctype == "" && tc.body != "" {
				ctype = "application/json"
			}
			rec := do(t, s.Handler(), tc.method, tc.target, ctype, tc.body)
			want := tc.wantStatus
			if want == 0 {
				want = http.StatusOK
			}
			if rec.Code != want {
				t.Fatalf("status: got %d, want %d; body %s", rec.Code, want, rec.Body)
			}
			if tc.wantCode != "" {
				code, msg := errorFields(t, rec.Body.String())
				if code != tc.wantCode || msg != tc.wantMsg {
					t.Errorf("error: got %s %q, want %s %q", code, msg, tc.wantCode, tc.wantMsg)
				}
				if len(d.rec.calls) > 0 {
					t.Errorf("store called despite the error: %#v", d.rec.calls)
				}
			}
			if tc.wantCall != nil && !sameCall(d.rec.first(), tc.wantCall) {
				t.Errorf("store call:\n got %#v\nwant %#v", d.rec.first(), tc.wantCall)
			}
		})
	}
}

func missing(name string) string {
	return "Missing value for required parameter '" + name + "'." + seeDocs
}

func TestRegisteredModelRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/registered-models/"
	bad := weir.ErrInvalidParameterValue
	runRegistryCases(t, []apiCase{
		{name: "create", method: "POST", target: base + "create",
			body:     `{"name":"m","description":"d","tags":[{"key":"k","value":"v"}]}`,
			wantCall: callTo("CreateRegisteredModel", "m", "d", []registry.Tag{{Key: "k", Value: "v"}})},
		{name: "create minimal under ajax-api", method: "POST", target: "/ajax-api/2.0/mlflow/registered-models/create",
			body: `{"name":"m"}`, wantCall: callTo("CreateRegisteredModel", "m", "", []registry.Tag(nil))},
		{name: "create missing name", method: "POST", target: base + "create", body: `{"description":"d"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("name")},
		{name: "create tags not a list", method: "POST", target: base + "create", body: `{"name":"m","tags":"x"}`,
			wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value "x" for parameter 'tags' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "create tag value not a string", method: "POST", target: base + "create", body: `{"name":"m","tags":[{"key":"k","value":1}]}`,
			wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value 1 for parameter 'tags[0].value' supplied:  Hint: Value was of type 'int'.` + seeDocs},
		{name: "get", method: "GET", target: base + "get?name=a+b", wantCall: callTo("GetRegisteredModel", "a b")},
		{name: "get missing name", method: "GET", target: base + "get", wantStatus: 400, wantCode: bad, wantMsg: missing("name")},
		{name: "get by POST is 405", method: "POST", target: base + "get", body: `{}`, wantStatus: 405},
		{name: "rename", method: "POST", target: base + "rename", body: `{"name":"a","new_name":"b"}`,
			wantCall: callTo("RenameRegisteredModel", "a", "b")},
		{name: "rename missing new_name", method: "POST", target: base + "rename", body: `{"name":"a"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("new_name")},
		{name: "update is PATCH", method: "PATCH", target: base + "update", body: `{"name":"a","description":""}`,
			wantCall: callTo("UpdateRegisteredModel", "a", "")},
		{name: "update by POST is 405", method: "POST", target: base + "update", body: `{"name":"a"}`, wantStatus: 405},
		{name: "delete reads a DELETE body", method: "DELETE", target: base + "delete", body: `{"name":"a"}`,
			wantCall: callTo("DeleteRegisteredModel", "a")},
		{name: "delete without body", method: "DELETE", target: base + "delete",
			wantStatus: 400, wantCode: bad, wantMsg: missing("name")},
		{name: "search GET", method: "GET", target: base + "search?filter=name+LIKE+%27b%25%27&max_results=1000&order_by=name&order_by=timestamp+DESC&page_token=p",
			wantCall: callTo("SearchRegisteredModels", registry.Search{Filter: "name LIKE 'b%'", MaxResults: 1000,
				OrderBy: []string{"name", "timestamp DESC"}, PageToken: "p"})},
		{name: "search defaults", method: "GET", target: base + "search", wantCall: callTo("SearchRegisteredModels", registry.Search{})},
		{name: "search over the cap", method: "GET", target: base + "search?max_results=1001", wantStatus: 400, wantCode: bad,
			wantMsg: "Invalid value 1001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "search zero", method: "GET", target: base + "search?max_results=0", wantStatus: 400, wantCode: bad,
			wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "search max_results not a number", method: "GET", target: base + "search?max_results=ten", wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value "ten" for parameter 'max_results' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "latest versions POST", method: "POST", target: base + "get-latest-versions", body: `{"name":"m","stages":["Staging"]}`,
			wantCall: callTo("GetLatestVersions", "m", []string{"Staging"})},
		{name: "latest versions GET repeated stages", method: "GET", target: base + "get-latest-versions?name=m&stages=None&stages=Production",
			wantCall: callTo("GetLatestVersions", "m", []string{"None", "Production"})},
		{name: "latest versions no stages", method: "GET", target: base + "get-latest-versions?name=m",
			wantCall: callTo("GetLatestVersions", "m", []string(nil))},
		{name: "latest versions stages not strings", method: "POST", target: base + "get-latest-versions", body: `{"name":"m","stages":[1]}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid value [1] for parameter 'stages' supplied:  Hint: Value was of type 'list'.` + seeDocs},
		{name: "set tag", method: "POST", target: base + "set-tag", body: `{"name":"m","key":"k","value":""}`,
			wantCall: callTo("SetRegisteredModelTag", "m", registry.Tag{Key: "k"})},
		{name: "set tag missing key", method: "POST", target: base + "set-tag", body: `{"name":"m","value":"v"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("key")},
		{name: "delete tag", method: "DELETE", target: base + "delete-tag", body: `{"name":"m","key":"k"}`,
			wantCall: callTo("DeleteRegisteredModelTag", "m", "k")},
		{name: "set alias", method: "POST", target: base + "alias", body: `{"name":"m","alias":"champ","version":"2"}`,
			wantCall: callTo("SetRegisteredModelAlias", "m", "champ", "2")},
		{name: "set alias missing version", method: "POST", target: base + "alias", body: `{"name":"m","alias":"champ"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("version")},
		{name: "get alias", method: "GET", target: base + "alias?name=m&alias=champ", wantCall: callTo("GetModelVersionByAlias", "m", "champ")},
		{name: "delete alias", method: "DELETE", target: base + "alias", body: `{"name":"m","alias":"champ"}`,
			wantCall: callTo("DeleteRegisteredModelAlias", "m", "champ")},
		{name: "alias PUT is 405", method: "PUT", target: base + "alias", body: `{}`, wantStatus: 405},
	})
}

func TestModelVersionRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/model-versions/"
	bad := weir.ErrInvalidParameterValue
	runRegistryCases(t, []apiCase{
		{name: "create", method: "POST", target: base + "create",
			body: `{"name":"m","source":"s3://b/m","run_id":"r","tags":[{"key":"k","value":"v"}],"run_link":"l","description":"d","model_id":"m-1"}`,
			wantCall: callTo("CreateModelVersion", registry.VersionCreate{Name: "m", Source: "s3://b/m", RunID: "r",
				Tags: []registry.Tag{{Key: "k", Value: "v"}}, RunLink: "l", Description: "d", ModelID: "m-1"})},
		{name: "create missing source", method: "POST", target: base + "create", body: `{"name":"m"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("source")},
		{name: "create run_id not a string", method: "POST", target: base + "create", body: `{"name":"m","source":"s","run_id":7}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid value 7 for parameter 'run_id' supplied:  Hint: Value was of type 'int'.` + seeDocs},
		{name: "get", method: "GET", target: base + "get?name=m&version=3", wantCall: callTo("GetModelVersion", "m", "3")},
		{name: "get missing version", method: "GET", target: base + "get?name=m", wantStatus: 400, wantCode: bad, wantMsg: missing("version")},
		{name: "update", method: "PATCH", target: base + "update", body: `{"name":"m","version":"3","description":"new"}`,
			wantCall: callTo("UpdateModelVersion", "m", "3", "new")},
		{name: "delete", method: "DELETE", target: base + "delete", body: `{"name":"m","version":"3"}`,
			wantCall: callTo("DeleteModelVersion", "m", "3")},
		{name: "search", method: "GET", target: base + "search?filter=run_id+IN+(%27a%27)&max_results=200000&order_by=version_number+DESC",
			wantCall: callTo("SearchModelVersions", registry.Search{Filter: "run_id IN ('a')", MaxResults: 200000, OrderBy: []string{"version_number DESC"}})},
		{name: "search over the cap", method: "GET", target: base + "search?max_results=200001", wantStatus: 400, wantCode: bad,
			wantMsg: "Invalid value 200001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "download uri", method: "GET", target: base + "get-download-uri?name=m&version=3",
			wantCall: callTo("GetModelVersionDownloadURI", "m", "3")},
		{name: "transition", method: "POST", target: base + "transition-stage",
			body:     `{"name":"m","version":"3","stage":"production","archive_existing_versions":true}`,
			wantCall: callTo("TransitionModelVersionStage", "m", "3", "production", true)},
		{name: "transition archive absent is false", method: "POST", target: base + "transition-stage",
			body: `{"name":"m","version":"3","stage":"Archived"}`, wantCall: callTo("TransitionModelVersionStage", "m", "3", "Archived", false)},
		{name: "transition archive as string", method: "POST", target: base + "transition-stage",
			body:     `{"name":"m","version":"3","stage":"None","archive_existing_versions":"True"}`,
			wantCall: callTo("TransitionModelVersionStage", "m", "3", "None", true)},
		{name: "transition archive not a bool", method: "POST", target: base + "transition-stage",
			body: `{"name":"m","version":"3","stage":"None","archive_existing_versions":1}`, wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value 1 for parameter 'archive_existing_versions' supplied:  Hint: Value was of type 'int'.` + seeDocs},
		{name: "transition missing stage", method: "POST", target: base + "transition-stage", body: `{"name":"m","version":"3"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("stage")},
		{name: "set tag", method: "POST", target: base + "set-tag", body: `{"name":"m","version":"3","key":"k","value":"v"}`,
			wantCall: callTo("SetModelVersionTag", "m", "3", registry.Tag{Key: "k", Value: "v"})},
		{name: "delete tag", method: "DELETE", target: base + "delete-tag", body: `{"name":"m","version":"3","key":"k"}`,
			wantCall: callTo("DeleteModelVersionTag", "m", "3", "k")},
		{name: "delete tag missing key", method: "DELETE", target: base + "delete-tag", body: `{"name":"m","version":"3"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("key")},
	})
}

func TestLoggedModelRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/logged-models"
	const id = "m-0123456789abcdef0123456789abcdef"
	bad := weir.ErrInvalidParameterValue
	runRegistryCases(t, []apiCase{
		{name: "create", method: "POST", target: base,
			body: `{"experiment_id":"1","name":"n","model_type":"t","source_run_id":"r","params":[{"key":"p","value":"1"}],"tags":[{"key":"k","value":"v"}]}`,
			wantCall: callTo("CreateLoggedModel", tracking.LoggedModelCreate{ExperimentID: "1", Name: "n", ModelType: "t", SourceRunID: "r",
				Params: []tracking.Param{{Key: "p", Value: "1"}}, Tags: []tracking.Tag{{Key: "k", Value: "v"}}})},
		{name: "create missing experiment", method: "POST", target: base, body: `{"name":"n"}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("experiment_id")},
		{name: "create param value not a string", method: "POST", target: base, body: `{"experiment_id":"1","params":[{"key":"p","value":1}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: `Invalid value 1 for parameter 'params[0].value' supplied:  Hint: Value was of type 'int'.` + seeDocs},
		{name: "get", method: "GET", target: base + "/" + id, wantCall: callTo("GetLoggedModel", id)},
		{name: "get allow_deleted ignored", method: "GET", target: base + "/" + id + "?allow_deleted=true", wantCall: callTo("GetLoggedModel", id)},
		{name: "finalize", method: "PATCH", target: base + "/" + id, body: `{"model_id":"` + id + `","status":"LOGGED_MODEL_READY"}`,
			wantCall: callTo("FinalizeLoggedModel", id, tracking.LoggedModelReady)},
		{name: "finalize by number", method: "PATCH", target: base + "/" + id, body: `{"status":3}`,
			wantCall: callTo("FinalizeLoggedModel", id, tracking.LoggedModelUploadFailed)},
		{name: "finalize missing status", method: "PATCH", target: base + "/" + id, body: `{}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("status")},
		{name: "finalize bad status", method: "PATCH", target: base + "/" + id, body: `{"status":"DONE"}`, wantStatus: 400, wantCode: bad,
			wantMsg: `Invalid value "DONE" for parameter 'status' supplied: must be one of LOGGED_MODEL_PENDING, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.` + seeDocs},
		{name: "delete", method: "DELETE", target: base + "/" + id, wantCall: callTo("DeleteLoggedModel", id)},
		{name: "set tags", method: "PATCH", target: base + "/" + id + "/tags", body: `{"tags":[{"key":"a","value":"b"}]}`,
			wantCall: callTo("SetLoggedModelTags", id, []tracking.Tag{{Key: "a", Value: "b"}})},
		{name: "delete tag", method: "DELETE", target: base + "/" + id + "/tags/mlflow.note", wantCall: callTo("DeleteLoggedModelTag", id, "mlflow.note")},
		{name: "delete tag with slash", method: "DELETE", target: base + "/" + id + "/tags/a/b", wantCall: callTo("DeleteLoggedModelTag", id, "a/b")},
		{name: "log params", method: "POST", target: base + "/" + id + "/params", body: `{"model_id":"x","params":[{"key":"p","value":"v"}]}`,
			wantCall: callTo("LogLoggedModelParams", id, []tracking.Param{{Key: "p", Value: "v"}})},
		{name: "log params without params", method: "POST", target: base + "/" + id + "/params", body: `{}`,
			wantCall: callTo("LogLoggedModelParams", id, []tracking.Param(nil))},
		{name: "search", method: "POST", target: base + "/search",
			body: `{"experiment_ids":["1","2"],"filter":"metrics.auc > 0.9","datasets":[{"dataset_name":"test","dataset_digest":"abc"}],` +
				`"max_results":10,"order_by":[{"field_name":"metrics.auc","ascending":false,"dataset_name":"test"},{"field_name":"name"}],"page_token":"p"}`,
			wantCall: callTo("SearchLoggedModels", tracking.LoggedModelSearch{ExperimentIDs: []string{"1", "2"}, Filter: "metrics.auc > 0.9",
				Datasets: []tracking.Dataset{{Name: "test", Digest: "abc"}}, MaxResults: 10, PageToken: "p",
				OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc", DatasetName: "test"}, {FieldName: "name", Ascending: true}}})},
		{name: "search order without field", method: "POST", target: base + "/search", body: `{"order_by":[{"ascending":true}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("order_by[0].field_name")},
		{name: "search dataset without name", method: "POST", target: base + "/search", body: `{"datasets":[{"dataset_digest":"x"}]}`,
			wantStatus: 400, wantCode: bad, wantMsg: missing("datasets[0].dataset_name")},
		{name: "search max_results 0", method: "POST", target: base + "/search", body: `{"max_results":0}`,
			wantStatus: 400, wantCode: bad, wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "artifacts listing", method: "GET", target: base + "/" + id + "/artifacts/directories?artifact_directory_path=model",
			wantCall: callTo("GetLoggedModel", id)},
		{name: "artifacts traversal", method: "GET", target: base + "/" + id + "/artifacts/directories?artifact_directory_path=../x",
			wantStatus: 400, wantCode: bad, wantMsg: "Invalid path"},
	})
}

// TestVersionSourceRegex refuses sources outside the operator's allow-list
// before the store sees them, as MLflow's
// MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX does.
func TestVersionSourceRegex(t *testing.T) {
	s, d := newRegistryServer(t)
	s.VersionSourceRegex = regexp.MustCompile(`^mlflow-artifacts:/.*$`)
	h := s.Handler()
	rec := do(t, h, "POST", "/api/2.0/mlflow/model-versions/create", "application/json", `{"name":"m","source":"s3://b/m"}`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `Invalid model version source: 's3://b/m'.`) {
		t.Errorf("a source outside the allow-list: %d %s", rec.Code, rec.Body)
	}
	if len(d.rec.calls) != 0 {
		t.Errorf("the store was called: %v", d.rec.calls)
	}
	rec = do(t, h, "POST", "/api/2.0/mlflow/model-versions/create", "application/json", `{"name":"m","source":"mlflow-artifacts:/1/r/artifacts/m"}`)
	if rec.Code != 200 {
		t.Errorf("a source in the allow-list: %d %s", rec.Code, rec.Body)
	}
}
