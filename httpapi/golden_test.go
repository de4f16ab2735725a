package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	stdflag "flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

var update = stdflag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares a JSON response body, indented, with
// testdata/name.json.
func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, body)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
}

func TestResponseEncoding(t *testing.T) {
	var last any
	fake := recordingFake(&last)
	store := artifact.NewDir(t.TempDir())
	ctx := context.Background()
	for _, p := range []string{"1/0123456789abcdef0123456789abcdef/artifacts/model/MLmodel",
		"1/0123456789abcdef0123456789abcdef/artifacts/model/model.json",
		"1/0123456789abcdef0123456789abcdef/artifacts/roc.png"} {
		if err := store.Put(ctx, p, bytes.NewReader([]byte("12345"))); err != nil {
			t.Fatal(err)
		}
	}
	s := newTestServer(t, fake)
	s.Artifacts = store
	cases := []struct {
		name, method, target, body string
		setup                      func()
	}{
		{"experiment", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=1", "", nil},
		{"experiment_create", "POST", "/api/2.0/mlflow/experiments/create", `{"name":"x"}`, nil},
		{"experiments_search", "POST", "/api/2.0/mlflow/experiments/search", `{}`, nil},
		{"experiments_search_empty", "POST", "/api/2.0/mlflow/experiments/search", `{}`, func() {
			fake.SearchExperimentsFn = func(context.Context, tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
				return nil, "", nil
			}
		}},
		{"run", "GET", "/api/2.0/mlflow/runs/get?run_id=r1", "", nil},
		{"run_bare", "GET", "/api/2.0/mlflow/runs/get?run_id=r2", "", func() {
			fake.GetRunFn = func(context.Context, string) (*tracking.Run, error) { return bareRun(), nil }
		}},
		{"run_update", "POST", "/api/2.0/mlflow/runs/update", `{"run_id":"r1","status":"FINISHED"}`, nil},
		{"runs_search", "POST", "/api/2.0/mlflow/runs/search", `{"experiment_ids":["1"]}`, func() {
			fake.SearchRunsFn = func(context.Context, tracking.RunSearch) ([]*tracking.Run, string, error) {
				return []*tracking.Run{sampleRun(), bareRun()}, "tok2", nil
			}
		}},
		{"empty_response", "POST", "/api/2.0/mlflow/runs/set-tag", `{"run_id":"r","key":"k","value":"v"}`, nil},
		{"metric_history", "GET", "/api/2.0/mlflow/metrics/get-history?run_id=r1&metric_key=auc", "", nil},
		{"metric_bulk_interval", "GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=r1&metric_key=auc", "", nil},
		{"metric_bulk_ajax", "GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=r2&run_id=r1&metric_key=auc", "", nil},
		{"artifacts_root", "GET", "/api/2.0/mlflow/artifacts/list?run_id=r1", "", func() {
			fake.GetRunFn = func(context.Context, string) (*tracking.Run, error) { return sampleRun(), nil }
		}},
		{"artifacts_dir", "GET", "/api/2.0/mlflow/artifacts/list?run_id=r1&path=model", "", nil},
		{"artifacts_missing_dir", "GET", "/api/2.0/mlflow/artifacts/list?run_id=r1&path=nothing", "", nil},
		{"server_info", "GET", "/api/3.0/mlflow/server-info", "", nil},
		{"error_not_found", "GET", "/api/2.0/mlflow/experiments/get?experiment_id=9", "", func() {
			fake.GetExperimentFn = func(context.Context, string) (*tracking.Experiment, error) {
				return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "No Experiment with id=9 exists")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			rec := do(t, s.Handler(), tc.method, tc.target, ctypeFor(tc.body), tc.body)
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
			checkGolden(t, tc.name, rec.Body.Bytes())
		})
	}
}

func ctypeFor(body string) string {
	if body == "" {
		return ""
	}
	return "application/json"
}

func TestErrorStatuses(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
	}{
		{"does not exist", weir.Errorf(weir.ErrResourceDoesNotExist, "Run with id=x not found"), 404,
			weir.ErrResourceDoesNotExist, "Run with id=x not found"},
		{"already exists is 400", weir.Errorf(weir.ErrResourceAlreadyExists, "Experiment 'e' already exists."), 400,
			weir.ErrResourceAlreadyExists, "Experiment 'e' already exists."},
		{"invalid parameter", weir.Errorf(weir.ErrInvalidParameterValue, "bad"), 400, weir.ErrInvalidParameterValue, "bad"},
		{"invalid state is 500", weir.Errorf(weir.ErrInvalidState, "deleted"), 500, weir.ErrInvalidState, "deleted"},
		{"wrapped error keeps its code", wrapErr(weir.Errorf(weir.ErrResourceDoesNotExist, "gone")), 404,
			weir.ErrResourceDoesNotExist, "gone"},
		{"plain error hides its detail", errors.New("database is locked: secret path /var/db"), 500,
			weir.ErrInternal, "Internal error."},
		{"feature disabled is 500", weir.Errorf(weir.ErrFeatureDisabled, "off"), 500, weir.ErrFeatureDisabled, "off"},
		{"permission denied", weir.Errorf(weir.ErrPermissionDenied, "no"), 403, weir.ErrPermissionDenied, "no"},
		{"resource exhausted", weir.Errorf(weir.ErrResourceExhausted, "slow down"), 429, weir.ErrResourceExhausted, "slow down"},
		{"not implemented", weir.Errorf(weir.ErrUnsupported, "no"), 501, weir.ErrUnsupported, "no"},
		{"unavailable", weir.Errorf(weir.ErrTemporarilyUnavailable, "later"), 503, weir.ErrTemporarilyUnavailable, "later"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeTracking{GetRunFn: func(context.Context, string) (*tracking.Run, error) { return nil, tc.err }}
			rec := do(t, newTestServer(t, fake).Handler(), "GET", "/api/2.0/mlflow/runs/get?run_id=x", "", "")
			if rec.Code != tc.wantStatus {
				t.Errorf("status: got %d, want %d", rec.Code, tc.wantStatus)
			}
			code, msg := errorFields(t, rec.Body.String())
			if code != tc.wantCode || msg != tc.wantMsg {
				t.Errorf("error: got %s %q, want %s %q", code, msg, tc.wantCode, tc.wantMsg)
			}
		})
	}
}

