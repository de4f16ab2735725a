//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// conceptCSV writes n rows whose label follows the job (concept 0) or the
// age (concept 1), with 10% noise: a model of one concept is poor on the
// other.
func conceptCSV(n, concept int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	var b strings.Builder
	b.WriteString("age,job,balance,y\n")
	jobs := []string{"manager", "worker", "student"}
	for i := 0; i < n; i++ {
		age, job := 20+r.IntN(45), jobs[r.IntN(3)]
		pos := job == "manager"
		if concept == 1 {
			pos = age > 45
		}
		if r.IntN(10) == 0 {
			pos = !pos
		}
		y := "no"
		if pos {
			y = "yes"
		}
		fmt.Fprintf(&b, "%d,%s,%d,%s\n", age, job, r.IntN(3000), y)
	}
	return b.String()
}

// mustRegisterChampion fits a GBDT on concept-0 data and registers it as
// version 1 of model bank with the champion alias, in a local store.
func mustRegisterChampion(t *testing.T, flags trackingFlags) {
	t.Helper()
	ctx := context.Background()
	f, err := frame.ReadCSV(strings.NewReader(conceptCSV(800, 0, 7)), frame.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := gbdt.NewClassifier()
	g.NEstimators, g.NumThreads = 20, 1
	p, err := predictor.Fit(ctx, f, "y", predictor.Spec{Model: g})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "model")
	ex, _ := f.Slice(0, 3)
	if err := mlmodel.Save(dir, p, mlmodel.Info{Example: ex}); err != nil {
		t.Fatal(err)
	}
	b, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	run, err := b.tracking.CreateRun(ctx, tracking.RunCreate{})
	if err != nil {
		t.Fatal(err)
	}
	lm, err := mlmodel.Log(ctx, dir, run.Info.RunID, "model", mlmodel.Sinks{Runs: b.tracking, LoggedModels: b.loggedModels, Artifacts: b.artifacts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.registry.CreateRegisteredModel(ctx, "bank", "", nil); err != nil {
		t.Fatal(err)
	}
	mv, err := b.registry.CreateModelVersion(ctx, registry.VersionCreate{Name: "bank", Source: "models:/" + lm.ModelID, RunID: run.Info.RunID, ModelID: lm.ModelID})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.registry.SetRegisteredModelAlias(ctx, "bank", "champion", mv.Version); err != nil {
		t.Fatal(err)
	}
}

func TestMonitorRetrain(t *testing.T) {
	dir := t.TempDir()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}
	mustRegisterChampion(t, flags)
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	same := write("same.csv", conceptCSV(800, 0, 8))
	moved := write("moved.csv", conceptCSV(800, 1, 9))
	ctx := context.Background()
	retrain := func(data string, extra ...string) (retrainOutcome, error) {
		args := append([]string{"monitor", "retrain", "-m", "models:/bank@champion", "--data", data, "--force",
			"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination}, extra...)
		out, err := runMain(t, ctx, args...)
		var o retrainOutcome
		if err == nil {
			if jerr := json.Unmarshal([]byte(out), &o); jerr != nil {
				t.Fatalf("%v in %s", jerr, out)
			}
		}
		return o, err
	}
	aliasVersion := func() string {
		b, err := flags.openBackend(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer b.close()
		mv, err := b.registry.GetModelVersionByAlias(ctx, "bank", "champion")
		if err != nil {
			t.Fatal(err)
		}
		return mv.Version
	}

	// Same concept: the retrained model is no better by a wide margin.
	o, err := retrain(same, "--margin", "0.05")
	if err != nil {
		t.Fatal(err)
	}
	if o.Decision == nil || o.Decision.Promote {
		t.Fatalf("same concept: decision %+v, want keep", o.Decision)
	}
	if got, want := o.ChallengerVersion, "2"; got != want {
		t.Errorf("challenger version = %q, want %q (registered even when kept)", got, want)
	}
	if got, want := aliasVersion(), "1"; got != want {
		t.Errorf("champion alias on version %s, want %s", got, want)
	}

	// The concept moved: the challenger trained on it wins and takes the alias.
	o, err = retrain(moved, "--margin", "0.05")
	if err != nil {
		t.Fatal(err)
	}
	if o.Decision == nil || !o.Decision.Promote {
		t.Fatalf("moved concept: decision %+v, want promote", o.Decision)
	}
	if float64(o.Decision.Challenger)-float64(o.Decision.Champion) < 0.2 {
		t.Errorf("challenger AUC %v vs champion %v: want a clear win", o.Decision.Challenger, o.Decision.Champion)
	}
	if got, want := aliasVersion(), o.ChallengerVersion; got != want {
		t.Errorf("champion alias on version %s, want %s", got, want)
	}

	// A spec file chooses another learner; the moved concept is now the
	// champion's, so the new challenger does not win by the margin.
	spec := write("spec.yaml", "learner: logistic_regression\nparams: {c: 1.0}\n")
	o2, err := retrain(moved, "--margin", "0.05", "--spec", spec)
	if err != nil {
		t.Fatal(err)
	}
	if o2.Decision == nil || o2.Decision.Promote {
		t.Errorf("logistic challenger against the retrained champion: %+v, want keep", o2.Decision)
	}

	// Each decision is a run of the monitoring experiment with both metrics.
	b, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	run, err := b.tracking.GetRun(ctx, o.RunID)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range run.Data.Metrics {
		keys[m.Key] = true
	}
	if !keys["champion.roc_auc"] || !keys["challenger.roc_auc"] || !keys["promoted"] {
		t.Errorf("decision run metrics %v", keys)
	}
}

func TestMonitorRetrainBadInput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte(conceptCSV(50, 0, 1)), 0o644)
	tests := []struct {
		name string
		args []string
	}{
		{"local directory", []string{"-m", dir, "--data", data, "--force"}},
		{"neither rules nor force", []string{"-m", "models:/bank@champion", "--data", data}},
		{"eval share", []string{"-m", "models:/bank@champion", "--data", data, "--force", "--eval-share", "1.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"monitor", "retrain", "--tracking-uri", "sqlite:///" + filepath.Join(dir, "w.db")}, tt.args...)
			_, err := runMain(t, context.Background(), args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error", err)
			}
		})
	}
}

// joinedFromCSV turns CSV rows of conceptCSV into the joined JSON lines of
// weir monitor labels --out, every row labelled.
func joinedFromCSV(t *testing.T, body, path string) {
	t.Helper()
	var b strings.Builder
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, l := range strings.Split(strings.TrimSpace(body), "\n")[1:] {
		f := strings.Split(l, ",")
		y := 0
		if f[3] == "yes" {
			y = 1
		}
		fmt.Fprintf(&b, `{"request_id":"r%d","row":0,"timestamp":%q,"score":0.5,"label":%d,"inputs":{"age":%s,"job":%q,"balance":%s}}`+"\n",
			i, start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), y, f[0], f[1], f[2])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMonitorRetrainJoined(t *testing.T) {
	dir := t.TempDir()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}
	mustRegisterChampion(t, flags)
	joined := filepath.Join(dir, "joined.jsonl")
	joinedFromCSV(t, conceptCSV(800, 1, 11), joined)
	out, err := runMain(t, context.Background(), "monitor", "retrain", "-m", "models:/bank@champion", "--data", joined, "--force",
		"--margin", "0.05", "--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination)
	if err != nil {
		t.Fatal(err)
	}
	var o retrainOutcome
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	if o.Decision == nil || !o.Decision.Promote || o.Decision.Rows != 200 {
		t.Errorf("retrain on joined labels: %+v, want a promotion judged on the newest 200 rows", o.Decision)
	}
}
