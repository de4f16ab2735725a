package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

// traceRoutes are MLflow 3's trace endpoints. MLflow's client calls them
// under /api/3.0 (and some under /api/2.0), the UI under /ajax-api; each is
// served under all four prefixes. They answer 404 ENDPOINT_NOT_FOUND while
// the server keeps no traces.
func (s *Server) traceRoutes() []route {
	t := s.needTraces
	return []route{
		{"POST", "/mlflow/traces", t(s.startTraceV3)},
		{"GET", "/mlflow/traces/get", t(s.getTrace)},
		{"GET", "/mlflow/traces/batchGet", t(s.batchGetTraces)},
		{"POST", "/mlflow/traces/batchGetInfos", t(s.batchGetTraceInfos)},
		{"POST", "/mlflow/traces/search", t(s.searchTracesV3)},
		{"POST", "/mlflow/traces/delete-traces", t(s.deleteTraces)},
		{"POST", "/mlflow/traces/link-to-run", t(s.linkTracesToRun)},
		{"POST", "/mlflow/traces/metrics", t(s.queryTraceMetrics)}, // trace_metrics.go
		{"POST", "/mlflow/traces/calculate-filter-correlation", t(s.calculateFilterCorrelation)},
		{"GET", "/mlflow/traces/{trace_id}", t(s.getTraceInfoV3)},
		{"PATCH", "/mlflow/traces/{trace_id}", t(s.endTraceV2)}, // traces_v2.go
		{"GET", "/mlflow/traces/{trace_id}/info", t(s.getTraceInfoV2)},
		{"PATCH", "/mlflow/traces/{trace_id}/tags", t(s.setTraceTag)},
		{"DELETE", "/mlflow/traces/{trace_id}/tags", t(s.deleteTraceTag)},
		{"POST", "/mlflow/traces/{trace_id}/assessments", t(s.createAssessment)}, // assessments.go
		{"GET", "/mlflow/traces/{trace_id}/assessments/{assessment_id}", t(s.getAssessment)},
		{"PATCH", "/mlflow/traces/{trace_id}/assessments/{assessment_id}", t(s.updateAssessment)},
		{"DELETE", "/mlflow/traces/{trace_id}/assessments/{assessment_id}", t(s.deleteAssessment)},
	}
}

// tracePrefixes are where traceRoutes are served.
var tracePrefixes = []string{"/api/2.0", "/api/3.0", "/ajax-api/2.0", "/ajax-api/3.0"}

func (s *Server) needTraces(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.Traces == nil {
			return notServed(r)
		}
		return fn(w, r)
	}
}

// wireTraceInfo is TraceInfoV3 as MLflow's client sends it.
type wireTraceInfo struct {
	TraceID         string `json:"trace_id"`
	ClientRequestID string `json:"client_request_id"`
	TraceLocation   struct {
		Type             string `json:"type"`
		MlflowExperiment *struct {
			ExperimentID string `json:"experiment_id"`
		} `json:"mlflow_experiment"`
	} `json:"trace_location"`
	RequestPreview    string            `json:"request_preview"`
	ResponsePreview   string            `json:"response_preview"`
	RequestTime       string            `json:"request_time"`
	ExecutionDuration string            `json:"execution_duration"`
	State             string            `json:"state"`
	TraceMetadata     map[string]string `json:"trace_metadata"`
	Tags              map[string]string `json:"tags"`
}

// decodeJSON decodes a request body with encoding/json, for the nested
// messages of the trace API.
func decodeJSON(r *http.Request, dst any) error {
	return decodeWith(r, func(body []byte) error {
		if err := json.Unmarshal(body, dst); err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed request body: %s", jsonProblem(err))
		}
		return nil
	})
}

// jsonProblem words an encoding/json error for people.
func jsonProblem(err error) string {
	if typ, ok := err.(*json.UnmarshalTypeError); ok {
		return "field '" + typ.Field + "' holds a JSON " + typ.Value + ", which is not a " + typ.Type.String()
	}
	return err.Error()
}

