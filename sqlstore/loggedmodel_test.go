package sqlstore

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

var modelIDShape = regexp.MustCompile(`^m-[0-9a-f]{32}$`)

// mustCreateLoggedModel creates a logged model or fails the test.
func mustCreateLoggedModel(tb testing.TB, f *fixture, c tracking.LoggedModelCreate) *tracking.LoggedModel {
	tb.Helper()
	m, err := f.lm.CreateLoggedModel(context.Background(), c)
	if err != nil {
		tb.Fatalf("CreateLoggedModel(%+v): %v", c, err)
	}
	return m
}

func testLoggedModelLifecycle(t *testing.T, f *fixture) {
	ctx := context.Background()
	run := mustCreateRun(t, f.tr, tracking.RunCreate{}).Info.RunID
	m := mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0", Name: "rf", ModelType: "sklearn",
		SourceRunID: run, Params: []tracking.Param{{Key: "depth", Value: "5"}}, Tags: []tracking.Tag{{Key: "t", Value: "1"}}})
	if !modelIDShape.MatchString(m.ModelID) || m.ExperimentID != "0" || m.Name != "rf" || m.ModelType != "sklearn" ||
		m.SourceRunID != run || m.Status != tracking.LoggedModelPending || m.CreationTimestampMs == 0 ||
		m.ArtifactURI != "mlflow-artifacts:/0/models/"+m.ModelID+"/artifacts" ||
		!slices.Equal(m.Params, []tracking.Param{{Key: "depth", Value: "5"}}) || !slices.Equal(m.Tags, []tracking.Tag{{Key: "t", Value: "1"}}) {
		t.Errorf("created %+v", m)
	}
	if gen := mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0"}); gen.Name == "" || gen.ModelID == m.ModelID {
		t.Errorf("model without a name = %+v, want a generated name and a new id", gen)
	}
	fin, err := f.lm.FinalizeLoggedModel(ctx, m.ModelID, tracking.LoggedModelReady)
	if err != nil {
		t.Fatal(err)
	}
	if fin.Status != tracking.LoggedModelReady || fin.LastUpdatedTimestampMs <= m.LastUpdatedTimestampMs {
		t.Errorf("finalized = %+v", fin)
	}
	if _, err := f.lm.FinalizeLoggedModel(ctx, m.ModelID, "DONE"); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("finalize with a bad status: %v", err)
	}
	set, err := f.lm.SetLoggedModelTags(ctx, m.ModelID, []tracking.Tag{{Key: "t", Value: "2"}, {Key: "u", Value: "x"}, {Key: "u", Value: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(set.Tags, []tracking.Tag{{Key: "t", Value: "2"}, {Key: "u", Value: "y"}}) {
		t.Errorf("tags after set = %v", set.Tags)
	}
	if err := f.lm.DeleteLoggedModelTag(ctx, m.ModelID, "u"); err != nil {
		t.Fatal(err)
	}
	if err := f.lm.DeleteLoggedModelTag(ctx, m.ModelID, "u"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("deleting a missing tag: %v", err)
	}
	if err := f.lm.LogLoggedModelParams(ctx, m.ModelID, []tracking.Param{{Key: "depth", Value: "5"}, {Key: "lr", Value: "0.1"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.lm.LogLoggedModelParams(ctx, m.ModelID, []tracking.Param{{Key: "lr", Value: "0.2"}}); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
		t.Errorf("changing a param: %v", err)
	}
	got, err := f.lm.GetLoggedModel(ctx, m.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Params, []tracking.Param{{Key: "depth", Value: "5"}, {Key: "lr", Value: "0.1"}}) ||
		!slices.Equal(got.Tags, []tracking.Tag{{Key: "t", Value: "2"}}) || got.Status != tracking.LoggedModelReady {
		t.Errorf("got %+v", got)
	}
	if err := f.lm.DeleteLoggedModel(ctx, m.ModelID); err != nil {
		t.Fatal(err)
	}
	afterDelete := []struct {
		op string
		fn func() error
	}{
		{"Get", func() error { _, err := f.lm.GetLoggedModel(ctx, m.ModelID); return err }},
		{"Delete", func() error { return f.lm.DeleteLoggedModel(ctx, m.ModelID) }},
		{"Finalize", func() error {
			_, err := f.lm.FinalizeLoggedModel(ctx, m.ModelID, tracking.LoggedModelReady)
			return err
		}},
		{"SetTags", func() error { _, err := f.lm.SetLoggedModelTags(ctx, m.ModelID, nil); return err }},
		{"DeleteTag", func() error { return f.lm.DeleteLoggedModelTag(ctx, m.ModelID, "t") }},
		{"LogParams", func() error { return f.lm.LogLoggedModelParams(ctx, m.ModelID, nil) }},
	}
	for _, tt := range afterDelete {
		if got := weir.ErrorCode(tt.fn()); got != weir.ErrResourceDoesNotExist {
			t.Errorf("%s of a deleted model: code %q", tt.op, got)
		}
	}
	ms, _, err := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{"0"}})
	if err != nil || len(ms) != 1 || ms[0].ModelID == m.ModelID {
		t.Errorf("search after delete = %d models, %v; want only the other one", len(ms), err)
	}
}

func testLoggedModelMetrics(t *testing.T, f *fixture) {
	ctx := context.Background()
	run := mustCreateRun(t, f.tr, tracking.RunCreate{}).Info.RunID
	m := mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0", SourceRunID: run})
	other := mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0"})
	if err := f.tr.LogMetric(ctx, run, tracking.Metric{Key: "auc", Value: 0.8, Timestamp: 10, ModelID: m.ModelID,
		DatasetName: "test", DatasetDigest: "abc"}); err != nil {
		t.Fatal(err)
	}
	if err := f.tr.LogBatch(ctx, run, []tracking.Metric{
		{Key: "auc", Value: 0.9, Timestamp: 20, Step: 1, ModelID: m.ModelID},
		{Key: "loss", Value: math.NaN(), Timestamp: 20, ModelID: m.ModelID},
		{Key: "loss", Value: 3, Timestamp: 30, ModelID: other.ModelID},
		{Key: "runonly", Value: 1, Timestamp: 30},
	}, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.lm.GetLoggedModel(ctx, m.ModelID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"auc=0.8@0 test/abc", "auc=0.9@1 /", "loss=NaN@0 /"}
	var have []string
	for _, x := range got.Metrics {
		if x.RunID != run || x.ModelID != m.ModelID {
			t.Errorf("metric %+v: want run %s and model %s", x, run, m.ModelID)
		}
		have = append(have, fmt.Sprintf("%s=%v@%d %s/%s", x.Key, x.Value, x.Step, x.DatasetName, x.DatasetDigest))
	}
	if !slices.Equal(have, want) {
		t.Errorf("model metrics = %v, want %v", have, want)
	}
	if got, _ := f.lm.GetLoggedModel(ctx, other.ModelID); len(got.Metrics) != 1 || got.Metrics[0].Value != 3 {
		t.Errorf("other model's metrics = %+v", got.Metrics)
	}
	// Runs link models as inputs and outputs, and the links show on the run.
	if err := f.tr.LogOutputs(ctx, run, []tracking.ModelOutput{{ModelID: m.ModelID, Step: 1}}); err != nil {
		t.Fatal(err)
	}
	if err := f.tr.LogInputs(ctx, run, nil, []tracking.ModelInput{{ModelID: other.ModelID}}); err != nil {
		t.Fatal(err)
	}
	r := mustGetRun(t, f.tr, run)
	if len(r.Outputs.ModelOutputs) != 1 || r.Outputs.ModelOutputs[0].ModelID != m.ModelID ||
		len(r.Inputs.ModelInputs) != 1 || r.Inputs.ModelInputs[0].ModelID != other.ModelID {
		t.Errorf("run inputs %+v, outputs %+v", r.Inputs.ModelInputs, r.Outputs.ModelOutputs)
	}
}

func testLoggedModelErrors(t *testing.T, f *fixture) {
	ctx := context.Background()
	deleted := mustCreateExperiment(t, f.tr, "gone")
	if err := f.tr.DeleteExperiment(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		c    tracking.LoggedModelCreate
		code string
	}{
		{"no experiment", tracking.LoggedModelCreate{}, weir.ErrInvalidParameterValue},
		{"missing experiment", tracking.LoggedModelCreate{ExperimentID: "99"}, weir.ErrResourceDoesNotExist},
		{"deleted experiment", tracking.LoggedModelCreate{ExperimentID: deleted}, weir.ErrInvalidParameterValue},
		{"name with slash", tracking.LoggedModelCreate{ExperimentID: "0", Name: "a/b"}, weir.ErrInvalidParameterValue},
		{"name with dot", tracking.LoggedModelCreate{ExperimentID: "0", Name: "a.b"}, weir.ErrInvalidParameterValue},
		{"bad param key", tracking.LoggedModelCreate{ExperimentID: "0", Params: []tracking.Param{{Key: ""}}}, weir.ErrInvalidParameterValue},
		{"bad tag key", tracking.LoggedModelCreate{ExperimentID: "0", Tags: []tracking.Tag{{Key: "/abs"}}}, weir.ErrInvalidParameterValue},
	}
	for _, tt := range tests {
		if _, err := f.lm.CreateLoggedModel(ctx, tt.c); weir.ErrorCode(err) != tt.code {
			t.Errorf("%s: code %q (%v), want %q", tt.name, weir.ErrorCode(err), err, tt.code)
		}
	}
	ms, _, err := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{"0"}})
	if err != nil || len(ms) != 0 {
		t.Errorf("refused creates left %d models (%v)", len(ms), err)
	}
	missing := "m-00000000000000000000000000000000"
	if _, err := f.lm.GetLoggedModel(ctx, missing); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("get missing: %v", err)
	}
}

