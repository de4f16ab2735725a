package httpapi

import (
	"net/http"
	"path"
	"regexp"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

// traceDataFile is the name MLflow gives a trace's span data.
const traceDataFile = "traces.json"

// getTraceArtifact answers the UI's trace download,
// GET /ajax-api/2.0/mlflow/get-trace-artifact?request_id=...: the trace's
// spans as MLflow's traces.json ({"spans": [...]}, each span in the form of
// MLflow's Span.to_dict) sent as an attachment. With path=<uuid> it sends
// that attachment of the trace instead, read from the trace's artifact
// location through the same containment checks as run artifacts.
func (s *Server) getTraceArtifact(w http.ResponseWriter, r *http.Request) {
	if s.Traces == nil {
		s.writeError(w, r, notServed(r))
		return
	}
	q := r.URL.Query()
	id := q.Get("request_id")
	if id == "" {
		s.writeError(w, r, weir.Errorf(weir.ErrBadRequest, `Request must include the "request_id" query parameter.`))
		return
	}
	if q.Has("path") && q.Get("path") != "" {
		s.sendTraceAttachment(w, r, id, q.Get("path"))
		return
	}
	// The info first: a trace the caller may not read is then refused
	// (403), not hidden as missing.
	if _, err := s.Traces.GetTraceInfo(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	traces, err := s.Traces.GetTraces(r.Context(), []string{id})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(traces) == 0 {
		s.writeError(w, r, weir.Errorf(weir.ErrResourceDoesNotExist, "Trace with ID '%s' not found.", id))
		return
	}
	body, err := traceDataJSON(traces[0].Spans)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Disposition", "attachment; filename="+traceDataFile)
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(body)
}

// traceDataJSON writes a trace's spans as MLflow's TraceData.to_json_bytes
// does: {"spans":[...]} around the spans as its store keeps them.
func traceDataJSON(spans []tracing.RawSpan) ([]byte, error) {
	b := append([]byte(nil), `{"spans":[`...)
	for i, raw := range spans {
		sp, err := tracing.ParseRawSpan(raw)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = sp.AppendDict(b)
	}
	return append(b, "]}"...), nil
}

// canonicalUUID is how MLflow requires an attachment path to look.
var canonicalUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// sendTraceAttachment sends attachments/<name> under the trace's artifact
// location. The name must be a canonical UUID, as MLflow requires, so it
// can never climb out of that folder.
func (s *Server) sendTraceAttachment(w http.ResponseWriter, r *http.Request, traceID, name string) {
	if !canonicalUUID.MatchString(name) {
		s.writeError(w, r, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid attachment path: '%s'. Attachment path must be a valid UUID.", name))
		return
	}
	info, err := s.Traces.GetTraceInfo(r.Context(), traceID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	loc := info.Tags[tracing.TagArtifactLocation]
	if loc == "" {
		s.writeError(w, r, weir.Errorf(weir.ErrResourceDoesNotExist, "Trace with ID '%s' has no artifact location.", traceID))
		return
	}
	store, root, err := s.artifactRoot(loc)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendFile(w, r, store, path.Join(root, "attachments", name))
}
