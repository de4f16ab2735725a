package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Calls recorded by recordingFake, one type per Service method.
type (
	createExperimentCall struct {
		Name, Location string
		Tags           []tracking.Tag
	}
	idCall     struct{ ID string }
	idNameCall struct{ ID, Name string }
	idKVCall   struct{ ID, Key, Value string }
	runTagCall struct {
		RunID string
		Tag   tracking.Tag
	}
	runParamCall struct {
		RunID string
		Param tracking.Param
	}
	runMetricCall struct {
		RunID  string
		Metric tracking.Metric
	}
	updateRunCall struct {
		RunID  string
		Update tracking.RunUpdate
	}
	logBatchCall struct {
		RunID   string
		Metrics []tracking.Metric
		Params  []tracking.Param
		Tags    []tracking.Tag
	}
	logInputsCall struct {
		RunID    string
		Datasets []tracking.DatasetInput
		Models   []tracking.ModelInput
	}
	logOutputsCall struct {
		RunID  string
		Models []tracking.ModelOutput
	}
)

// recordingFake returns a fake whose every method records its arguments in
// *last and answers with the sample entities of sample_test.go.
func recordingFake(last *any) *fakeTracking {
	return &fakeTracking{
		CreateExperimentFn: func(_ context.Context, name, loc string, tags []tracking.Tag) (string, error) {
			*last = createExperimentCall{name, loc, tags}
			return "7", nil
		},
		GetExperimentFn: func(_ context.Context, id string) (*tracking.Experiment, error) {
			*last = idCall{id}
			return sampleExperiment(), nil
		},
		GetExperimentByNameFn: func(_ context.Context, name string) (*tracking.Experiment, error) {
			*last = idCall{name}
			return sampleExperiment(), nil
		},
		SearchExperimentsFn: func(_ context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
			*last = s
			return []*tracking.Experiment{sampleExperiment()}, "next", nil
		},
		UpdateExperimentFn: func(_ context.Context, id, name string) error {
			*last = idNameCall{id, name}
			return nil
		},
		DeleteExperimentFn: func(_ context.Context, id string) error {
			*last = idCall{id}
			return nil
		},
		RestoreExperimentFn: func(_ context.Context, id string) error {
			*last = idCall{id}
			return nil
		},
		SetExperimentTagFn: func(_ context.Context, id, k, v string) error {
			*last = idKVCall{id, k, v}
			return nil
		},
		DeleteExperimentTagFn: func(_ context.Context, id, k string) error {
			*last = idNameCall{id, k}
			return nil
		},
		CreateRunFn: func(_ context.Context, c tracking.RunCreate) (*tracking.Run, error) {
			*last = c
			return sampleRun(), nil
		},
		GetRunFn: func(_ context.Context, id string) (*tracking.Run, error) {
			*last = idCall{id}
			return sampleRun(), nil
		},
		UpdateRunFn: func(_ context.Context, id string, u tracking.RunUpdate) (*tracking.RunInfo, error) {
			*last = updateRunCall{id, u}
			return &sampleRun().Info, nil
		},
		DeleteRunFn: func(_ context.Context, id string) error {
			*last = idCall{id}
			return nil
		},
		RestoreRunFn: func(_ context.Context, id string) error {
			*last = idCall{id}
			return nil
		},
		SearchRunsFn: func(_ context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error) {
			*last = s
			return []*tracking.Run{sampleRun()}, "", nil
		},
		LogMetricFn: func(_ context.Context, id string, m tracking.Metric) error {
			*last = runMetricCall{id, m}
			return nil
		},
		LogParamFn: func(_ context.Context, id string, p tracking.Param) error {
			*last = runParamCall{id, p}
			return nil
		},
		SetTagFn: func(_ context.Context, id string, t tracking.Tag) error {
			*last = runTagCall{id, t}
			return nil
		},
		DeleteTagFn: func(_ context.Context, id, k string) error {
			*last = idNameCall{id, k}
			return nil
		},
		LogBatchFn: func(_ context.Context, id string, ms []tracking.Metric, ps []tracking.Param, ts []tracking.Tag) error {
			*last = logBatchCall{id, ms, ps, ts}
			return nil
		},
		LogInputsFn: func(_ context.Context, id string, ds []tracking.DatasetInput, ms []tracking.ModelInput) error {
			*last = logInputsCall{id, ds, ms}
			return nil
		},
		LogOutputsFn: func(_ context.Context, id string, ms []tracking.ModelOutput) error {
			*last = logOutputsCall{id, ms}
			return nil
		},
		GetMetricHistoryFn: func(_ context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
			*last = q
			return sampleMetrics(), "", nil
		},
		GetMetricHistoryBulkIntervalFn: func(_ context.Context, q tracking.BulkIntervalQuery) ([]tracking.Metric, error) {
			*last = q
			return sampleMetrics(), nil
		},
	}
}

