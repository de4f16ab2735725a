// Package tracing holds MLflow 3 traces: a trace's info (where it belongs,
// when it ran, its state, previews, metadata and tags) and its spans, kept
// in OpenTelemetry's shape. It declares the Service that stores implement,
// and decodes spans as OpenTelemetry exporters send them (OTLP protobuf
// and JSON).
package tracing

import (
	"context"
)

// Trace states, as MLflow names them.
const (
	StateUnspecified = "STATE_UNSPECIFIED"
	StateOK          = "OK"
	StateError       = "ERROR"
	StateInProgress  = "IN_PROGRESS"
)

// Keys the server writes, as MLflow's does: the tag saying spans are kept
// in the store (so the client uploads no span artifact), the tag with the
// trace's artifact folder, the metadata marking an info as final, and the
// metadata and tag keys that name a trace's run and name.
const (
	TagSpansLocation     = "mlflow.trace.spansLocation"
	SpansInTrackingStore = "TRACKING_STORE"
	TagArtifactLocation  = "mlflow.artifactLocation"
	TagTraceName         = "mlflow.traceName"
	MetaInfoFinalized    = "mlflow.trace.infoFinalized"
	MetaSourceRun        = "mlflow.sourceRun"
	// AttrTraceRequestID is the span attribute holding MLflow's trace id
	// (tr-...), which differs from OpenTelemetry's 16-byte trace id.
	AttrTraceRequestID = "mlflow.traceRequestId"
	// AttrSpanType is the span attribute holding MLflow's span type (LLM,
	// TOOL, CHAIN, ...), JSON-encoded.
	AttrSpanType = "mlflow.spanType"
)

// Info is what MLflow calls TraceInfoV3.
type Info struct {
	TraceID         string
	ClientRequestID string
	ExperimentID    string
	// RequestTime is when the trace started, in milliseconds since the
	// epoch; ExecutionDuration is how long it ran, in milliseconds.
	RequestTime       int64
	ExecutionDuration int64
	State             string
	RequestPreview    string
	ResponsePreview   string
	Metadata          map[string]string
	Tags              map[string]string
	// Assessments are the trace's feedback and expectations, oldest first.
	Assessments []Assessment
}

// Trace is a trace's info and its spans, in start order, each as the JSON
// Span.AppendJSON writes (stores keep them in that form and hand them back
// without decoding).
type Trace struct {
	Info  Info
	Spans []RawSpan
}

// RawSpan is a span in the JSON form Span.AppendJSON writes.
type RawSpan []byte

// SearchRequest is a search of trace infos.
type SearchRequest struct {
	ExperimentIDs []string
	Filter        string
	MaxResults    int
	OrderBy       []string
	PageToken     string
}

// DeleteRequest deletes the traces of an experiment: the ones named by
// TraceIDs, or the oldest ones, MaxTraces of them at most, that started
// before MaxTimestampMillis.
type DeleteRequest struct {
	ExperimentID       string
	TraceIDs           []string
	MaxTimestampMillis int64
	MaxTraces          int
}

// Service stores traces. Stores in sqlstore implement it on SQLite and
// PostgreSQL.
type Service interface {
	// StartTrace records a trace's info, which the client sends when the
	// trace ends (MLflow's StartTraceV3), merging it with what spans that
	// arrived first left. It returns the info as stored, with the tags the
	// server adds.
	StartTrace(ctx context.Context, info Info) (*Info, error)
	// LogSpans records spans of the experiment's traces (OpenTelemetry's
	// export), creating in-progress infos for traces not seen yet. A span
	// sent again replaces the earlier copy.
	LogSpans(ctx context.Context, experimentID string, spans []Span) error
	GetTraceInfo(ctx context.Context, traceID string) (*Info, error)
	// GetTraces returns the traces named, spans included, skipping ids
	// that are not found.
	GetTraces(ctx context.Context, traceIDs []string) ([]Trace, error)
	SearchTraces(ctx context.Context, req SearchRequest) (infos []Info, nextPageToken string, err error)
	DeleteTraces(ctx context.Context, req DeleteRequest) (int, error)
	SetTraceTag(ctx context.Context, traceID, key, value string) error
	DeleteTraceTag(ctx context.Context, traceID, key string) error
	// LinkTracesToRun links traces to a run, as MLflow's
	// LinkTracesToRun does (the run's id becomes each trace's
	// mlflow.sourceRun metadata unless it already has one).
	LinkTracesToRun(ctx context.Context, traceIDs []string, runID string) error
}
