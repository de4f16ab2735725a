//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/weir-ml/weir/tracking"
)

// jsonElsewhere are the commands with -o whose JSON is tested in their own
// files, or not yet printed, with why.
var jsonElsewhere = map[string]string{
	"demo":                       "runs pipelineFlags.run as pipeline run does; the demo needs the bank data",
	"models build-image":         "models_image_test.go",
	"models generate-dockerfile": "models_image_test.go",
	"monitor labels":             "monitor_test.go",
	"monitor retrain":            "prints JSON whatever -o says (monitor_retrain_test.go)",
}

// mustPipelineStore runs a small pipeline into a fresh SQLite store and
// returns the tracking flags of that store and the state directory.
func mustPipelineStore(t *testing.T) (dir string, local []string) {
	t.Helper()
	dir = t.TempDir()
	csv := filepath.Join(dir, "table.csv")
	mustPipelineCSV(t, csv)
	spec := mustPipelineSpec(t, dir, csv, "seed: 42", "seed: 42")
	local = []string{"--tracking-uri", "sqlite:///" + filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts")}
	args := append([]string{"pipeline", "run", spec, "--no-image", "--state-dir", filepath.Join(dir, "state")}, local...)
	if code, msg, _ := runExit(t, context.Background(), args...); code != 0 {
		t.Fatalf("pipeline run: exit %d: %s", code, msg)
	}
	return dir, local
}

// TestJSONOutput runs every command that takes -o json and decodes what it
// printed; the table lists what each must hold.
func TestJSONOutput(t *testing.T) {
	ctx := context.Background()
	dir, local := mustPipelineStore(t)
	spec := mustPipelineSpec(t, dir, filepath.Join(dir, "table.csv"), "seed: 42", "seed: 42")
	jsonOut := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		code, msg, out := runExit(t, ctx, append(append(args, local...), "-o", "json")...)
		if code != 0 {
			t.Fatalf("weir %s: exit %d: %s", strings.Join(args, " "), code, msg)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("weir %s -o json printed %q: %v", strings.Join(args, " "), out, err)
		}
		return v
	}
	runs := jsonOut(t, "runs", "list")["runs"].([]any)
	if len(runs) == 0 {
		t.Fatal("runs list: no runs, want the pipeline's")
	}
	info := func(r any) map[string]any { return r.(map[string]any)["info"].(map[string]any) }
	runID := info(runs[0])["run_id"].(string)
	upload := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(upload, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}

	tested := map[string]bool{}
	for _, tt := range []struct {
		cmd  string // the command's path, as kong names it
		args []string
		key  string // a key the JSON object must have
	}{
		{"pipeline run", []string{"pipeline", "run", spec, "--no-image", "--state-dir", filepath.Join(dir, "state")}, "pipeline"},
		{"experiments list", []string{"experiments", "list"}, "experiments"},
		{"experiments create", []string{"experiments", "create", "scratch"}, "experiment_id"},
		{"experiments delete", []string{"experiments", "delete", "2"}, "experiment_id"},
		{"runs list", []string{"runs", "list", "-x", "1"}, "runs"},
		{"runs get", []string{"runs", "get", runID}, "run"},
		{"models list", []string{"models", "list"}, "registered_models"},
		{"models versions", []string{"models", "versions", "table"}, "model_versions"},
		{"models alias set", []string{"models", "alias", "set", "table", "staging", "1"}, "alias"},
		{"models alias delete", []string{"models", "alias", "delete", "table", "staging"}, "deleted"},
		{"models download", []string{"models", "download", "models:/table@champion", "-d", filepath.Join(dir, "model")}, "dir"},
		{"artifacts upload", []string{"artifacts", "upload", "--run-id", runID, "--artifact-path", "notes", upload}, "uploaded"},
		{"artifacts list", []string{"artifacts", "list", "--run-id", runID, "--path", "notes"}, "files"},
		{"artifacts download", []string{"artifacts", "download", "--run-id", runID, "--path", "notes", "-d", filepath.Join(dir, "dl")}, "dir"},
		{"monitor report", []string{"monitor", "report", "-m", "models:/table@champion", "--current", filepath.Join(dir, "table.csv"), "--out", filepath.Join(dir, "report")}, "drift_share"},
		{"runs delete", []string{"runs", "delete", runID}, "run_id"},
	} {
		tested[tt.cmd] = true
		t.Run(tt.cmd, func(t *testing.T) {
			if v := jsonOut(t, tt.args...); v[tt.key] == nil {
				t.Errorf("weir %s -o json has no %q", tt.cmd, tt.key)
			}
		})
	}

	// Every command whose help lists -o is above or accounted for.
	for _, cmd := range outputCommands(t) {
		if !tested[cmd] && jsonElsewhere[cmd] == "" {
			t.Errorf("weir %s takes -o json but no test reads its JSON", cmd)
		}
	}
}

