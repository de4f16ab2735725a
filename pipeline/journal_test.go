package pipeline

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// runRecord returns the params, metrics and artifact paths of a run.
func runRecord(t *testing.T, r *Runner, runID string) (params map[string]string, metrics []string, files []string) {
	t.Helper()
	ctx := context.Background()
	run, err := r.Backend.Tracking.GetRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	params = map[string]string{}
	for _, p := range run.Data.Params {
		params[p.Key] = p.Value
	}
	for _, m := range run.Data.Metrics {
		metrics = append(metrics, m.Key)
	}
	slices.Sort(metrics)
	root := filepath.Join(filepath.Dir(r.StateDir), "artifacts")
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.Contains(path, runID) {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel[strings.Index(rel, runID)+len(runID):])
		}
		return nil
	})
	slices.Sort(files)
	return params, metrics, files
}

func TestCachedRunIsComplete(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	r1 := newTestRunner(t, dir, data)
	first, err := r1.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2 := newTestRunner(t, dir, data)
	second, err := r2.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.PipelineRunID == second.PipelineRunID {
		t.Fatal("the rerun reused the first run")
	}
	p1, m1, f1 := runRecord(t, r1, first.PipelineRunID)
	p2, m2, f2 := runRecord(t, r2, second.PipelineRunID)
	if len(p1) == 0 || len(m1) == 0 || len(f1) == 0 {
		t.Fatalf("first run logged params %d, metrics %d, files %d: want some of each", len(p1), len(m1), len(f1))
	}
	if !maps.Equal(p1, p2) {
		t.Errorf("cached run params = %v, want the first run's %v", p2, p1)
	}
	if !slices.Equal(m1, m2) {
		t.Errorf("cached run metrics = %v, want %v", m2, m1)
	}
	// The model's own files stay with the run that logged it; every report
	// is on the cached run too.
	var reports []string
	for _, f := range f1 {
		if !strings.Contains(f, "/model/") {
			reports = append(reports, f)
		}
	}
	for _, f := range reports {
		if !slices.Contains(f2, f) {
			t.Errorf("cached run lacks artifact %s (has %v)", f, f2)
		}
	}
	run, err := r2.Backend.Tracking.GetRun(ctx, second.PipelineRunID)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, tg := range run.Data.Tags {
		tags[tg.Key] = tg.Value
	}
	if got, want := tags["weir.pipeline.step.model"], "cached from run "+first.PipelineRunID; got != want {
		t.Errorf("model step tag = %q, want %q", got, want)
	}
	if got := tags["weir.monitoring.decision"]; got == "" {
		t.Errorf("cached run lacks the monitoring decision tag")
	}
}

