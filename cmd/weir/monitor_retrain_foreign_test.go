//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// lightgbmFixture is a binary LightGBM Booster that Python saved with
// mlflow.lightgbm, with the rows it was checked on.
var lightgbmFixture = filepath.Join("..", "..", "tests", "reference", "fixtures", "lightgbm", "binary")

// registerFolder uploads the model folder dir as artifact "model" of a new
// run and registers it as version 1 of name with the champion alias, the
// way mlflow.lightgbm.log_model(registered_model_name=...) leaves it.
func registerFolder(t *testing.T, flags trackingFlags, dir, name string) {
	t.Helper()
	ctx := context.Background()
	b, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	run, err := b.tracking.CreateRun(ctx, tracking.RunCreate{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		err = b.artifacts.Upload(ctx, run.Info.ArtifactURI, "model/"+e.Name(), f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.registry.CreateRegisteredModel(ctx, name, "", nil); err != nil {
		t.Fatal(err)
	}
	mv, err := b.registry.CreateModelVersion(ctx, registry.VersionCreate{Name: name, Source: "runs:/" + run.Info.RunID + "/model", RunID: run.Info.RunID})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.registry.SetRegisteredModelAlias(ctx, name, "champion", mv.Version); err != nil {
		t.Fatal(err)
	}
}

// fixtureRows draws n rows uniformly inside the range each column of the
// fixture's finite rows spans.
func fixtureRows(t *testing.T, n int, seed uint64) (cols []string, rows [][]float64) {
	t.Helper()
	var want struct {
		Columns []string `json:"columns"`
		Rows    [][]any  `json:"rows"`
	}
	b, err := os.ReadFile(filepath.Join(lightgbmFixture, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	lo, hi := make([]float64, len(want.Columns)), make([]float64, len(want.Columns))
	for j := range lo {
		lo[j], hi[j] = math.Inf(1), math.Inf(-1)
	}
	for _, r := range want.Rows {
		for j, v := range r {
			if x, ok := v.(float64); ok && !math.IsInf(x, 0) {
				lo[j], hi[j] = min(lo[j], x), max(hi[j], x)
			}
		}
	}
	r := rand.New(rand.NewPCG(seed, 3))
	rows = make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, len(lo))
		for j := range lo {
			rows[i][j] = lo[j] + r.Float64()*(hi[j]-lo[j])
		}
	}
	return want.Columns, rows
}

// writeLabelledCSV writes rows with label column y.
func writeLabelledCSV(t *testing.T, path string, cols []string, rows [][]float64, y []int) {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + ",y\n")
	for i, r := range rows {
		for _, v := range r {
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + ",")
		}
		fmt.Fprintf(&b, "%d\n", y[i])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMonitorRetrainPythonChampion retrains against a champion that Python
// saved (a LightGBM Booster): the champion is scored by its own native
// scorer, the challenger is Weir's gradient-boosted trees, and the alias
// moves only when the challenger wins.
// fixtureConcepts draws rows for the LightGBM fixture and labels them two
// ways: own, the champion's own decisions, which it cannot lose on, and
// moved, a concept it never saw (mean_smoothness above its midpoint, 5%
// noise).
func fixtureConcepts(t *testing.T) (cols []string, rows [][]float64, own, moved []int) {
	t.Helper()
	cols, rows = fixtureRows(t, 1200, 5)
	f, err := mlmodel.ReadMLmodel(lightgbmFixture)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := openScorer(lightgbmFixture, f)
	if err != nil {
		t.Fatal(err)
	}
	var s mlmodel.Scores
	s.Resize(len(rows), 2)
	anyRows := make([][]any, len(rows))
	for i, r := range rows {
		anyRows[i] = make([]any, len(r))
		for j, v := range r {
			anyRows[i][j] = v
		}
	}
	if err := sc.Score(anyRows, &s); err != nil {
		t.Fatal(err)
	}
	own, moved = make([]int, len(rows)), make([]int, len(rows))
	smooth := -1
	for j, c := range cols {
		if c == "mean_smoothness" {
			smooth = j
		}
	}
	if smooth < 0 {
		t.Fatal("the fixture has no mean_smoothness column")
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		lo, hi = min(lo, r[smooth]), max(hi, r[smooth])
	}
	noise := rand.New(rand.NewPCG(9, 9))
	for i, r := range rows {
		if s.Value[i] > foreignThreshold {
			own[i] = 1
		}
		if r[smooth] > (lo+hi)/2 {
			moved[i] = 1
		}
		if noise.IntN(20) == 0 {
			moved[i] = 1 - moved[i]
		}
	}

	return cols, rows, own, moved
}

func TestMonitorRetrainPythonChampion(t *testing.T) {
	ctx := context.Background()
	cols, rows, own, moved := fixtureConcepts(t)
	tests := []struct {
		name    string
		labels  []int
		promote bool
	}{
		{"labels are the champion's own decisions", own, false},
		{"the concept moved", moved, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}
			registerFolder(t, flags, lightgbmFixture, "lgb")
			data := filepath.Join(dir, "data.csv")
			writeLabelledCSV(t, data, cols, rows, tt.labels)
			out, err := runMain(t, ctx, "monitor", "retrain", "-m", "models:/lgb@champion", "--data", data, "--force",
				"--margin", "0.01", "--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination)
			if err != nil {
				t.Fatal(err)
			}
			var o retrainOutcome
			if err := json.Unmarshal([]byte(out), &o); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if o.Decision == nil {
				t.Fatalf("no decision in %s", out)
			}
			if got, want := o.Decision.Promote, tt.promote; got != want {
				t.Fatalf("promote = %v, want %v (champion %v, challenger %v: %s)", got, want, o.Decision.Champion, o.Decision.Challenger, o.Reason)
			}
			if tt.promote && float64(o.Decision.Challenger)-float64(o.Decision.Champion) < 0.2 {
				t.Errorf("challenger AUC %v vs champion %v: want a clear win", o.Decision.Challenger, o.Decision.Champion)
			}
			if !tt.promote && float64(o.Decision.Champion) < 0.999 {
				t.Errorf("champion AUC %v on its own decisions, want 1: it was not scored by its own model", o.Decision.Champion)
			}
			b, err := flags.openBackend(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer b.close()
			mv, err := b.registry.GetModelVersionByAlias(ctx, "lgb", "champion")
			if err != nil {
				t.Fatal(err)
			}
			want := "1"
			if tt.promote {
				want = o.ChallengerVersion
			}
			if mv.Version != want {
				t.Errorf("champion alias on version %s, want %s", mv.Version, want)
			}
		})
	}
}

// TestMonitorRetrainPythonMulticlass refuses a champion that is not a
// binary classifier, before anything is logged.
func TestMonitorRetrainPythonMulticlass(t *testing.T) {
	dir := t.TempDir()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}
	registerFolder(t, flags, filepath.Join(lightgbmFixture, "..", "multiclass"), "lgb3")
	data := filepath.Join(dir, "data.csv")
	os.WriteFile(data, []byte("a,y\n1,0\n2,1\n"), 0o644)
	_, err := runMain(t, context.Background(), "monitor", "retrain", "-m", "models:/lgb3@champion", "--data", data, "--force",
		"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination)
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "multiclass") {
		t.Fatalf("err = %v, want a usage error naming the multiclass task", err)
	}
}

// TestMonitorRetrainPythonChampionServed serves a Python-saved champion
// with --watch-alias; when retraining promotes a Weir challenger, the
// server swaps it in without a restart.
func TestMonitorRetrainPythonChampionServed(t *testing.T) {
	ctx := context.Background()
	cols, rows, _, moved := fixtureConcepts(t)
	dir := t.TempDir()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}
	registerFolder(t, flags, lightgbmFixture, "lgb")
	url, logs := startServe(t, "-m", "models:/lgb@champion", "--watch-alias", "--watch-interval", "20ms",
		"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination)
	var in []string
	for j, c := range cols {
		in = append(in, fmt.Sprintf(`{"name": %q, "shape": [1], "datatype": "FP64", "data": [%g]}`, c, rows[0][j]))
	}
	req := `{"inputs": [` + strings.Join(in, ", ") + `]}`
	if code, body := postJSON(t, url+"/v2/models/lgb/infer", req); code != 200 || !strings.Contains(body, `"model_version":"1"`) {
		t.Fatalf("the Python champion's answer: %d %s", code, body)
	}
	data := filepath.Join(dir, "data.csv")
	writeLabelledCSV(t, data, cols, rows, moved)
	out, err := runMain(t, ctx, "monitor", "retrain", "-m", "models:/lgb@champion", "--data", data, "--force",
		"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination)
	if err != nil {
		t.Fatal(err)
	}
	var o retrainOutcome
	if err := json.Unmarshal([]byte(out), &o); err != nil || o.Decision == nil || !o.Decision.Promote {
		t.Fatalf("retrain on the moved concept did not promote: %v %s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := postJSON(t, url+"/v2/models/lgb/infer", req)
		if code != 200 {
			t.Fatalf("during the swap: %d %s", code, body)
		}
		if strings.Contains(body, `"model_version":"`+o.ChallengerVersion+`"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the alias move to the Weir challenger was not picked up:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