// outputCommands returns the commands that have an --output flag.
func outputCommands(t *testing.T) []string {
	t.Helper()
	p, err := kong.New(&cli{}, kong.Vars{"version": "test"})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		if n.Type == kong.CommandNode && slices.ContainsFunc(n.Flags, func(f *kong.Flag) bool { return f.Name == "output" && f.Enum != "" }) {
			out = append(out, n.Path())
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(p.Model.Node)
	sort.Strings(out)
	return out
}

// TestRunsListEveryExperiment: without -x, runs list shows the runs of
// every experiment, newest first (the demo logs to its own experiment,
// and a default of experiment 0 showed only a header).
func TestRunsListEveryExperiment(t *testing.T) {
	ctx := context.Background()
	_, local := mustPipelineStore(t)
	code, msg, out := runExit(t, ctx, append([]string{"runs", "list", "-o", "json"}, local...)...)
	if code != 0 {
		t.Fatalf("runs list: exit %d: %s", code, msg)
	}
	var got struct {
		Runs []struct {
			Info struct {
				ExperimentID string `json:"experiment_id"`
				StartTime    int64  `json:"start_time"`
			} `json:"info"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) < 2 {
		t.Fatalf("runs list: %d runs, want the pipeline's parent and trial runs", len(got.Runs))
	}
	for i, r := range got.Runs {
		if r.Info.ExperimentID != "1" {
			t.Errorf("run %d in experiment %s, want 1 (the pipeline's)", i, r.Info.ExperimentID)
		}
		if i > 0 && r.Info.StartTime > got.Runs[i-1].Info.StartTime {
			t.Errorf("run %d started at %d, after run %d (%d): want newest first", i, r.Info.StartTime, i-1, got.Runs[i-1].Info.StartTime)
		}
	}
	// -x still picks one experiment.
	code, msg, out = runExit(t, ctx, append([]string{"runs", "list", "-x", "0"}, local...)...)
	if code != 0 {
		t.Fatalf("runs list -x 0: exit %d: %s", code, msg)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 {
		t.Errorf("runs list -x 0 printed %d lines, want only the header (experiment 0 has no runs)", len(lines))
	}
}

func TestMetricSummary(t *testing.T) {
	ms := []tracking.Metric{
		{Key: "baseline.brier", Value: 0.2}, {Key: "holdout.gbdt.roc_auc", Value: 0.64},
		{Key: "holdout_roc_auc", Value: 0.63036427}, {Key: "holdout_brier", Value: 0.19},
	}
	for _, tt := range []struct {
		n    int
		want string
	}{
		{2, "holdout_brier=0.19 holdout_roc_auc=0.630364 (+2)"},
		{4, "holdout_brier=0.19 holdout_roc_auc=0.630364 holdout.gbdt.roc_auc=0.64 baseline.brier=0.2"},
	} {
		if got := metricSummary(ms, tt.n); got != tt.want {
			t.Errorf("metricSummary(n=%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
