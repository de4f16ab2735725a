package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/serve"
	"github.com/weir-ml/weir/tracking"
)

// Rows of each year in the bank-marketing data (its README), in time order.
const bankEnd2008, bankEnd2009 = 27729, 42591

// bankYears reads the bank data without duration (it leaks the target)
// and writes each year as a CSV in dir.
func bankYears(t *testing.T, dir string) (y2008, y2009, y2010 *frame.Frame, paths [3]string) {
	t.Helper()
	path := os.Getenv("WEIR_BANK_DATA")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", path, err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	// Drop the duration column (index 11) from every line, header included.
	for i, l := range lines {
		f := strings.Split(strings.TrimRight(l, "\r"), ",")
		lines[i] = strings.Join(append(f[:11:11], f[12:]...), ",")
	}
	head := lines[0] + "\n"
	rows := lines[1:]
	var frames [3]*frame.Frame
	for i, part := range [][]string{rows[:bankEnd2008], rows[bankEnd2008:bankEnd2009], rows[bankEnd2009:]} {
		paths[i] = filepath.Join(dir, fmt.Sprintf("bank-%d.csv", 2008+i))
		body := head + strings.Join(part, "\n") + "\n"
		if err := os.WriteFile(paths[i], []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if frames[i], err = frame.ReadCSV(strings.NewReader(body), frame.CSVOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return frames[0], frames[1], frames[2], paths
}

// TestBankScenario is issue #6 end to end: a model trained on 2008 serves
// 2009 and 2010 with an inference log; labels are joined; the report flags
// contact, poutcome and the target; a retrained challenger beats the
// champion on 2010 and takes the alias.
func TestBankScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the bank data")
	}
	dir := t.TempDir()
	y2008, y2009, y2010, paths := bankYears(t, dir)
	ctx := context.Background()
	flags := trackingFlags{TrackingURI: "sqlite:///" + filepath.Join(dir, "weir.db"), ArtifactsDestination: filepath.Join(dir, "artifacts")}

	// The champion: GBDT on 2008, saved with its reference profile.
	g := gbdt.NewClassifier()
	g.NEstimators, g.NumThreads = 60, 1
	p, err := predictor.Fit(ctx, y2008, "y", predictor.Spec{Model: g})
	if err != nil {
		t.Fatal(err)
	}
	modelDir := filepath.Join(dir, "model")
	ex, _ := y2008.Slice(0, 3)
	if err := mlmodel.Save(modelDir, p, mlmodel.Info{Example: ex}); err != nil {
		t.Fatal(err)
	}
	proba, _, err := p.PredictFrame(y2008)
	if err != nil {
		t.Fatal(err)
	}
	scored, _ := y2008.With(predictionCol, &frame.FloatColumn{Values: proba})
	prof, err := monitor.NewProfile(scored, monitor.ProfileOptions{Target: "y", Prediction: predictionCol, PositiveLabel: "yes"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(prof)
	os.WriteFile(filepath.Join(modelDir, referenceProfileFile), b, 0o644)
	mustRegister(t, flags, modelDir, "bank")

	// Serve 2009 and 2010 with an inference log, 500 rows a request.
	logDir := filepath.Join(dir, "log")
	mm, err := mlmodel.Load(modelDir)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := loadedFrom(mm, "bank", "1")
	if err != nil {
		t.Fatal(err)
	}
	srv := serve.NewServer()
	srv.Model, srv.InferenceLog = loaded, serve.NewInferenceLog(logDir)
	if err := srv.Init(); err != nil {
		t.Fatal(err)
	}
	var labels strings.Builder
	labels.WriteString("request_id,row,label\n")
	for i, path := range paths[1:] {
		raw, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
		for k, req := 1, 0; k < len(lines); k, req = k+500, req+1 {
			chunk := lines[k:min(k+500, len(lines))]
			id := fmt.Sprintf("y%d-%d", 2009+i, req)
			r := httptest.NewRequest("POST", "/invocations", strings.NewReader(lines[0]+"\n"+strings.Join(chunk, "\n")))
			r.Header.Set("Content-Type", "text/csv")
			r.Header.Set("X-Request-Id", id)
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("scoring %s: %d %s", id, w.Code, w.Body)
			}
			for row, l := range chunk {
				fmt.Fprintf(&labels, "%s,%d,%s\n", id, row, l[strings.LastIndexByte(l, ',')+1:])
			}
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	labelsPath := filepath.Join(dir, "labels.csv")
	os.WriteFile(labelsPath, []byte(labels.String()), 0o644)
	common := []string{"--tracking-uri", flags.TrackingURI, "--artifacts-destination", flags.ArtifactsDestination}

	out, err := runMain(t, ctx, "monitor", "labels", "--file", labelsPath, "--log", logDir, "--out", filepath.Join(dir, "joined.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%d of %d predictions labelled", y2009.NumRows()+y2010.NumRows(), y2009.NumRows()+y2010.NumRows()); !strings.Contains(out, want) {
		t.Errorf("labels output %q, want %q", out, want)
	}

	// The report, against the profile saved with the registered model.
	rules := filepath.Join(dir, "rules.json")
	os.WriteFile(rules, []byte(`{"rules": [
		{"name": "contact", "kind": "feature", "column": "contact"},
		{"name": "poutcome", "kind": "feature", "column": "poutcome"},
		{"name": "target", "kind": "target"}]}`), 0o644)
	report := filepath.Join(dir, "report")
	_, err = runMain(t, ctx, append([]string{"monitor", "report", "-m", "models:/bank@champion", "--current", logDir,
		"--labels", labelsPath, "--rules", rules, "--out", report}, common...)...)
	var fired *alertsFired
	if !errors.As(err, &fired) || len(fired.alerts) != 3 {
		t.Fatalf("report: %v, want the 3 rules fired", err)
	}
	var rep monitor.Report
	raw, _ := os.ReadFile(filepath.Join(report, "report.json"))
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("drift share %.3f, target rate %.3f -> %.3f", rep.Drift.Share, float64(rep.ReferenceTargetRate), float64(rep.CurrentTargetRate))

	// Retrain on 2009, judge on 2010.
	out, err = runMain(t, ctx, append([]string{"monitor", "retrain", "-m", "models:/bank@champion", "--data", paths[1], "--eval", paths[2],
		"--rules", rules, "--margin", "0.01"}, common...)...)
	if err != nil {
		t.Fatal(err)
	}
	var o retrainOutcome
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		t.Fatal(err)
	}
	t.Logf("retrain: %s", o.Reason)
	if o.Decision == nil || !o.Decision.Promote || len(o.Alerts) == 0 {
		t.Fatalf("retrain outcome %+v, want a promotion after alerts", o)
	}
	bk, err := flags.openBackend(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer bk.close()
	mv, err := bk.registry.GetModelVersionByAlias(ctx, "bank", "champion")
	if err != nil || mv.Version != o.ChallengerVersion {
		t.Errorf("champion alias on %+v (%v), want version %s", mv, err, o.ChallengerVersion)
	}
}

// mustRegister logs a model directory and registers it as version 1 of
// name with the champion alias.
func mustRegister(t *testing.T, flags trackingFlags, dir, name string) {
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
	lm, err := mlmodel.Log(ctx, dir, run.Info.RunID, "model", mlmodel.Sinks{Runs: b.tracking, LoggedModels: b.loggedModels, Artifacts: b.artifacts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.registry.CreateRegisteredModel(ctx, name, "", nil); err != nil {
		t.Fatal(err)
	}
	mv, err := b.registry.CreateModelVersion(ctx, registry.VersionCreate{Name: name, Source: "models:/" + lm.ModelID, RunID: run.Info.RunID, ModelID: lm.ModelID})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.registry.SetRegisteredModelAlias(ctx, name, "champion", mv.Version); err != nil {
		t.Fatal(err)
	}
}
