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
	"github.com/weir-ml/weir/artifact"
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

	for _, through := range []string{"directory", "store"} {
		t.Run(through, func(t *testing.T) {
			split := t.TempDir()
			var got *Summary
			var last *Runner
			for _, step := range Steps {
				last = newTestRunner(t, split, data)
				last.Step, last.Shared = step, "wf-1"
				got = runStep(t, last, through == "store", filepath.Join(split, "remote"))
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
			checkShared(t, last, split, data, through == "store")
		})
	}
}

// runStep runs r; through a store, it first replaces the state directory
// with the store's copy and afterwards stores what the step wrote, as pods
// that share nothing but the store do.
func runStep(t *testing.T, r *Runner, store bool, remote string) *Summary {
	t.Helper()
	ctx := context.Background()
	m := &StateMirror{Remote: artifact.NewDir(remote), Dir: r.StateDir}
	if store {
		if err := m.Pull(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s, err := r.Run(ctx)
	if err != nil {
		t.Fatalf("step %s: %v", r.Step, err)
	}
	if store {
		if err := m.Push(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// checkShared checks that every step logged to one pipeline run, and that
// running the last step again replays it from the cache.
func checkShared(t *testing.T, last *Runner, split, data string, store bool) {
	t.Helper()
	ctx := context.Background()
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
	s := runStep(t, again, store, filepath.Join(split, "remote"))
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
