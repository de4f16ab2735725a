package tracing

import (
	"context"
	"encoding/json"
)

// Assessment is feedback on a trace (a judge's or a person's score) or an
// expectation (the answer it should have given), as MLflow 3 keeps them.
// Values are kept as the JSON the client sent: MLflow's values are any JSON
// (numbers, strings, objects), and the server only stores them.
type Assessment struct {
	ID      string
	TraceID string
	Name    string
	SpanID  string
	// Source says who assessed: SourceType HUMAN, LLM_JUDGE or CODE, and
	// SourceID who exactly.
	SourceType, SourceID string
	// CreateTime and LastUpdateTime are milliseconds since the epoch.
	CreateTime, LastUpdateTime int64
	// Feedback or Expectation holds the value message, as JSON; one is set.
	Feedback, Expectation json.RawMessage
	// Error is an AssessmentError message, as JSON, when assessing failed.
	Error     json.RawMessage
	Rationale string
	Metadata  map[string]string
	// Overrides names the assessment this one replaces; the replaced one
	// becomes invalid until this one is deleted.
	Overrides string
	// Valid is nil for expectations, which MLflow leaves without it.
	Valid *bool
}

// Assessment fields an update may name in its mask, in MLflow's spelling.
const (
	MaskName        = "assessment_name"
	MaskFeedback    = "feedback"
	MaskExpectation = "expectation"
	MaskRationale   = "rationale"
	MaskMetadata    = "metadata"
)

// AssessmentService stores assessments of traces; sqlstore's TraceService
// implements it beside Service.
type AssessmentService interface {
	// CreateAssessment stores a new assessment under a new id ("a-" and 32
	// hex digits) and returns it.
	CreateAssessment(ctx context.Context, a Assessment) (*Assessment, error)
	GetAssessment(ctx context.Context, traceID, assessmentID string) (*Assessment, error)
	// UpdateAssessment changes the fields mask names (all that are set,
	// when mask is empty) and the last update time.
	UpdateAssessment(ctx context.Context, a Assessment, mask []string) (*Assessment, error)
	DeleteAssessment(ctx context.Context, traceID, assessmentID string) error
}