func (s *Server) startTraceV3(w *jsonWriter, r *http.Request) error {
	var req struct {
		Trace *struct {
			TraceInfo *wireTraceInfo `json:"trace_info"`
		} `json:"trace"`
		// MLflow 2's StartTrace, on the same path (traces_v2.go).
		ExperimentID    string   `json:"experiment_id"`
		TimestampMs     int64    `json:"timestamp_ms"`
		RequestMetadata []wireKV `json:"request_metadata"`
		Tags            []wireKV `json:"tags"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Trace == nil && req.ExperimentID != "" {
		return s.startTraceV2(w, r, req.ExperimentID, req.TimestampMs, req.RequestMetadata, req.Tags)
	}
	if req.Trace == nil || req.Trace.TraceInfo == nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'trace.trace_info'.")
	}
	in, err := req.Trace.TraceInfo.info()
	if err != nil {
		return err
	}
	info, err := s.Traces.StartTrace(r.Context(), in)
	if err != nil {
		return err
	}
	return answerTraceInfo(w, info)
}

// info converts and checks a wire trace info.
func (t *wireTraceInfo) info() (tracing.Info, error) {
	in := tracing.Info{TraceID: t.TraceID, ClientRequestID: t.ClientRequestID, State: t.State,
		RequestPreview: t.RequestPreview, ResponsePreview: t.ResponsePreview, Metadata: t.TraceMetadata, Tags: t.Tags}
	if t.TraceLocation.Type != "" && t.TraceLocation.Type != "MLFLOW_EXPERIMENT" {
		return in, weir.Errorf(weir.ErrInvalidParameterValue,
			"Trace location type '%s' is not supported: this server keeps traces in experiments (MLFLOW_EXPERIMENT).", t.TraceLocation.Type)
	}
	if t.TraceLocation.MlflowExperiment != nil {
		in.ExperimentID = t.TraceLocation.MlflowExperiment.ExperimentID
	}
	if t.RequestTime != "" {
		ts, err := time.Parse(time.RFC3339Nano, t.RequestTime)
		if err != nil {
			return in, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid request_time '%s': want an RFC 3339 timestamp such as 2026-01-02T03:04:05.678Z.", t.RequestTime)
		}
		in.RequestTime = ts.UnixMilli()
	}
	if t.ExecutionDuration != "" {
		secs, err := strconv.ParseFloat(strings.TrimSuffix(t.ExecutionDuration, "s"), 64)
		if err != nil || !strings.HasSuffix(t.ExecutionDuration, "s") || secs < 0 || secs > 1e9 {
			return in, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid execution_duration '%s': want seconds such as 0.020s.", t.ExecutionDuration)
		}
		in.ExecutionDuration = int64(math.Round(secs * 1000))
	}
	return in, nil
}

// answerTraceInfo answers {"trace": {"trace_info": ...}}, as StartTraceV3
// and GetTraceInfoV3 do.
func answerTraceInfo(w *jsonWriter, info *tracing.Info) error {
	w.openObject()
	w.objectField("trace")
	writeTraceInfoField(w, info)
	w.closeObject()
	w.closeObject()
	return nil
}

// writeTraceInfoField writes "trace_info": {...} in TraceInfoV3's JSON form.
func writeTraceInfoField(w *jsonWriter, in *tracing.Info) {
	w.objectField("trace_info")
	writeTraceInfoBody(w, in)
	w.closeObject()
}

func writeTraceInfoBody(w *jsonWriter, in *tracing.Info) {
	w.stringField("trace_id", in.TraceID)
	w.optStringField("client_request_id", in.ClientRequestID)
	w.objectField("trace_location")
	w.stringField("type", "MLFLOW_EXPERIMENT")
	w.objectField("mlflow_experiment")
	w.stringField("experiment_id", in.ExperimentID)
	w.closeObject()
	w.closeObject()
	w.optStringField("request_preview", in.RequestPreview)
	w.optStringField("response_preview", in.ResponsePreview)
	w.stringField("request_time", protoTimestamp(in.RequestTime))
	w.stringField("execution_duration", protoDuration(in.ExecutionDuration))
	w.stringField("state", in.State)
	writeStringMap(w, "trace_metadata", in.Metadata)
	if len(in.Assessments) > 0 {
		w.arrayField("assessments")
		for i := range in.Assessments {
			w.comma()
			w.first = true
			writeAssessment(w, &in.Assessments[i])
		}
		w.closeArray()
	}
	writeStringMap(w, "tags", in.Tags)
}

func writeStringMap(w *jsonWriter, k string, m map[string]string) {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	w.objectField(k)
	for _, key := range keys {
		w.comma() // keys are the client's: quoted, not trusted like key()'s
		w.b = appendJSONString(w.b, key)
		w.b = append(w.b, ':')
		w.b = appendJSONString(w.b, m[key])
	}
	w.closeObject()
}

// protoTimestamp writes milliseconds since the epoch as Protocol Buffers'
// JSON Timestamp: RFC 3339 in UTC with 0 or 3 fractional digits.
func protoTimestamp(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if ms%1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

// protoDuration writes milliseconds as Protocol Buffers' JSON Duration:
// seconds with 0 or 3 fractional digits and an s.
func protoDuration(ms int64) string {
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10) + "s"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64) + "s"
}

func (s *Server) getTraceInfoV3(w *jsonWriter, r *http.Request) error {
	info, err := s.Traces.GetTraceInfo(r.Context(), r.PathValue("trace_id"))
	if err != nil {
		return err
	}
	return answerTraceInfo(w, info)
}

func (s *Server) getTrace(w *jsonWriter, r *http.Request) error {
	id := r.URL.Query().Get("trace_id")
	if id == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'trace_id'.")
	}
	// The info first: a trace the caller may not read is then refused
	// (403), not hidden as missing.
	if _, err := s.Traces.GetTraceInfo(r.Context(), id); err != nil {
		return err
	}
	traces, err := s.Traces.GetTraces(r.Context(), []string{id})
	if err != nil {
		return err
	}
	if len(traces) == 0 {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Trace with ID '%s' not found.", id)
	}
	w.openObject()
	w.key("trace")
	writeTrace(w, &traces[0])
	w.closeObject()
	return nil
}

// writeTrace writes a Trace message: its info and its spans.
func writeTrace(w *jsonWriter, t *tracing.Trace) {
	w.openObject()
	writeTraceInfoField(w, &t.Info)
	w.arrayField("spans")
	for _, sp := range t.Spans {
		w.comma()
		w.b = append(w.b, sp...)
	}
	w.closeArray()
	w.closeObject()
}

func (s *Server) batchGetTraces(w *jsonWriter, r *http.Request) error {
	ids := r.URL.Query()["trace_ids"]
	traces, err := s.Traces.GetTraces(r.Context(), ids)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("traces")
	for i := range traces {
		w.comma()
		w.first = true
		writeTrace(w, &traces[i])
	}
	w.closeArray()
	w.closeObject()
	return nil
}

func (s *Server) batchGetTraceInfos(w *jsonWriter, r *http.Request) error {
	var req struct {
		TraceIDs []string `json:"trace_ids"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	traces, err := s.Traces.GetTraces(r.Context(), req.TraceIDs)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("trace_infos")
	for i := range traces {
		w.element()
		writeTraceInfoBody(w, &traces[i].Info)
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}

func (s *Server) searchTracesV3(w *jsonWriter, r *http.Request) error {
	var req struct {
		Locations []struct {
			Type             string `json:"type"`
			MlflowExperiment *struct {
				ExperimentID string `json:"experiment_id"`
			} `json:"mlflow_experiment"`
		} `json:"locations"`
		Filter     string   `json:"filter"`
		MaxResults int      `json:"max_results"`
		OrderBy    []string `json:"order_by"`
		PageToken  string   `json:"page_token"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	sr := tracing.SearchRequest{Filter: req.Filter, MaxResults: req.MaxResults, OrderBy: req.OrderBy, PageToken: req.PageToken}
	for _, l := range req.Locations {
		if l.MlflowExperiment == nil {
			return weir.Errorf(weir.ErrInvalidParameterValue,
				"Trace location type '%s' is not supported: search experiments (MLFLOW_EXPERIMENT).", l.Type)
		}
		sr.ExperimentIDs = append(sr.ExperimentIDs, l.MlflowExperiment.ExperimentID)
	}
	infos, next, err := s.Traces.SearchTraces(r.Context(), sr)
	if err != nil {
		return err
	}
	w.openObject()
	w.arrayField("traces")
	for i := range infos {
		w.element()
		writeTraceInfoBody(w, &infos[i])
		w.closeObject()
	}
	w.closeArray()
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

func (s *Server) deleteTraces(w *jsonWriter, r *http.Request) error {
	var req struct {
		ExperimentID       string      `json:"experiment_id"`
		MaxTimestampMillis json.Number `json:"max_timestamp_millis"`
		MaxTraces          json.Number `json:"max_traces"`
		RequestIDs         []string    `json:"request_ids"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	dr := tracing.DeleteRequest{ExperimentID: req.ExperimentID, TraceIDs: req.RequestIDs}
	if req.MaxTimestampMillis != "" {
		v, err := req.MaxTimestampMillis.Int64()
		if err != nil || v < 0 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value %s for parameter 'max_timestamp_millis' supplied.", req.MaxTimestampMillis)
		}
		dr.MaxTimestampMillis = v
	}
	if req.MaxTraces != "" {
		v, err := req.MaxTraces.Int64()
		if err != nil || v < 0 || v > math.MaxInt32 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid value %s for parameter 'max_traces' supplied.", req.MaxTraces)
		}
		dr.MaxTraces = int(v)
	}
	n, err := s.Traces.DeleteTraces(r.Context(), dr)
	if err != nil {
		return err
	}
	w.openObject()
	w.intField("traces_deleted", int64(n))
	w.closeObject()
	return nil
}

func (s *Server) linkTracesToRun(w *jsonWriter, r *http.Request) error {
	var req struct {
		TraceIDs []string `json:"trace_ids"`
		RunID    string   `json:"run_id"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	return s.Traces.LinkTracesToRun(r.Context(), req.TraceIDs, req.RunID)
}

func (s *Server) setTraceTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	return s.Traces.SetTraceTag(r.Context(), r.PathValue("trace_id"), req.Key, req.Value)
}

func (s *Server) deleteTraceTag(w *jsonWriter, r *http.Request) error {
	key := r.URL.Query().Get("key")
	if key == "" {
		var req struct {
			Key string `json:"key"`
		}
		if err := decodeJSON(r, &req); err != nil {
			return err
		}
		key = req.Key
	}
	if key == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'key'.")
	}
	return s.Traces.DeleteTraceTag(r.Context(), r.PathValue("trace_id"), key)
}
