package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// t0 is 2026-01-01T00:00:00Z in milliseconds, so golden pages never change.
const t0 = int64(1767225600000)

func ptr[T any](v T) *T { return &v }

// sampleRun builds a finished run in experiment 1.
func sampleRun(id, name string, start int64, params []tracking.Param, metrics []tracking.Metric, tags ...tracking.Tag) *tracking.Run {
	return &tracking.Run{
		Info: tracking.RunInfo{RunID: id, RunName: name, ExperimentID: "1", UserID: "ana",
			Status: tracking.StatusFinished, StartTime: start, EndTime: ptr(start + 95_000),
			ArtifactURI: "mlflow-artifacts:/1/" + id + "/artifacts", LifecycleStage: tracking.StageActive},
		Data: tracking.RunData{Params: params, Metrics: metrics, Tags: tags},
	}
}

// newSample returns a Handler over fakes holding a small, fixed world:
// nested runs, a run with a long history and artifacts of every previewed
// kind, hostile names that must come out escaped, a registered model with
// an alias, and monitoring windows.
func newSample(tb testing.TB) (*Handler, *fakeTracking, *fakeRegistry) {
	tb.Helper()
	tr := &fakeTracking{history: map[string][]tracking.Metric{}}
	tr.exps = []*tracking.Experiment{
		{ID: "0", Name: "Default", LifecycleStage: "active", CreationTime: t0, LastUpdateTime: t0, ArtifactLocation: "mlflow-artifacts:/0"},
		{ID: "1", Name: "bank <marketing>", LifecycleStage: "active", CreationTime: t0, LastUpdateTime: t0 + 1000, ArtifactLocation: "mlflow-artifacts:/1"},
		{ID: "2", Name: "old", LifecycleStage: "deleted", CreationTime: t0, LastUpdateTime: t0},
	}
	m := func(k string, v float64, step int64) tracking.Metric {
		return tracking.Metric{Key: k, Value: v, Step: step, Timestamp: t0 + step*1000}
	}
	p := func(k, v string) tracking.Param { return tracking.Param{Key: k, Value: v} }
	tr.runs = []*tracking.Run{
		sampleRun("aaaa000000000001", "sweep", t0+5*3600_000, nil, nil),
		sampleRun("aaaa000000000002", "trial-0", t0+5*3600_000+60_000,
			[]tracking.Param{p("max_depth", "4")}, []tracking.Metric{m("auc", 0.81, 0)},
			tracking.Tag{Key: tagParent, Value: "aaaa000000000001"}),
		sampleRun("aaaa000000000003", "long-training", t0+4*3600_000,
			[]tracking.Param{p("model", "gbdt"), p("max_depth", "6")},
			[]tracking.Metric{m("auc", 0.91, 0), m("loss", 0.2, 49)},
			tracking.Tag{Key: tagSource, Value: "train.py"}, tracking.Tag{Key: tagGitCommit, Value: "3f2a9c1d"},
			tracking.Tag{Key: "team", Value: "growth"}, tracking.Tag{Key: tagNote, Value: "Baseline <b>bold</b>"},
			tracking.Tag{Key: TagDecision, Value: "retrain: drift share 0.6 above 0.5"}),
		sampleRun("aaaa000000000004", `<script>alert("x")</script>`, t0+3*3600_000,
			[]tracking.Param{p("model", `lr" onmouseover="x`), p("max_depth", "3")}, []tracking.Metric{m("auc", 0.72, 0)}),
		sampleRun("aaaa000000000005", "window-1", t0+2*3600_000, nil,
			[]tracking.Metric{m(MetricDriftShare, 0.25, 0), m("drift.contact", 0.4, 0), m("window.roc_auc", 0.88, 0)},
			tracking.Tag{Key: TagMonitorModel, Value: "bank"}, tracking.Tag{Key: TagMonitorVersion, Value: "1"}),
	}
	tr.runs[3].Info.Status = tracking.StatusFailed
	tr.runs[2].Inputs.DatasetInputs = []tracking.DatasetInput{{
		Tags:    []tracking.Tag{{Key: "mlflow.data.context", Value: "training"}},
		Dataset: tracking.Dataset{Name: "bank-2008", Digest: "5c1e0a9f", SourceType: "local", Source: "bank-full.csv"}}}
	for s := int64(0); s < 50; s++ {
		tr.history["aaaa000000000003/loss"] = append(tr.history["aaaa000000000003/loss"], m("loss", 1/float64(s+1), s))
	}

	store := artifact.NewDir(tb.TempDir())
	files := map[string]string{
		"notes.txt":                  "Training notes <script>alert(1)</script>\n",
		"metrics.json":               `{"auc":0.91,"folds":[0.9,0.92]}`,
		"sample.csv":                 "age,job\n30,admin\n31,<b>tech</b>\n",
		"report.html":                "<!doctype html><h1>Drift report</h1><script>alert(1)</script>",
		"plots/roc.png":              "\x89PNG\r\n\x1a\n",
		"model/MLmodel":              sampleMLmodel,
		"model/model_card.md":        "# Bank classifier\n\nPredicts <subscription>.\n",
		"monitoring/monitoring.html": "<h1>Replay</h1>",
	}
	for name, body := range files {
		if err := store.Put(context.Background(), "1/aaaa000000000003/artifacts/"+name, strings.NewReader(body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := store.Put(context.Background(), "1/aaaa000000000005/artifacts/drift_report.html", strings.NewReader("<h1>w1</h1>")); err != nil {
		tb.Fatal(err)
	}

	reg := &fakeRegistry{}
	src := "mlflow-artifacts:/1/aaaa000000000003/artifacts/model"
	reg.versions = []*registry.ModelVersion{
		{Name: "bank", Version: "1", CurrentStage: "Production", Status: "READY", Source: src, RunID: "aaaa000000000003",
			CreationTimestamp: t0, Aliases: []string{"champion"}, Tags: []registry.Tag{{Key: "validated", Value: "yes"}}},
		{Name: "bank", Version: "2", CurrentStage: "None", Status: "READY", Source: src, RunID: "aaaa000000000003", CreationTimestamp: t0 + 1000},
	}
	reg.models = []*registry.RegisteredModel{
		{Name: "bank", Description: "Term-deposit <propensity>.", CreationTimestamp: t0, LastUpdatedTimestamp: t0 + 1000,
			Aliases:        []registry.Alias{{Alias: "champion", Version: "1"}},
			LatestVersions: []registry.ModelVersion{*reg.versions[0], *reg.versions[1]},
			Tags:           []registry.Tag{{Key: "owner", Value: "growth"}}},
		{Name: "churn model", CreationTimestamp: t0, LastUpdatedTimestamp: t0},
	}
	h := NewHandler(tr, reg, store)
	return h, tr, reg
}

const sampleMLmodel = `artifact_path: model
flavors:
  weir:
    predictor: predictor.json
run_id: aaaa000000000003
utc_time_created: '2026-01-01 00:00:00.000000'
signature:
  inputs: '[{"type": "long", "name": "age", "required": true}, {"type": "string", "name": "job", "required": false}]'
  outputs: '[{"type": "double", "name": "probability"}]'
`
