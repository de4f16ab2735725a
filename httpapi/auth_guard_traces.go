package httpapi

import (
	"context"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/tracing"
)

// guardedTraces is a tracing.Service (and AssessmentService) that checks
// each call against the permissions of the trace's experiment, as MLflow's
// basic-auth app does: READ to read traces and assessments, EDIT to log or
// change them, MANAGE to delete traces. Lists keep what the caller may read.
type guardedTraces struct {
	inner tracing.Service
	g     *guard
}

func (t *guardedTraces) exp(ctx context.Context, id string, a auth.Action) error {
	return t.g.check(ctx, auth.Experiment, id, a)
}

// trace checks a on the experiment of an existing trace.
func (t *guardedTraces) trace(ctx context.Context, traceID string, a auth.Action) error {
	in, err := t.inner.GetTraceInfo(ctx, traceID)
	if err != nil {
		return err
	}
	return t.exp(ctx, in.ExperimentID, a)
}

func (t *guardedTraces) StartTrace(ctx context.Context, in tracing.Info) (*tracing.Info, error) {
	if err := t.exp(ctx, in.ExperimentID, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return t.inner.StartTrace(ctx, in)
}

func (t *guardedTraces) LogSpans(ctx context.Context, experimentID string, spans []tracing.Span) error {
	if err := t.exp(ctx, experimentID, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.LogSpans(ctx, experimentID, spans)
}

func (t *guardedTraces) GetTraceInfo(ctx context.Context, traceID string) (*tracing.Info, error) {
	in, err := t.inner.GetTraceInfo(ctx, traceID)
	if err != nil {
		return nil, err
	}
	if err := t.exp(ctx, in.ExperimentID, auth.ActionRead); err != nil {
		return nil, err
	}
	return in, nil
}

func (t *guardedTraces) GetTraces(ctx context.Context, traceIDs []string) ([]tracing.Trace, error) {
	all, err := t.inner.GetTraces(ctx, traceIDs)
	if err != nil {
		return nil, err
	}
	kept := all[:0]
	for _, tr := range all {
		ok, err := t.g.readable(ctx, auth.Experiment, tr.Info.ExperimentID)
		if err != nil {
			return nil, err
		}
		if ok {
			kept = append(kept, tr)
		}
	}
	return kept, nil
}

// SearchTraces needs READ on every experiment searched, as MLflow's does.
func (t *guardedTraces) SearchTraces(ctx context.Context, req tracing.SearchRequest) ([]tracing.Info, string, error) {
	for _, id := range req.ExperimentIDs {
		if err := t.exp(ctx, id, auth.ActionRead); err != nil {
			return nil, "", err
		}
	}
	return t.inner.SearchTraces(ctx, req)
}

func (t *guardedTraces) DeleteTraces(ctx context.Context, req tracing.DeleteRequest) (int, error) {
	if err := t.exp(ctx, req.ExperimentID, auth.ActionDelete); err != nil {
		return 0, err
	}
	return t.inner.DeleteTraces(ctx, req)
}

func (t *guardedTraces) SetTraceTag(ctx context.Context, traceID, key, value string) error {
	if err := t.trace(ctx, traceID, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.SetTraceTag(ctx, traceID, key, value)
}

func (t *guardedTraces) DeleteTraceTag(ctx context.Context, traceID, key string) error {
	if err := t.trace(ctx, traceID, auth.ActionUpdate); err != nil {
		return err
	}
	return t.inner.DeleteTraceTag(ctx, traceID, key)
}

// LinkTracesToRun needs EDIT on the run and READ on each trace.
func (t *guardedTraces) LinkTracesToRun(ctx context.Context, traceIDs []string, runID string) error {
	if err := t.g.checkRun(ctx, runID, auth.ActionUpdate); err != nil {
		return err
	}
	for _, id := range traceIDs {
		if err := t.trace(ctx, id, auth.ActionRead); err != nil && weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
			return err
		}
	}
	return t.inner.LinkTracesToRun(ctx, traceIDs, runID)
}

// assessments returns the inner store's assessments, which every trace
// store in Weir keeps.
func (t *guardedTraces) assessments() (tracing.AssessmentService, error) {
	as, ok := t.inner.(tracing.AssessmentService)
	if !ok {
		return nil, errDenied
	}
	return as, nil
}

func (t *guardedTraces) CreateAssessment(ctx context.Context, a tracing.Assessment) (*tracing.Assessment, error) {
	as, err := t.assessments()
	if err != nil {
		return nil, err
	}
	if err := t.trace(ctx, a.TraceID, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return as.CreateAssessment(ctx, a)
}

func (t *guardedTraces) GetAssessment(ctx context.Context, traceID, id string) (*tracing.Assessment, error) {
	as, err := t.assessments()
	if err != nil {
		return nil, err
	}
	if err := t.trace(ctx, traceID, auth.ActionRead); err != nil {
		return nil, err
	}
	return as.GetAssessment(ctx, traceID, id)
}

func (t *guardedTraces) UpdateAssessment(ctx context.Context, a tracing.Assessment, mask []string) (*tracing.Assessment, error) {
	as, err := t.assessments()
	if err != nil {
		return nil, err
	}
	if err := t.trace(ctx, a.TraceID, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return as.UpdateAssessment(ctx, a, mask)
}

func (t *guardedTraces) DeleteAssessment(ctx context.Context, traceID, id string) error {
	as, err := t.assessments()
	if err != nil {
		return err
	}
	if err := t.trace(ctx, traceID, auth.ActionUpdate); err != nil {
		return err
	}
	return as.DeleteAssessment(ctx, traceID, id)
}
