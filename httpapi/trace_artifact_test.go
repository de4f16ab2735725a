package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracing"
)

// fakeTraces is a tracing.Service holding traces in memory; the calls a
// test does not expect are left to the nil interface (and panic).
type fakeTraces struct {
	tracing.Service
	traces map[string]tracing.Trace
}

var _ tracing.Service = (*fakeTraces)(nil)

func (f *fakeTraces) GetTraceInfo(_ context.Context, id string) (*tracing.Info, error) {
	tr, ok := f.traces[id]
	if !ok {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Trace with ID '%s' not found.", id)
	}
	return &tr.Info, nil
}

func (f *fakeTraces) GetTraces(_ context.Context, ids []string) ([]tracing.Trace, error) {
	var out []tracing.Trace
	for _, id := range ids {
		if tr, ok := f.traces[id]; ok {
			out = append(out, tr)
		}
	}
	return out, nil
}

func testTraceSpan(name string, span, parent byte) tracing.RawSpan {
	sp := tracing.Span{
		TraceID: []byte("0123456789abcdef"), SpanID: []byte{span, 0, 0, 0, 0, 0, 0, 1}, Name: name,
		StartTimeUnixNano: 100, EndTimeUnixNano: 200,
		Attributes: []tracing.KeyValue{{Key: "fruit", Value: tracing.Value{Kind: tracing.String, Str: "apple"}}},
		Events: []tracing.Event{{TimeUnixNano: 99999, Name: "test_event",
			Attributes: []tracing.KeyValue{{Key: "foo", Value: tracing.Value{Kind: tracing.String, Str: "bar"}}}}},
		Status: tracing.Status{Code: 1},
	}
	if parent != 0 {
		sp.ParentSpanID = []byte{parent, 0, 0, 0, 0, 0, 0, 1}
	}
	return sp.AppendJSON(nil)
}

// TestGetTraceArtifact sends a trace's spans as MLflow's traces.json and
// its attachments from the trace's artifact location, and answers bad
// requests with MLflow's errors.
func TestGetTraceArtifact(t *testing.T) {
	root := t.TempDir()
	const id = "tr-30313233343536373839616263646566"
	const attachment = "5f1d7b9e-2c4a-4e8b-9a3d-0b1c2d3e4f50"
	s := newTestServer(t, &fakeTracking{})
	s.DefaultArtifactRoot = "file://" + root
	s.Traces = &fakeTraces{traces: map[string]tracing.Trace{
		id: {Info: tracing.Info{TraceID: id, ExperimentID: "1",
			Tags: map[string]string{tracing.TagArtifactLocation: "file://" + filepath.Join(root, "1", "traces", id, "artifacts")}},
			Spans: []tracing.RawSpan{testTraceSpan("root", 1, 0), testTraceSpan("child", 2, 1)}},
		"tr-elsewhere": {Info: tracing.Info{TraceID: "tr-elsewhere", ExperimentID: "1",
			Tags: map[string]string{tracing.TagArtifactLocation: "file://" + filepath.Join(root, "..", "elsewhere")}}},
	}}
	mustPut(t, artifact.NewDir(root), "1/traces/"+id+"/artifacts/attachments/"+attachment, "image bytes")
	h := s.Handler()

	rec := do(t, h, "GET", "/ajax-api/2.0/mlflow/get-trace-artifact?request_id="+id, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("download: got %d %s", rec.Code, rec.Body)
	}
	hd := rec.Header()
	if got, want := hd.Get("Content-Disposition"), "attachment; filename=traces.json"; got != want {
		t.Errorf("Content-Disposition: got %q, want %q", got, want)
	}
	if got, want := hd.Get("Content-Type"), "text/plain"; got != want {
		t.Errorf("Content-Type: got %q, want %q", got, want)
	}
	var body struct {
		Spans []struct {
			SpanID       string            `json:"span_id"`
			ParentSpanID *string           `json:"parent_span_id"`
			Name         string            `json:"name"`
			Attributes   map[string]string `json:"attributes"`
			Events       []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"events"`
			Status struct{ Code string } `json:"status"`
		} `json:"spans"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("download: %v in %s", err, rec.Body)
	}
	if got, want := len(body.Spans), 2; got != want {
		t.Fatalf("download: got %d spans, want %d", got, want)
	}
	root0, child := body.Spans[0], body.Spans[1]
	if root0.Name != "root" || root0.ParentSpanID != nil || child.ParentSpanID == nil || *child.ParentSpanID != root0.SpanID {
		t.Errorf("span tree: got %+v", body.Spans)
	}
	if got, want := root0.Attributes["fruit"], `"apple"`; got != want {
		t.Errorf("attribute: got %s, want %s (JSON-encoded, as MLflow keeps it)", got, want)
	}
	if got, want := root0.Attributes[tracing.AttrTraceRequestID], `"`+id+`"`; got != want {
		t.Errorf("request id attribute: got %s, want %s", got, want)
	}
	if got, want := root0.Events[0].Attributes["foo"], "bar"; got != want {
		t.Errorf("event attribute: got %v, want %v", got, want)
	}
	if got, want := root0.Status.Code, "STATUS_CODE_OK"; got != want {
		t.Errorf("status: got %s, want %s", got, want)
	}

	q := "/ajax-api/2.0/mlflow/get-trace-artifact?request_id=" + id + "&path="
	if got := mustGet(t, h, q+attachment); got != "image bytes" {
		t.Errorf("attachment: got %q", got)
	}
	tests := []struct {
		name, target string
		status       int
		code, msg    string
	}{
		{"no request id", "", 400, weir.ErrBadRequest, `Request must include the "request_id" query parameter.`},
		{"unknown trace", "?request_id=tr-nope", 404, weir.ErrResourceDoesNotExist, "tr-nope"},
		{"attachment of an unknown trace", "?request_id=tr-nope&path=" + attachment, 404, weir.ErrResourceDoesNotExist, "tr-nope"},
		{"climbing attachment", "?request_id=" + id + "&path=../../../secret", 400, weir.ErrInvalidParameterValue, "must be a valid UUID"},
		{"absolute attachment", "?request_id=" + id + "&path=/etc/passwd", 400, weir.ErrInvalidParameterValue, "must be a valid UUID"},
		{"upper-case uuid", "?request_id=" + id + "&path=" + strings.ToUpper(attachment), 400, weir.ErrInvalidParameterValue, "must be a valid UUID"},
		{"missing attachment", "?request_id=" + id + "&path=00000000-0000-0000-0000-000000000000", 404, weir.ErrResourceDoesNotExist, "does not exist"},
		{"location outside the served roots", "?request_id=tr-elsewhere&path=" + attachment, 400, weir.ErrInvalidParameterValue, "not served"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, "GET", "/ajax-api/2.0/mlflow/get-trace-artifact"+tt.target, "", "")
			var e struct {
				ErrorCode string `json:"error_code"`
				Message   string `json:"message"`
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tt.status || e.ErrorCode != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got %d %s, want %d %s mentioning %q", rec.Code, rec.Body, tt.status, tt.code, tt.msg)
			}
		})
	}
}