func wrapErr(err error) error {
	weir.Wrap(&err, "GetRun(%q)", "x")
	return err
}

func TestPanicIsA500(t *testing.T) {
	fake := &fakeTracking{GetRunFn: func(context.Context, string) (*tracking.Run, error) { panic("boom") }}
	rec := do(t, newTestServer(t, fake).Handler(), "GET", "/api/2.0/mlflow/runs/get?run_id=x", "", "")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status: got %d, want 500", rec.Code)
	}
	code, msg := errorFields(t, rec.Body.String())
	if code != weir.ErrInternal || msg != "Internal error." {
		t.Errorf("error: got %s %q", code, msg)
	}
}

func TestBodyLimit(t *testing.T) {
	var last any
	s := newTestServer(t, recordingFake(&last))
	s.MaxBodyBytes = 100
	body := `{"run_id":"r","key":"k","value":"` + string(bytes.Repeat([]byte("x"), 200)) + `"}`
	rec := do(t, s.Handler(), "POST", "/api/2.0/mlflow/runs/set-tag", "application/json", body)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status: got %d, want 400", rec.Code)
	}
	code, msg := errorFields(t, rec.Body.String())
	if want := "Request body is larger than the limit of 100 bytes."; code != weir.ErrBadRequest || msg != want {
		t.Errorf("error: got %s %q, want %q", code, msg, want)
	}
	if last != nil {
		t.Errorf("service was called: %#v", last)
	}
}

func TestPlainEndpoints(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	for _, tc := range []struct{ target, want string }{
		{"/health", "OK"},
		{"/version", weir.MLflowVersion},
		{"/ajax-api/3.0/mlflow/server-info", `{"store_type":"SqlStore","workspaces_enabled":false}`},
	} {
		rec := do(t, s.Handler(), "GET", tc.target, "", "")
		if rec.Code != 200 || rec.Body.String() != tc.want {
			t.Errorf("GET %s: got %d %q, want 200 %q", tc.target, rec.Code, rec.Body, tc.want)
		}
	}
}
