package pipeline

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// TestStepByStepEqualsWholeRun runs each step in its own Runner, as a
// workflow on a cluster does, and checks the outcome is the whole run's.
func TestStepByStepEqualsWholeRun(t *testing.T) {
	ctx := context.Background()
	whole, data := t.TempDir(), smallCSV(t, t.TempDir(), false)
	r := newTestRunner(t, whole, data)
	want, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantLogged := parentLog(t, r, want.PipelineRunID)

	split := t.TempDir()
	var got *Summary
	var last *Runner
	for _, step := range Steps {
		last = newTestRunner(t, split, data)
		last.Step, last.Shared = step, "wf-1"
		if got, err = last.Run(ctx); err != nil {
			t.Fatalf("step %s: %v", step, err)
		}
		if n := len(got.Steps); n == 0 || got.Steps[n-1].Name != step || got.Steps[n-1].Status != "ran" {
			t.Fatalf("step %s: %s, want it last and ran", step, statuses(got))
		}
	}
	if g, w := normalSummary(t, got, split), normalSummary(t, want, whole); g != w {
		t.Errorf("step by step summary:\n%s\nwant the whole run's:\n%s", g, w)
	}
	if g := parentLog(t, last, got.PipelineRunID); !reflect.DeepEqual(g, wantLogged) {
		t.Errorf("shared pipeline run logged %d params and metrics, want the whole run's %d (or different values)", len(g), len(wantLogged))
	}
	// Every step logged to one pipeline run.
	runs, _, err := last.Backend.Tracking.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{last.st.experimentID}, Filter: "tags.weir.pipeline = 'small'"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d pipeline runs, want the one shared run", len(runs))
	}

	// Again: every step is cached, and its run is not logged to twice.
	again := newTestRunner(t, split, data)
	again.Step, again.Shared = "monitor", "wf-1"
	s, err := again.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := s.Steps[len(s.Steps)-1]; st.Status != "cached" {
		t.Errorf("monitor again: %s, want cached", st.Status)
	}
}

// normalSummary is the summary as JSON without what differs between two
// equal runs: run IDs, timings, statuses and the directory they ran in.
func normalSummary(t *testing.T, s *Summary, dir string) string {
	t.Helper()
	c := *s
	c.Steps, c.PipelineRunID, c.Seconds = nil, "", 0
	c.Champion.ModelID = "" // a logged model's ID is random
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), dir, "DIR")
}

// parentLog is what the pipeline run holds: its params and metrics.
func parentLog(t *testing.T, r *Runner, runID string) map[string]string {
	t.Helper()
	run, err := r.Backend.Tracking.GetRun(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range run.Data.Params {
		out["param "+p.Key] = p.Value
	}
	for _, m := range run.Data.Metrics {
		out["metric "+m.Key] = strconv.FormatFloat(m.Value, 'g', -1, 64)
	}
	return out
}

func TestStepErrors(t *testing.T) {
	dir := t.TempDir()
	data := smallCSV(t, dir, false)
	for _, tc := range []struct {
		step, force, shared string
		code                string
		want                string
	}{
		{"model", "", "", weir.ErrInvalidState, "step business has no result in " + filepath.Join(dir, "state")},
		{"modle", "", "", weir.ErrInvalidParameterValue, `--step "modle" is not a step`},
		{"model", "prepare", "", weir.ErrInvalidParameterValue, "--force prepare with --step model"},
		{"business", "", "a b", weir.ErrInvalidParameterValue, `shared pipeline run "a b"`},
	} {
		r := newTestRunner(t, dir, data)
		r.Step, r.Force, r.Shared = tc.step, tc.force, tc.shared
		_, err := r.Run(context.Background())
		if weir.ErrorCode(err) != tc.code || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("step %s force %q shared %q: error %v, want %s containing %q", tc.step, tc.force, tc.shared, err, tc.code, tc.want)
		}
	}
}