func ptr[T any](v T) *T { return &v }

const seeDocs = " See the API docs for more information about request parameters."

// apiCase is one request and what it must cause: a service call equal to
// wantCall (when set) and a response with wantStatus, and for errors
// wantCode and wantMsg.
type apiCase struct {
	name       string
	method     string
	target     string
	body       string
	ctype      string // defaults to application/json when there is a body
	wantStatus int
	wantCode   string
	wantMsg    string
	wantCall   any
}

func newTestServer(t testing.TB, svc tracking.Service) *Server {
	t.Helper()
	s := NewServer()
	s.Tracking = svc
	s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return s
}

// do sends one request through the server's handler.
func do(t testing.TB, h http.Handler, method, target, ctype, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func runCases(t *testing.T, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var last any
			s := newTestServer(t, recordingFake(&last))
			ctype := tc.ctype
			if ctype == "" && tc.body != "" {
				ctype = "application/json"
			}
			if ctype == "-" {
				ctype = ""
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
			}
			if tc.wantCall != nil && !sameCall(last, tc.wantCall) {
				t.Errorf("service call:\n got %#v\nwant %#v", last, tc.wantCall)
			}
		})
	}
}

func errorFields(t testing.TB, body string) (code, msg string) {
	t.Helper()
	e := decodeError(http.StatusBadRequest, []byte(body))
	var we *weir.Error
	if !errors.As(e, &we) {
		t.Fatalf("not an error body: %s", body)
	}
	return we.Code, we.Message
}

func TestExperimentRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/experiments/"
	runCases(t, []apiCase{
		{name: "create", method: "POST", target: base + "create",
			body:     `{"name":"e","artifact_location":"s3://b/e","tags":[{"key":"k","value":"v"}]}`,
			wantCall: createExperimentCall{"e", "s3://b/e", []tracking.Tag{{Key: "k", Value: "v"}}}},
		{name: "create charset", method: "POST", target: base + "create", body: `{"name":"e"}`,
			ctype: "application/json; charset=utf-8", wantCall: createExperimentCall{Name: "e"}},
		{name: "create double-encoded", method: "POST", target: base + "create", body: `"{\"name\": \"e\"}"`,
			wantCall: createExperimentCall{Name: "e"}},
		{name: "create under ajax-api", method: "POST", target: "/ajax-api/2.0/mlflow/experiments/create",
			body: `{"name":"e"}`, wantCall: createExperimentCall{Name: "e"}},
		{name: "create missing name", method: "POST", target: base + "create", body: `{}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'name'." + seeDocs},
		{name: "create empty body", method: "POST", target: base + "create", body: ``, ctype: "application/json",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'name'." + seeDocs},
		{name: "create name is a number", method: "POST", target: base + "create", body: `{"name":123}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 123 for parameter 'name' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "create tags not a list", method: "POST", target: base + "create", body: `{"name":"e","tags":{"b":1,"a":[true]}}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value {"a":[true],"b":1} for parameter 'tags' supplied:  Hint: Value was of type 'dict'.` + seeDocs},
		{name: "create without content type", method: "POST", target: base + "create", body: `{"name":"e"}`, ctype: "-",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Bad Request. Content-Type header is missing."},
		{name: "create with text content type", method: "POST", target: base + "create", body: `{"name":"e"}`, ctype: "text/plain",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Bad Request. Content-Type must be one of ['application/json']."},
		{name: "create malformed JSON", method: "POST", target: base + "create", body: `{"name":`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Malformed JSON request body at byte 8: unexpected end of JSON input."},
		{name: "create body is a list", method: "POST", target: base + "create", body: `[1]`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Malformed request body: expected a JSON object."},
		{name: "get", method: "GET", target: base + "get?experiment_id=3", wantCall: idCall{"3"}},
		{name: "get missing id", method: "GET", target: base + "get", wantStatus: 400,
			wantCode: weir.ErrInvalidParameterValue, wantMsg: "Missing value for required parameter 'experiment_id'." + seeDocs},
		{name: "get by name", method: "GET", target: base + "get-by-name?experiment_name=a+b", wantCall: idCall{"a b"}},
		{name: "search GET", method: "GET",
			target: base + "search?max_results=5&order_by=name&order_by=creation_time+DESC&view_type=ALL&filter=name+LIKE+%27a%25%27&page_token=tok",
			wantCall: tracking.ExperimentSearch{Filter: "name LIKE 'a%'", OrderBy: []string{"name", "creation_time DESC"},
				ViewType: tracking.AllViews, MaxResults: 5, PageToken: "tok"}},
		{name: "search POST numeric view type", method: "POST", target: base + "search", body: `{"view_type":2,"max_results":"10"}`,
			wantCall: tracking.ExperimentSearch{ViewType: tracking.DeletedOnly, MaxResults: 10}},
		{name: "search POST defaults", method: "POST", target: base + "search", body: `{}`,
			wantCall: tracking.ExperimentSearch{ViewType: tracking.ActiveOnly}},
		{name: "search max_results 0", method: "POST", target: base + "search", body: `{"max_results":0}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "search max_results too big", method: "POST", target: base + "search", body: `{"max_results":50001}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000"},
		{name: "search bad view type", method: "POST", target: base + "search", body: `{"view_type":"BOGUS"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "BOGUS" for parameter 'view_type' supplied: must be one of ACTIVE_ONLY, DELETED_ONLY or ALL.` + seeDocs},
		{name: "search order_by not a list", method: "POST", target: base + "search", body: `{"order_by":"name"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "name" for parameter 'order_by' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "update", method: "POST", target: base + "update", body: `{"experiment_id":"3","new_name":"n"}`,
			wantCall: idNameCall{"3", "n"}},
		{name: "update missing new_name", method: "POST", target: base + "update", body: `{"experiment_id":"3"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'new_name'." + seeDocs},
		{name: "delete", method: "POST", target: base + "delete", body: `{"experiment_id":"3"}`, wantCall: idCall{"3"}},
		{name: "delete id as number", method: "POST", target: base + "delete", body: `{"experiment_id":3}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 3 for parameter 'experiment_id' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "restore", method: "POST", target: base + "restore", body: `{"experiment_id":"3"}`, wantCall: idCall{"3"}},
		{name: "set tag", method: "POST", target: base + "set-experiment-tag",
			body: `{"experiment_id":"3","key":"k","value":""}`, wantCall: idKVCall{"3", "k", ""}},
		{name: "set tag missing key", method: "POST", target: base + "set-experiment-tag",
			body: `{"experiment_id":"3","value":"v"}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'key'." + seeDocs},
		{name: "delete tag", method: "POST", target: base + "delete-experiment-tag",
			body: `{"experiment_id":"3","key":"k"}`, wantCall: idNameCall{"3", "k"}},
	})
}

func TestRunRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/runs/"
	runCases(t, []apiCase{
		{name: "create", method: "POST", target: base + "create",
			body: `{"experiment_id":"1","user_id":"u","run_name":"r","start_time":"123","tags":[{"key":"k","value":"v"}]}`,
			wantCall: tracking.RunCreate{ExperimentID: "1", UserID: "u", RunName: "r", StartTime: 123,
				Tags: []tracking.Tag{{Key: "k", Value: "v"}}}},
		{name: "create empty", method: "POST", target: base + "create", body: `{}`, wantCall: tracking.RunCreate{}},
		{name: "create bad start_time", method: "POST", target: base + "create", body: `{"start_time":"soon"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "soon" for parameter 'start_time' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "create integral float start_time", method: "POST", target: base + "create", body: `{"start_time":1e3}`,
			wantCall: tracking.RunCreate{StartTime: 1000}},
		{name: "create fractional start_time", method: "POST", target: base + "create", body: `{"start_time":1.5}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value 1.5 for parameter 'start_time' supplied:  Hint: Value was of type 'float'.` + seeDocs},
		{name: "get", method: "GET", target: base + "get?run_id=r1", wantCall: idCall{"r1"}},
		{name: "get by run_uuid", method: "GET", target: base + "get?run_uuid=r2", wantCall: idCall{"r2"}},
		{name: "get run_id wins over run_uuid", method: "GET", target: base + "get?run_uuid=r2&run_id=r1", wantCall: idCall{"r1"}},
		{name: "get missing run_id", method: "GET", target: base + "get", wantStatus: 400,
			wantCode: weir.ErrInvalidParameterValue, wantMsg: "Missing value for required parameter 'run_id'." + seeDocs},
		{name: "get by POST is 405", method: "POST", target: base + "get", body: `{}`, wantStatus: 405},
		{name: "update status only", method: "POST", target: base + "update", body: `{"run_id":"r","status":"FINISHED"}`,
			wantCall: updateRunCall{"r", tracking.RunUpdate{Status: ptr(tracking.StatusFinished)}}},
		{name: "update zero end_time and empty name", method: "POST", target: base + "update",
			body:     `{"run_uuid":"r","end_time":0,"run_name":""}`,
			wantCall: updateRunCall{"r", tracking.RunUpdate{EndTime: ptr(int64(0)), RunName: ptr("")}}},
		{name: "update numeric status", method: "POST", target: base + "update", body: `{"run_id":"r","status":5,"end_time":"9"}`,
			wantCall: updateRunCall{"r", tracking.RunUpdate{Status: ptr(tracking.StatusKilled), EndTime: ptr(int64(9))}}},
		{name: "update nothing", method: "POST", target: base + "update", body: `{"run_id":"r"}`,
			wantCall: updateRunCall{"r", tracking.RunUpdate{}}},
		{name: "update bad status", method: "POST", target: base + "update", body: `{"run_id":"r","status":"DONE"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "DONE" for parameter 'status' supplied: must be one of RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.` + seeDocs},
		{name: "update missing run_id", method: "POST", target: base + "update", body: `{"status":"FINISHED"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Missing value for required parameter 'run_id'." + seeDocs},
		{name: "delete", method: "POST", target: base + "delete", body: `{"run_id":"r"}`, wantCall: idCall{"r"}},
		{name: "restore", method: "POST", target: base + "restore", body: `{"run_id":"r"}`, wantCall: idCall{"r"}},
		{name: "search", method: "POST", target: base + "search",
			body: `{"experiment_ids":["1","2"],"filter":"metrics.a > 1","run_view_type":"ALL","max_results":50000,"order_by":["metrics.a DESC"],"page_token":"p"}`,
			wantCall: tracking.RunSearch{ExperimentIDs: []string{"1", "2"}, Filter: "metrics.a > 1", ViewType: tracking.AllViews,
				MaxResults: 50000, OrderBy: []string{"metrics.a DESC"}, PageToken: "p"}},
		{name: "search defaults", method: "POST", target: base + "search", body: `{"experiment_ids":["0"]}`,
			wantCall: tracking.RunSearch{ExperimentIDs: []string{"0"}, ViewType: tracking.ActiveOnly}},
		{name: "search max_results over cap", method: "POST", target: base + "search", body: `{"max_results":50001}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 50001 for parameter 'max_results' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "search max_results 0", method: "POST", target: base + "search", body: `{"max_results":"0"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "search max_results negative", method: "POST", target: base + "search", body: `{"max_results":-1}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value -1 for parameter 'max_results' supplied. It must be a positive integer"},
		{name: "search experiment_ids not a list", method: "POST", target: base + "search", body: `{"experiment_ids":"1"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "1" for parameter 'experiment_ids' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "search order_by with a number", method: "POST", target: base + "search", body: `{"order_by":[1]}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value [1] for parameter 'order_by' supplied:  Hint: Value was of type 'list'.` + seeDocs},
	})
}

func TestLoggingRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/runs/"
	runCases(t, []apiCase{
		{name: "log metric", method: "POST", target: base + "log-metric",
			body: `{"run_id":"r","key":"m","value":1.5,"timestamp":"10","step":2,"model_id":"m-1","dataset_name":"d","dataset_digest":"x"}`,
			wantCall: runMetricCall{"r", tracking.Metric{Key: "m", Value: 1.5, Timestamp: 10, Step: 2,
				ModelID: "m-1", DatasetName: "d", DatasetDigest: "x"}}},
		{name: "log metric by run_uuid, value as string", method: "POST", target: base + "log-metric",
			body:     `{"run_uuid":"r","key":"m","value":"-2.5","timestamp":0}`,
			wantCall: runMetricCall{"r", tracking.Metric{Key: "m", Value: -2.5}}},
		{name: "log metric infinity", method: "POST", target: base + "log-metric",
			body:     `{"run_id":"r","key":"m","value":"Infinity","timestamp":1}`,
			wantCall: runMetricCall{"r", tracking.Metric{Key: "m", Value: math.Inf(1), Timestamp: 1}}},
		{name: "log metric minus infinity", method: "POST", target: base + "log-metric",
			body:     `{"run_id":"r","key":"m","value":"-Infinity","timestamp":1}`,
			wantCall: runMetricCall{"r", tracking.Metric{Key: "m", Value: math.Inf(-1), Timestamp: 1}}},
		{name: "log metric missing timestamp", method: "POST", target: base + "log-metric",
			body: `{"run_id":"r","key":"m","value":1}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'timestamp'." + seeDocs},
		{name: "log metric missing value", method: "POST", target: base + "log-metric",
			body: `{"run_id":"r","key":"m","timestamp":1}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'value'." + seeDocs},
		{name: "log metric boolean value", method: "POST", target: base + "log-metric",
			body: `{"run_id":"r","key":"m","value":true,"timestamp":1}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value true for parameter 'value' supplied:  Hint: Value was of type 'bool'." + seeDocs},
		{name: "log metric lowercase nan is not a number", method: "POST", target: base + "log-metric",
			body: `{"run_id":"r","key":"m","value":"nan","timestamp":1}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "nan" for parameter 'value' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "log metric missing run", method: "POST", target: base + "log-metric",
			body: `{"key":"m","value":1,"timestamp":1}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'run_id'." + seeDocs},
		{name: "log param", method: "POST", target: base + "log-parameter", body: `{"run_id":"r","key":"p","value":"1"}`,
			wantCall: runParamCall{"r", tracking.Param{Key: "p", Value: "1"}}},
		{name: "log param number value", method: "POST", target: base + "log-parameter", body: `{"run_id":"r","key":"p","value":1}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 1 for parameter 'value' supplied:  Hint: Value was of type 'int'." + seeDocs},
		{name: "set tag", method: "POST", target: base + "set-tag", body: `{"run_uuid":"r","key":"t","value":"v"}`,
			wantCall: runTagCall{"r", tracking.Tag{Key: "t", Value: "v"}}},
		{name: "delete tag", method: "POST", target: base + "delete-tag", body: `{"run_id":"r","key":"t"}`,
			wantCall: idNameCall{"r", "t"}},
		{name: "log batch", method: "POST", target: base + "log-batch",
			body: `{"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":2,"step":3},{"key":"b","value":"NaN","timestamp":"4"}],` +
				`"params":[{"key":"p","value":"v"}],"tags":[{"key":"t","value":"w"}]}`,
			wantCall: logBatchCall{"r",
				[]tracking.Metric{{Key: "a", Value: 1, Timestamp: 2, Step: 3}, {Key: "b", Value: math.NaN(), Timestamp: 4}},
				[]tracking.Param{{Key: "p", Value: "v"}}, []tracking.Tag{{Key: "t", Value: "w"}}}},
		{name: "log batch empty", method: "POST", target: base + "log-batch", body: `{"run_id":"r"}`,
			wantCall: logBatchCall{RunID: "r"}},
		{name: "log batch metric without timestamp", method: "POST", target: base + "log-batch",
			body:       `{"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":2},{"key":"b","value":1}]}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'metrics[1].timestamp'." + seeDocs},
		{name: "log batch param without key", method: "POST", target: base + "log-batch",
			body:       `{"run_id":"r","params":[{"value":"v"}]}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'params[0].key'." + seeDocs},
		{name: "log batch metric value of wrong type", method: "POST", target: base + "log-batch",
			body:       `{"run_id":"r","metrics":[{"key":"a","value":[1],"timestamp":2}]}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value [1] for parameter 'metrics[0].value' supplied:  Hint: Value was of type 'list'." + seeDocs},
		{name: "log batch metrics not a list", method: "POST", target: base + "log-batch",
			body: `{"run_id":"r","metrics":{}}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value {} for parameter 'metrics' supplied:  Hint: Value was of type 'dict'." + seeDocs},
		{name: "log batch odd but valid JSON", method: "POST", target: base + "log-batch",
			body: "{\"run_id\":\"r\",\"metrics\":[ {\"extra\":{\"a\":[1,{\"b\":\"}]\\\"\"}]}, \"k\\u0065y\" : \"a\\\"b\" ,\"value\":-1.5e2,\n\"timestamp\":\"7\"} ],\"tags\":[{\"key\":\"t\",\"value\":null}]}",
			wantCall: logBatchCall{"r", []tracking.Metric{{Key: "a\"b", Value: -150, Timestamp: 7}}, nil,
				[]tracking.Tag{{Key: "t"}}}},
		{name: "log batch metric is not an object", method: "POST", target: base + "log-batch",
			body: `{"run_id":"r","metrics":[{"key":"a","value":1,"timestamp":2},"m"]}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value "m" for parameter 'metrics[1]' supplied:  Hint: Value was of type 'str'.` + seeDocs},
		{name: "log batch tag is a list", method: "POST", target: base + "log-batch",
			body: `{"run_id":"r","tags":[[1]]}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value [1] for parameter 'tags[0]' supplied:  Hint: Value was of type 'list'.` + seeDocs},
		{name: "log batch key of wrong type", method: "POST", target: base + "log-batch",
			body: `{"run_id":"r","params":[{"key":{"x":1},"value":"v"}]}`, wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: `Invalid value {"x":1} for parameter 'params[0].key' supplied:  Hint: Value was of type 'dict'.` + seeDocs},
		{name: "log inputs", method: "POST", target: base + "log-inputs",
			body: `{"run_id":"r","datasets":[{"tags":[{"key":"mlflow.data.context","value":"train"}],` +
				`"dataset":{"name":"d","digest":"abc","source_type":"local","source":"{}","schema":"s"}}],"models":[{"model_id":"m-1"}]}`,
			wantCall: logInputsCall{"r", []tracking.DatasetInput{{
				Tags:    []tracking.Tag{{Key: "mlflow.data.context", Value: "train"}},
				Dataset: tracking.Dataset{Name: "d", Digest: "abc", SourceType: "local", Source: "{}", Schema: "s"}}},
				[]tracking.ModelInput{{ModelID: "m-1"}}}},
		{name: "log inputs dataset without digest", method: "POST", target: base + "log-inputs",
			body:       `{"run_id":"r","datasets":[{"dataset":{"name":"d","source_type":"local","source":"{}"}}]}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'datasets[0].dataset.digest'." + seeDocs},
		{name: "log outputs", method: "POST", target: base + "outputs", body: `{"run_id":"r","models":[{"model_id":"m-1","step":"3"}]}`,
			wantCall: logOutputsCall{"r", []tracking.ModelOutput{{ModelID: "m-1", Step: 3}}}},
		{name: "log outputs without models", method: "POST", target: base + "outputs", body: `{"run_id":"r"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'models'." + seeDocs},
		{name: "log model", method: "POST", target: base + "log-model",
			body: `{"run_id":"r","model_json":"{\"run_id\":\"r\",\"artifact_path\":\"model\",\"utc_time_created\":\"2024-01-01\",` +
				`\"flavors\":{\"sklearn\":{\"v\":\"1\",\"config\":{\"big\":1}}},\"signature\":{}}"}`,
			wantCall: runTagCall{"r", tracking.Tag{Key: "mlflow.log-model.history",
				Value: `[{"artifact_path":"model","flavors":{"sklearn":{"v":"1"}},"run_id":"r","utc_time_created":"2024-01-01"}]`}}},
		{name: "log model malformed", method: "POST", target: base + "log-model", body: `{"run_id":"r","model_json":"{"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Malformed model info. \n { \n is not a valid JSON."},
		{name: "log model missing fields", method: "POST", target: base + "log-model",
			body:       `{"run_id":"r","model_json":"{\"run_id\":\"r\",\"artifact_path\":\"m\"}"}`,
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Model json is missing mandatory fields: {'flavors', 'utc_time_created'}"},
	})
}

func TestHistoryAndArtifactRequests(t *testing.T) {
	const base = "/api/2.0/mlflow/"
	runCases(t, []apiCase{
		{name: "history", method: "GET", target: base + "metrics/get-history?run_id=r&metric_key=m&max_results=10&page_token=t",
			wantCall: tracking.MetricHistoryQuery{RunID: "r", Key: "m", MaxResults: 10, PageToken: "t"}},
		{name: "history whole", method: "GET", target: base + "metrics/get-history?run_uuid=r&metric_key=m",
			wantCall: tracking.MetricHistoryQuery{RunID: "r", Key: "m"}},
		{name: "history max_results 0", method: "GET", target: base + "metrics/get-history?run_id=r&metric_key=m&max_results=0",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer."},
		{name: "history missing key", method: "GET", target: base + "metrics/get-history?run_id=r",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Missing value for required parameter 'metric_key'." + seeDocs},
		{name: "bulk interval", method: "GET",
			target:   base + "metrics/get-history-bulk-interval?run_ids=a&run_ids=b&metric_key=m&start_step=1&end_step=5&max_results=10",
			wantCall: tracking.BulkIntervalQuery{RunIDs: []string{"a", "b"}, Key: "m", StartStep: ptr(int64(1)), EndStep: ptr(int64(5)), MaxResults: 10}},
		{name: "bulk interval one run", method: "GET", target: base + "metrics/get-history-bulk-interval?run_ids=a&metric_key=m",
			wantCall: tracking.BulkIntervalQuery{RunIDs: []string{"a"}, Key: "m"}},
		{name: "bulk interval start only", method: "GET", target: base + "metrics/get-history-bulk-interval?run_ids=a&metric_key=m&start_step=1",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "If either start step or end step are specified, both must be specified."},
		{name: "bulk interval start after end", method: "GET",
			target:     base + "metrics/get-history-bulk-interval?run_ids=a&metric_key=m&start_step=5&end_step=1",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "end_step must be greater than start_step. Found start_step=5 and end_step=1."},
		{name: "bulk interval max_results too big", method: "GET",
			target:     base + "metrics/get-history-bulk-interval?run_ids=a&metric_key=m&max_results=2501",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "max_results must be between 1 and 2500." + seeDocs},
		{name: "bulk interval too many runs", method: "GET",
			target:     base + "metrics/get-history-bulk-interval?metric_key=m" + strings.Repeat("&run_ids=x", 101),
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids." + seeDocs},
		{name: "bulk interval without runs", method: "GET", target: base + "metrics/get-history-bulk-interval?metric_key=m",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "Missing value for required parameter 'run_ids'." + seeDocs},
		{name: "bulk (ajax) without metric_key", method: "GET", target: "/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=a",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue, wantMsg: "GetMetricHistoryBulk request must specify a metric_key."},
		{name: "list artifacts traversal", method: "GET", target: base + "artifacts/list?run_id=r&path=../x",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid path"},
		{name: "list artifacts encoded traversal", method: "GET", target: base + "artifacts/list?run_id=r&path=%252e%252e/x",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid path"},
		{name: "list artifacts absolute", method: "GET", target: base + "artifacts/list?run_id=r&path=/etc",
			wantStatus: 400, wantCode: weir.ErrInvalidParameterValue,
			wantMsg: "Invalid path"},
		{name: "list artifacts", method: "GET", target: base + "artifacts/list?run_id=r&path=model", wantCall: idCall{"r"}},
		{name: "unknown endpoint", method: "GET", target: base + "nope", wantStatus: 404,
			wantCode: weir.ErrEndpointNotFound, wantMsg: "No API endpoint GET /api/2.0/mlflow/nope."},
		{name: "unknown ajax endpoint", method: "POST", target: "/ajax-api/2.0/mlflow/nope", body: "{}", wantStatus: 404,
			wantCode: weir.ErrEndpointNotFound, wantMsg: "No API endpoint POST /ajax-api/2.0/mlflow/nope."},
		{name: "wrong method", method: "GET", target: base + "runs/create", wantStatus: 405,
			wantCode: weir.ErrBadRequest, wantMsg: "The method GET is not allowed for /api/2.0/mlflow/runs/create."},
	})
}

// sameCall is reflect.DeepEqual except that NaN equals NaN, since calls
// and results carry NaN metric values on purpose.
func sameCall(got, want any) bool {
	return equalNaN(reflect.ValueOf(got), reflect.ValueOf(want))
}

func equalNaN(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalNaN(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equalNaN(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.IsNil() != b.IsNil() || a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalNaN(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Float64, reflect.Float32:
		x, y := a.Float(), b.Float()
		return x == y || (math.IsNaN(x) && math.IsNaN(y))
	case reflect.String:
		return a.String() == b.String()
	case reflect.Int, reflect.Int64, reflect.Int32:
		return a.Int() == b.Int()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func TestAppendModelHistory(t *testing.T) {
	summary := map[string]any{"run_id": "r", "artifact_path": "b"}
	cases := []struct {
		name    string
		tags    []tracking.Tag
		want    string
		wantErr string
	}{
		{"first model", []tracking.Tag{{Key: "other", Value: "x"}}, `[{"artifact_path":"b","run_id":"r"}]`, ""},
		{"appends", []tracking.Tag{{Key: loggedModelsTag, Value: `[{"artifact_path": "a"}]`}},
			`[{"artifact_path":"a"},{"artifact_path":"b","run_id":"r"}]`, ""},
		{"corrupt tag", []tracking.Tag{{Key: loggedModelsTag, Value: `{`}}, "", weir.ErrInvalidState},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendModelHistory(tc.tags, summary)
			if code := weir.ErrorCode(err); code != tc.wantErr {
				t.Fatalf("error: got %v, want code %q", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestCheckArtifactLocation(t *testing.T) {
	const params = "'artifact_location' URL can't include fragments or params."
	cases := []struct{ loc, want string }{
		{"s3://bucket/path", ""},
		{"mlflow-artifacts:/7", ""},
		{"/srv/mlruns/7", ""},
		{"s3://bucket/p;x=1", ""}, // urlparse keeps ";" in s3 paths
		{"s3://bucket/p#frag", params},
		{"https://host/p;x=1", params},
		{"/srv/a;b", params},
		{"s3://bucket/p?a=..%2f", "Invalid query string"},
		{"s3://bucket/p?a=%252e%252e", "Invalid query string"},
		{"runs:/abc/model", "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'"},
		{"s3://b/" + strings.Repeat("x", 2048), "Invalid artifact path length. The length of the artifact path cannot be greater than 2048 characters."},
	}
	for _, tc := range cases {
		err := checkArtifactLocation(tc.loc)
		if got := weir.ErrorMessage(err); got != tc.want {
			t.Errorf("checkArtifactLocation(%.40q): got %q, want %q", tc.loc, got, tc.want)
		}
		if err != nil && weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("checkArtifactLocation(%.40q): code %s", tc.loc, weir.ErrorCode(err))
		}
	}
}