func TestVariantsKeepTheirCache(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	ctx := context.Background()
	if _, err := newTestRunner(t, dir, data).Run(ctx); err != nil {
		t.Fatal(err)
	}
	v := newTestRunner(t, dir, data)
	v.Spec.Model.Candidates = v.Spec.Model.Candidates[1:]
	if _, err := v.Run(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := newTestRunner(t, dir, data).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range again.Steps {
		if st.Status != "cached" {
			t.Fatalf("the original spec after a variant: %s, want every step cached", statuses(again))
		}
	}
	if again.Champion.Version != "1" {
		t.Errorf("champion = %+v, want version 1", again.Champion)
	}
}

func TestRunStatusOnFailureAndInterrupt(t *testing.T) {
	dir := t.TempDir()
	r := newTestRunner(t, dir, smallCSV(t, dir, true))
	_, err := r.Run(context.Background())
	if err == nil {
		t.Fatal("want a validation failure")
	}
	run, err2 := r.Backend.Tracking.GetRun(context.Background(), r.parentID)
	if err2 != nil {
		t.Fatal(err2)
	}
	if run.Info.Status != tracking.StatusFailed {
		t.Errorf("failed run status = %s, want FAILED", run.Info.Status)
	}
	found := false
	for _, tg := range run.Data.Tags {
		found = found || tg.Key == "weir.pipeline.error" && strings.Contains(tg.Value, "validate")
	}
	if !found {
		t.Errorf("failed run has no weir.pipeline.error tag naming the step")
	}

	dir = t.TempDir()
	r = newTestRunner(t, dir, smallCSV(t, dir, false))
	ctx, cancel := context.WithCancel(context.Background())
	r.Progress = cancelAfter{"model", cancel}
	_, err = r.Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run error = %v, want context.Canceled", err)
	}
	run, err = r.Backend.Tracking.GetRun(context.Background(), r.parentID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Info.Status != tracking.StatusKilled {
		t.Errorf("interrupted run status = %s, want KILLED", run.Info.Status)
	}
}

// cancelAfter cancels when a progress line names the step as started.
type cancelAfter struct {
	step   string
	cancel context.CancelFunc
}

func (c cancelAfter) Write(b []byte) (int, error) {
	if strings.Contains(string(b), c.step) && strings.HasSuffix(strings.TrimSpace(string(b)), "...") {
		c.cancel()
	}
	return len(b), nil
}

func TestGCKeepsNewest(t *testing.T) {
	state := t.TempDir()
	for i, key := range []string{"aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"} {
		d := filepath.Join(state, "p", "model", key)
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "result.json"), []byte(strings.Repeat("x", 1000)), 0o644)
		mt := mustTime(t, i)
		os.Chtimes(filepath.Join(d, "result.json"), mt, mt)
	}
	os.WriteFile(filepath.Join(state, "p", "model", "result.json"), []byte("{}"), 0o644) // an earlier layout
	var out strings.Builder
	n, freed, err := GC(state, 1, 0, &out)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || freed != 2002 {
		t.Errorf("GC removed %d (%d bytes), want 3 (2002 bytes)", n, freed)
	}
	left, _ := filepath.Glob(filepath.Join(state, "p", "model", "*"))
	if len(left) != 1 || filepath.Base(left[0]) != "cccccccccccccccc" {
		t.Errorf("left %v, want only the newest entry", left)
	}
	if !strings.Contains(out.String(), "removed 3 cached step results (2 kB)") {
		t.Errorf("GC said %q", out.String())
	}
	if n, _, _ := GC(state, 1, 500, &out); n != 1 {
		t.Errorf("GC under a 500-byte cap removed %d, want the last entry", n)
	}
}

func mustTime(t *testing.T, i int) time.Time {
	t.Helper()
	return time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
}

// Trial runs log their validation metrics as valid_<metric>, as MLflow
// users search them.
func TestTrialsLogValidMetrics(t *testing.T) {
	dir := t.TempDir()
	r := newTestRunner(t, dir, smallCSV(t, dir, false))
	// A clock that moves a second at every reading tells the moments apart.
	var tick int64
	r.Now = func() time.Time { tick++; return time.Unix(1_800_000_000+tick, 0) }
	s, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	runs, _, err := r.Backend.Tracking.SearchRuns(context.Background(), tracking.RunSearch{
		ExperimentIDs: []string{r.st.experimentID}, Filter: "tags.mlflow.parentRunId = '" + s.PipelineRunID + "'", MaxResults: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatal("no trial runs")
	}
	for _, run := range runs {
		keys := map[string]bool{}
		for _, m := range run.Data.Metrics {
			keys[m.Key] = true
		}
		if !keys["valid_roc_auc"] || !keys["valid_log_loss"] {
			t.Errorf("trial %s logs metrics %v, want valid_roc_auc and valid_log_loss", run.Info.RunID, keys)
		}
		// The run spans the trial itself, which ended before its metrics
		// were logged: not the moment of logging (durations of 0-5 ms).
		if end := run.Info.EndTime; end == nil || *end <= run.Info.StartTime || *end > run.Data.Metrics[0].Timestamp {
			t.Errorf("trial %s ran from %d to %v with metrics logged at %d: want the trial's own start and end, before the logging",
				run.Info.RunID, run.Info.StartTime, end, run.Data.Metrics[0].Timestamp)
		}
		selection := ""
		for _, tag := range run.Data.Tags {
			if tag.Key == "weir.selection_metric" {
				selection = tag.Value
			}
		}
		if selection != "roc_auc" {
			t.Errorf("trial %s weir.selection_metric = %q, want roc_auc", run.Info.RunID, selection)
		}
	}
}
