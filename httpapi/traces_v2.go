package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sort"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

// MLflow 2's trace API, which MLflow 3's client still falls back to and its
// tests still call: StartTrace (POST /mlflow/traces with an experiment_id
// instead of a trace), EndTrace (PATCH /mlflow/traces/{request_id}) and
// GetTraceInfo (GET /mlflow/traces/{request_id}/info). The same store
// serves both versions.

func kvMap(kvs []wireKV) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// v2Statuses are TraceStatus names; MLflow 2 called the state a status.
var v2Statuses = map[string]string{"TRACE_STATUS_UNSPECIFIED": tracing.StateUnspecified, "OK": tracing.StateOK,
	"ERROR": tracing.StateError, "IN_PROGRESS": tracing.StateInProgress}

// startTraceV2 is StartTrace: a new in-progress trace, its id made here.
func (s *Server) startTraceV2(w *jsonWriter, r *http.Request, experimentID string, timestampMs int64, metadata, tags []wireKV) error {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	// MLflow 2's request ids are 32 hex digits, without v3's "tr-".
	in := tracing.Info{TraceID: hex.EncodeToString(b[:]), ExperimentID: experimentID, RequestTime: timestampMs,
		State: tracing.StateInProgress, Metadata: kvMap(metadata), Tags: kvMap(tags)}
	info, err := s.Traces.StartTrace(r.Context(), in)
	if err != nil {
		return err
	}
	writeTraceInfoV2(w, info)
	return nil
}

// endTraceV2 is EndTrace: the end time, status, and more metadata and tags.
func (s *Server) endTraceV2(w *jsonWriter, r *http.Request) error {
	var req struct {
		TimestampMs     int64    `json:"timestamp_ms"`
		Status          string   `json:"status"`
		RequestMetadata []wireKV `json:"request_metadata"`
		Tags            []wireKV `json:"tags"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	state, ok := v2Statuses[req.Status]
	if !ok && req.Status != "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid trace status '%s': want OK, ERROR or IN_PROGRESS.", req.Status)
	}
	in, err := s.Traces.GetTraceInfo(r.Context(), r.PathValue("trace_id"))
	if err != nil {
		return err
	}
	if req.TimestampMs > 0 {
		in.ExecutionDuration = max(req.TimestampMs-in.RequestTime, 0)
	}
	if state != "" {
		in.State = state
	}
	for k, v := range kvMap(req.RequestMetadata) {
		in.Metadata[k] = v
	}
	for k, v := range kvMap(req.Tags) {
		in.Tags[k] = v
	}
	info, err := s.Traces.StartTrace(r.Context(), *in)
	if err != nil {
		return err
	}
	writeTraceInfoV2(w, info)
	return nil
}

func (s *Server) getTraceInfoV2(w *jsonWriter, r *http.Request) error {
	info, err := s.Traces.GetTraceInfo(r.Context(), r.PathValue("trace_id"))
	if err != nil {
		return err
	}
	writeTraceInfoV2(w, info)
	return nil
}

// writeTraceInfoV2 answers {"trace_info": TraceInfo} in MLflow 2's form.
func writeTraceInfoV2(w *jsonWriter, in *tracing.Info) {
	w.openObject()
	w.objectField("trace_info")
	w.stringField("request_id", in.TraceID)
	w.stringField("experiment_id", in.ExperimentID)
	w.intField("timestamp_ms", in.RequestTime)
	w.intField("execution_time_ms", in.ExecutionDuration)
	status := "TRACE_STATUS_UNSPECIFIED"
	if in.State != tracing.StateUnspecified {
		status = in.State
	}
	w.stringField("status", status)
	for _, f := range []struct {
		k string
		m map[string]string
	}{{"request_metadata", in.Metadata}, {"tags", in.Tags}} {
		keys := make([]string, 0, len(f.m))
		for k := range f.m {
			// The v3 info's finalized mark means nothing to an MLflow 2
			// client, whose metadata is what it sent.
			if k != tracing.MetaInfoFinalized {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		w.arrayField(f.k)
		for _, k := range keys {
			w.element()
			w.comma() // keys are the client's: quoted, not trusted like key()'s
			w.b = append(w.b, `"key":`...)
			w.b = appendJSONString(w.b, k)
			w.b = append(w.b, `,"value":`...)
			w.b = appendJSONString(w.b, f.m[k])
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()
	w.closeObject()
}
