package httpapi

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
)

// experimentIDHeader names the experiment OTLP spans belong to, as MLflow's
// server reads it.
const experimentIDHeader = "X-Mlflow-Experiment-Id"

// otlpTraces is OpenTelemetry's trace export over HTTP (POST /v1/traces):
// an ExportTraceServiceRequest in Protocol Buffers or JSON, optionally
// gzipped, whose spans go to the experiment the X-MLflow-Experiment-Id
// header names. The answer is an empty ExportTraceServiceResponse in the
// request's encoding.
func (s *Server) otlpTraces(w *jsonWriter, r *http.Request) error {
	if s.Traces == nil {
		return notServed(r)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-protobuf" && ct != "application/json" {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"OTLP requests must be application/x-protobuf or application/json, not '%s'.", r.Header.Get("Content-Type"))
	}
	exp := r.Header.Get(experimentIDHeader)
	if exp == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Missing the %s header: it names the experiment the spans belong to.", experimentIDHeader)
	}
	body, err := s.readOTLPBody(r)
	if err != nil {
		return err
	}
	var spans []tracing.Span
	if ct == "application/json" {
		spans, err = tracing.DecodeOTLPJSON(body)
	} else {
		spans, err = tracing.DecodeOTLP(body)
	}
	if err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "%s", err.Error())
	}
	if err := s.Traces.LogSpans(r.Context(), exp, spans); err != nil {
		return err
	}
	if ct == "application/json" {
		w.openObject()
		w.closeObject()
		return nil
	}
	h := w.out.Header()
	h.Set("Content-Type", "application/x-protobuf")
	h.Set("Content-Length", "0")
	w.out.WriteHeader(http.StatusOK)
	w.started = true // the (empty) answer is out
	return nil
}

// readOTLPBody reads the request body, gunzipping it when it says so; the
// unzipped size is held to the same limit as a plain body, so a small zip
// cannot expand into memory without bound.
func (s *Server) readOTLPBody(r *http.Request) ([]byte, error) {
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	var src io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "The body says it is gzip but is not: %s", err.Error())
		}
		defer zr.Close()
		src = zr
	default:
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Content-Encoding '%s' is not supported: send the body plain or gzip.", r.Header.Get("Content-Encoding"))
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(src, limit+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || n > limit:
		return nil, weir.Errorf(weir.ErrBadRequest, "Request body is larger than the limit of %d bytes.", limit)
	case err != nil:
		return nil, weir.Errorf(weir.ErrBadRequest, "Could not read the request body: %s", err.Error())
	}
	return buf.Bytes(), nil
}