// modelNamesLM lists the names of logged models in order.
func modelNamesLM(ms []*tracking.LoggedModel) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

func testSearchLoggedModels(t *testing.T, f *fixture) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, f.tr, "e")
	run := mustCreateRun(t, f.tr, tracking.RunCreate{ExperimentID: exp}).Info.RunID
	// Created in the order a, b, c, d: the default order is d, c, b, a.
	specs := []struct {
		name, typ string
		auc       []float64 // logged in order; the last is the latest
		dataset   string
		depth     string
	}{
		{"a", "sklearn", []float64{0.5, 0.7}, "train", "3"},
		{"b", "lightgbm", []float64{0.9}, "test", "5"},
		{"c", "sklearn", nil, "", "5"},
		{"d", "xgb", []float64{0.9, 0.6}, "test", ""},
	}
	ids := map[string]string{}
	for _, s := range specs {
		c := tracking.LoggedModelCreate{ExperimentID: exp, Name: s.name, ModelType: s.typ, SourceRunID: run}
		if s.depth != "" {
			c.Params = []tracking.Param{{Key: "depth", Value: s.depth}}
		}
		m := mustCreateLoggedModel(t, f, c)
		ids[s.name] = m.ModelID
		for i, v := range s.auc {
			if err := f.tr.LogMetric(ctx, run, tracking.Metric{Key: "auc", Value: v, Timestamp: int64(100 + i), ModelID: m.ModelID,
				DatasetName: s.dataset, DatasetDigest: "dg"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.lm.FinalizeLoggedModel(ctx, ids["b"], tracking.LoggedModelReady); err != nil {
		t.Fatal(err)
	}
	if _, err := f.lm.SetLoggedModelTags(ctx, ids["c"], []tracking.Tag{{Key: "stage", Value: "dev"}}); err != nil {
		t.Fatal(err)
	}
	mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0", Name: "elsewhere"})
	tests := []struct {
		name     string
		s        tracking.LoggedModelSearch
		want     []string
		code     string
		wantNext bool
	}{
		{"all", tracking.LoggedModelSearch{}, []string{"d", "c", "b", "a"}, "", false},
		{"name", tracking.LoggedModelSearch{Filter: "name = 'b'"}, []string{"b"}, "", false},
		{"type in", tracking.LoggedModelSearch{Filter: "model_type IN ('xgb', 'lightgbm')"}, []string{"d", "b"}, "", false},
		{"status", tracking.LoggedModelSearch{Filter: "status = 'LOGGED_MODEL_READY'"}, []string{"b"}, "", false},
		{"model_id", tracking.LoggedModelSearch{Filter: "model_id = '" + ids["c"] + "'"}, []string{"c"}, "", false},
		{"source run", tracking.LoggedModelSearch{Filter: "source_run_id = '" + run + "'"}, []string{"d", "c", "b", "a"}, "", false},
		{"created", tracking.LoggedModelSearch{Filter: "creation_time > 0"}, []string{"d", "c", "b", "a"}, "", false},
		{"metric any value", tracking.LoggedModelSearch{Filter: "metrics.auc >= 0.7"}, []string{"d", "b", "a"}, "", false},
		{"metric on dataset", tracking.LoggedModelSearch{Filter: "metrics.auc >= 0.7",
			Datasets: []tracking.Dataset{{Name: "train"}}}, []string{"a"}, "", false},
		{"datasets alone", tracking.LoggedModelSearch{Datasets: []tracking.Dataset{{Name: "test", Digest: "dg"}}}, []string{"d", "b"}, "", false},
		{"dataset wrong digest", tracking.LoggedModelSearch{Datasets: []tracking.Dataset{{Name: "test", Digest: "x"}}}, nil, "", false},
		{"param", tracking.LoggedModelSearch{Filter: "params.depth = '5'"}, []string{"c", "b"}, "", false},
		{"param and metric", tracking.LoggedModelSearch{Filter: "params.depth = '5' AND metrics.auc > 0"}, []string{"b"}, "", false},
		{"tag", tracking.LoggedModelSearch{Filter: "tags.stage LIKE 'de%'"}, []string{"c"}, "", false},
		{"order by latest metric", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc", Ascending: true}}},
			[]string{"d", "a", "b", "c"}, "", false},
		{"order by metric desc", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc"}}},
			[]string{"b", "a", "d", "c"}, "", false},
		{"order by metric on dataset", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{
			{FieldName: "metrics.auc", Ascending: true, DatasetName: "test"}}}, []string{"d", "b", "c", "a"}, "", false},
		{"order by name", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "name", Ascending: true}}},
			[]string{"a", "b", "c", "d"}, "", false},
		{"order by created asc", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "creation_timestamp", Ascending: true}}},
			[]string{"a", "b", "c", "d"}, "", false},
		{"paged", tracking.LoggedModelSearch{MaxResults: 3}, []string{"d", "c", "b"}, "", true},
		{"bad filter", tracking.LoggedModelSearch{Filter: "metrics.auc = 'x'"}, nil, weir.ErrInvalidParameterValue, false},
		{"bad order", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "params.depth"}}}, nil, weir.ErrInvalidParameterValue, false},
		{"order with direction", tracking.LoggedModelSearch{OrderBy: []tracking.LoggedModelOrder{{FieldName: "name DESC"}}}, nil, weir.ErrInvalidParameterValue, false},
		{"dataset without name", tracking.LoggedModelSearch{Datasets: []tracking.Dataset{{Digest: "dg"}}}, nil, weir.ErrInvalidParameterValue, false},
		{"negative max", tracking.LoggedModelSearch{MaxResults: -1}, nil, weir.ErrInvalidParameterValue, false},
		{"bad token", tracking.LoggedModelSearch{PageToken: "%%%"}, nil, weir.ErrInvalidParameterValue, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.s.ExperimentIDs = []string{exp}
			ms, next, err := f.lm.SearchLoggedModels(ctx, tt.s)
			if got := weir.ErrorCode(err); got != tt.code {
				t.Fatalf("code %q (%v), want %q", got, err, tt.code)
			}
			if err != nil {
				return
			}
			if got := modelNamesLM(ms); !slices.Equal(got, tt.want) || (next != "") != tt.wantNext {
				t.Errorf("got %v next %q, want %v (next page %v)", got, next, tt.want, tt.wantNext)
			}
		})
	}
	ms, next, _ := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{exp}, MaxResults: 3})
	rest, last, err := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{exp}, MaxResults: 3, PageToken: next})
	if err != nil || !slices.Equal(modelNamesLM(rest), []string{"a"}) || last != "" || len(ms) != 3 {
		t.Errorf("second page = %v, next %q, %v", modelNamesLM(rest), last, err)
	}
	// A token only pages the query it was made for.
	for _, other := range []tracking.LoggedModelSearch{
		{ExperimentIDs: []string{exp, "0"}, MaxResults: 3, PageToken: next},
		{ExperimentIDs: []string{exp}, MaxResults: 3, PageToken: next, Filter: "name = 'a'"},
		{ExperimentIDs: []string{exp}, MaxResults: 3, PageToken: next, OrderBy: []tracking.LoggedModelOrder{{FieldName: "name"}}},
	} {
		if _, _, err := f.lm.SearchLoggedModels(ctx, other); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("token reused for %+v: %v, want INVALID_PARAMETER_VALUE", other, err)
		}
	}
	both, _, err := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{exp, "0"}, Filter: "name IN ('a', 'elsewhere')"})
	if err != nil || !slices.Equal(modelNamesLM(both), []string{"elsewhere", "a"}) {
		t.Errorf("two experiments = %v, %v", modelNamesLM(both), err)
	}
	for _, ids := range [][]string{nil, {"x"}} {
		if _, _, err := f.lm.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: ids}); weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			t.Errorf("experiment ids %v: %v", ids, err)
		}
	}
}
