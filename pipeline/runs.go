package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// startParent creates the run of this invocation, with its lineage.
func (r *Runner) startParent(ctx context.Context) error {
	if r.Shared != "" {
		ok, err := r.joinShared(ctx)
		if ok || err != nil {
			return err
		}
	}
	tags := []tracking.Tag{
		{Key: "mlflow.runName", Value: r.Spec.Name + "-" + r.Now().UTC().Format("20060102-150405")},
		{Key: "mlflow.source.type", Value: "PROJECT"},
		{Key: "mlflow.source.name", Value: "weir pipeline " + r.Spec.Name},
		{Key: "mlflow.note.content", Value: r.description()},
		{Key: "weir.version", Value: weir.Version},
		{Key: "weir.pipeline", Value: r.Spec.Name},
		{Key: "weir.seed", Value: strconv.FormatUint(r.Spec.Seed, 10)},
	}
	if r.GitRevision != "" {
		tags = append(tags, tracking.Tag{Key: "mlflow.source.git.commit", Value: r.GitRevision})
	}
	if r.Shared != "" {
		tags[0].Value = r.Spec.Name + "-" + r.Shared
		tags = append(tags, tracking.Tag{Key: sharedTag, Value: r.Shared})
	}
	u := "weir"
	if cu, err := user.Current(); err == nil {
		u = cu.Username
	}
	run, err := r.Backend.Tracking.CreateRun(ctx, tracking.RunCreate{ExperimentID: r.st.experimentID, UserID: u, StartTime: r.Now().UnixMilli(), Tags: tags})
	if err != nil {
		return fmt.Errorf("creating the pipeline run: %w", err)
	}
	r.parentID = run.Info.RunID
	r.st.summary.PipelineRunID = r.parentID
	return nil
}

// finishParent ends the pipeline run as MLflow's client does: FINISHED,
// KILLED when the run was interrupted (SIGINT, SIGTERM: its context was
// cancelled), FAILED otherwise, with the error kept as a tag.
func (r *Runner) finishParent(ctx context.Context, runErr error) {
	if r.parentID == "" {
		return
	}
	// A fresh context: a cancelled run must still be marked.
	bg := context.WithoutCancel(ctx)
	status := tracking.StatusFinished
	switch {
	case runErr == nil:
	case ctx.Err() != nil:
		status = tracking.StatusKilled
	default:
		status = tracking.StatusFailed
		_ = r.Backend.Tracking.SetTag(bg, r.parentID, tracking.Tag{Key: "weir.pipeline.error", Value: capTag(runErr.Error())})
	}
	end := r.Now().UnixMilli()
	_, _ = r.Backend.Tracking.UpdateRun(bg, r.parentID, tracking.RunUpdate{Status: &status, EndTime: &end})
}

// capTag shortens a tag value to MLflow's limit of 8,000 characters.
func capTag(s string) string {
	const max = 8000
	if len(s) <= max {
		return s
	}
	return s[:max-3] + "..."
}

func (r *Runner) description() string {
	b := r.Spec.Business
	return fmt.Sprintf("%s\n\nObjective: %s\n\nDecision: %s\n\nSuccess: %s", b.Question, b.Objective, b.Decision, b.SuccessCriterionText)
}

// childRun creates a run nested under the pipeline run.
func (r *Runner) childRun(ctx context.Context, name string, start time.Time, tags ...tracking.Tag) (string, error) {
	tags = append(tags,
		tracking.Tag{Key: "mlflow.runName", Value: name},
		tracking.Tag{Key: "mlflow.parentRunId", Value: r.parentID},
		tracking.Tag{Key: "weir.version", Value: weir.Version},
		tracking.Tag{Key: "weir.seed", Value: strconv.FormatUint(r.Spec.Seed, 10)},
	)
	if r.GitRevision != "" {
		tags = append(tags, tracking.Tag{Key: "mlflow.source.git.commit", Value: r.GitRevision})
	}
	run, err := r.Backend.Tracking.CreateRun(ctx, tracking.RunCreate{ExperimentID: r.st.experimentID, UserID: "weir", StartTime: start.UnixMilli(), Tags: tags})
	if err != nil {
		return "", err
	}
	return run.Info.RunID, nil
}

func (r *Runner) endRun(ctx context.Context, runID string, failed bool, at time.Time) error {
	status := tracking.StatusFinished
	if failed {
		status = tracking.StatusFailed
	}
	end := at.UnixMilli()
	_, err := r.Backend.Tracking.UpdateRun(ctx, runID, tracking.RunUpdate{Status: &status, EndTime: &end})
	return err
}

// logFile uploads a local file as an artifact of a run, under dir.
func (r *Runner) logFile(ctx context.Context, runID, dir, path string) error {
	if j := r.noting(runID); j != nil {
		j.Files = append(j.Files, loggedFile{Dir: dir, Path: path})
	}
	run, err := r.Backend.Tracking.GetRun(ctx, runID)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rel := filepath.Base(path)
	if dir != "" {
		rel = dir + "/" + rel
	}
	return r.Backend.Artifacts.Upload(ctx, run.Info.ArtifactURI, rel, bytes.NewReader(b))
}

// logParams logs params in batches small enough for MLflow's limits.
func (r *Runner) logParams(ctx context.Context, runID string, params []tracking.Param) error {
	if j := r.noting(runID); j != nil {
		j.Params = append(j.Params, params...)
	}
	for len(params) > 0 {
		n := min(len(params), 100)
		if err := r.Backend.Tracking.LogBatch(ctx, runID, nil, params[:n], nil); err != nil {
			return err
		}
		params = params[n:]
	}
	return nil
}

// logMetrics logs metrics at step 0, now.
func (r *Runner) logMetrics(ctx context.Context, runID string, m map[string]float64) error {
	if j := r.noting(runID); j != nil {
		if j.Metrics == nil {
			j.Metrics = map[string]float64{}
		}
		maps.Copy(j.Metrics, m)
	}
	var ms []tracking.Metric
	now := r.Now().UnixMilli()
	for k, v := range m {
		ms = append(ms, tracking.Metric{Key: k, Value: v, Timestamp: now})
	}
	if len(ms) == 0 {
		return nil
	}
	return r.Backend.Tracking.LogBatch(ctx, runID, ms, nil, nil)
}
