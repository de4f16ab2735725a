package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// latest returns the run's latest metrics by key.
func latest(tb testing.TB, svc tracking.Service, runID string) map[string]tracking.Metric {
	tb.Helper()
	m := map[string]tracking.Metric{}
	for _, x := range mustGetRun(tb, svc, runID).Data.Metrics {
		m[x.Key] = x
	}
	return m
}

// sameFloat reports whether a and b are equal, NaN equal to NaN and the
// signs of infinities respected.
func sameFloat(a, b float64) bool {
	return a == b || math.IsNaN(a) && math.IsNaN(b)
}

func testLatestMetric(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	// Each step logs one value; the latest is the greatest (step, timestamp, value).
	steps := []struct {
		m          tracking.Metric
		wantLatest float64
	}{
		{tracking.Metric{Key: "loss", Value: 5, Step: 1, Timestamp: 10}, 5},
		{tracking.Metric{Key: "loss", Value: 9, Step: 0, Timestamp: 99}, 5},  // older step
		{tracking.Metric{Key: "loss", Value: 4, Step: 1, Timestamp: 11}, 4},  // same step, later
		{tracking.Metric{Key: "loss", Value: 3, Step: 1, Timestamp: 11}, 4},  // same step and time, smaller value
		{tracking.Metric{Key: "loss", Value: 7, Step: 1, Timestamp: 11}, 7},  // same step and time, greater value
		{tracking.Metric{Key: "loss", Value: 1, Step: 2, Timestamp: 1}, 1},   // newer step, earlier time
		{tracking.Metric{Key: "loss", Value: 1, Step: 2, Timestamp: 1}, 1},   // retry: no-op
		{tracking.Metric{Key: "loss", Value: -2, Step: -5, Timestamp: 3}, 1}, // negative step
	}
	for i, st := range steps {
		if err := svc.LogMetric(ctx, id, st.m); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := latest(t, svc, id)["loss"].Value; got != st.wantLatest {
			t.Errorf("step %d: latest = %v, want %v", i, got, st.wantLatest)
		}
	}
	hist, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "loss"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(hist), len(steps)-1; got != want {
		t.Errorf("history has %d points, want %d (the retry is not stored twice)", got, want)
	}
	if l := latest(t, svc, id)["loss"]; l.Step != 2 || l.Timestamp != 1 {
		t.Errorf("latest = %+v, want step 2 timestamp 1", l)
	}
	for _, bad := range []tracking.Metric{{Key: "", Value: 1, Timestamp: 1}, {Key: "k", Value: 1, Timestamp: -1}} {
		wantCode(t, svc.LogMetric(ctx, id, bad), weir.ErrInvalidParameterValue)
	}
}

func testNaNInfRoundTrip(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	values := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, 0.1, 1e-300}
	var batch []tracking.Metric
	for i, v := range values {
		batch = append(batch, tracking.Metric{Key: fmt.Sprintf("k%d", i), Value: v, Timestamp: 5, Step: int64(i)})
		batch = append(batch, tracking.Metric{Key: "all", Value: v, Timestamp: int64(i), Step: int64(i)})
	}
	if err := svc.LogBatch(ctx, id, batch, nil, nil); err != nil {
		t.Fatal(err)
	}
	got := latest(t, svc, id)
	for i, v := range values {
		if g := got[fmt.Sprintf("k%d", i)].Value; !sameFloat(g, v) {
			t.Errorf("latest k%d = %v, want %v", i, g, v)
		}
	}
	hist, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "all"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(values) {
		t.Fatalf("history has %d points, want %d", len(hist), len(values))
	}
	for i, v := range values {
		if !sameFloat(hist[i].Value, v) || hist[i].Step != int64(i) {
			t.Errorf("history[%d] = %+v, want value %v step %d", i, hist[i], v, i)
		}
	}
	// Retrying NaN is as harmless as retrying any value.
	if err := svc.LogMetric(ctx, id, tracking.Metric{Key: "all", Value: math.NaN(), Timestamp: 0, Step: 0}); err != nil {
		t.Fatal(err)
	}
	hist, _, _ = svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "all"})
	if len(hist) != len(values) {
		t.Errorf("after NaN retry history has %d points, want %d", len(hist), len(values))
	}
}

func testLogBatch(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{RunName: "batch"}).Info.RunID
	var metrics []tracking.Metric
	for i := range 995 { // with the 2 params and 3 tags, the most one batch may hold
		metrics = append(metrics, tracking.Metric{Key: fmt.Sprintf("m%d", i%7), Value: float64(i), Timestamp: int64(i), Step: int64(i / 7),
			ModelID: "m-1", DatasetName: "train", DatasetDigest: "d1"})
	}
	params := []tracking.Param{{Key: "p1", Value: "a"}, {Key: "p2", Value: "b"}}
	tags := []tracking.Tag{{Key: "t", Value: "1"}, {Key: "t", Value: "2"}, {Key: "mlflow.runName", Value: "renamed"}}
	if err := svc.LogBatch(ctx, id, metrics, params, tags); err != nil {
		t.Fatal(err)
	}
	// The retry of a whole batch stores nothing new.
	if err := svc.LogBatch(ctx, id, metrics, params, nil); err != nil {
		t.Fatalf("retried batch: %v", err)
	}
	run := mustGetRun(t, svc, id)
	if got, want := tagMap(run.Data.Tags), map[string]string{"t": "2", "mlflow.runName": "renamed"}; !maps.Equal(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if run.Info.RunName != "renamed" {
		t.Errorf("run name = %q, want renamed", run.Info.RunName)
	}
	if !slices.Equal(run.Data.Params, params) {
		t.Errorf("params = %v, want %v", run.Data.Params, params)
	}
	if len(run.Data.Metrics) != 7 {
		t.Fatalf("latest metrics = %d keys, want 7", len(run.Data.Metrics))
	}
	for _, m := range run.Data.Metrics {
		// The last value of key m<k> is the greatest i < 995 with i % 7 == k.
		k := int(m.Key[1] - '0')
		want := float64(994 - (994-k)%7)
		if m.Value != want || m.ModelID != "m-1" || m.DatasetName != "train" || m.DatasetDigest != "d1" {
			t.Errorf("latest %s = %+v, want value %v with model and dataset", m.Key, m, want)
		}
	}
	hist, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: id, Key: "m0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 143 {
		t.Errorf("m0 history = %d points, want 143", len(hist))
	}

	err = svc.LogBatch(ctx, id, nil, []tracking.Param{{Key: "p1", Value: "changed"}, {Key: "p3", Value: "c"}}, nil)
	wantCode(t, err, weir.ErrInvalidParameterValue)
	if msg := weir.ErrorMessage(err); !strings.HasPrefix(msg, "Changing param values is not allowed. Params were already logged=") ||
		!strings.Contains(msg, "'old_value': 'a', 'new_value': 'changed'") {
		t.Errorf("message = %q", msg)
	}
	if _, ok := tagMap(paramTags(mustGetRun(t, svc, id).Data.Params))["p3"]; ok {
		t.Error("p3 was stored although its batch failed")
	}
	// Logged values again, with a new key: the new key is stored, the rest
	// is a no-op.
	again := []tracking.Param{{Key: "p1", Value: "a"}, {Key: "p4", Value: "d"}}
	if err := svc.LogBatch(ctx, id, nil, again, nil); err != nil {
		t.Fatalf("LogBatch(%v): %v", again, err)
	}
	got := tagMap(paramTags(mustGetRun(t, svc, id).Data.Params))
	if got["p1"] != "a" || got["p4"] != "d" || len(got) != len(params)+1 {
		t.Errorf("params after logging again = %v, want the first ones and p4 = d", got)
	}

	errs := []struct {
		name    string
		metrics []tracking.Metric
		params  []tracking.Param
		tags    []tracking.Tag
	}{
		{"duplicate param keys", nil, []tracking.Param{{Key: "x", Value: "1"}, {Key: "x", Value: "2"}}, nil},
		{"too many metrics", make([]tracking.Metric, 1001), nil, nil},
		{"bad metric", []tracking.Metric{{Key: "", Value: 1, Timestamp: 1}}, nil, nil},
		{"bad tag", nil, nil, []tracking.Tag{{Key: "", Value: "v"}}},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, svc.LogBatch(ctx, id, tt.metrics, tt.params, tt.tags), weir.ErrInvalidParameterValue)
		})
	}
	if err := svc.LogBatch(ctx, id, nil, nil, nil); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

// paramTags views params as tags, for tagMap.
func paramTags(ps []tracking.Param) []tracking.Tag {
	ts := make([]tracking.Tag, len(ps))
	for i, p := range ps {
		ts[i] = tracking.Tag(p)
	}
	return ts
}

func testLogBatchAtomic(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	id := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	if err := svc.LogParam(ctx, id, tracking.Param{Key: "fixed", Value: "1"}); err != nil {
		t.Fatal(err)
	}
	err := svc.LogBatch(ctx, id,
		[]tracking.Metric{{Key: "m", Value: 1, Timestamp: 1}},
		[]tracking.Param{{Key: "fixed", Value: "2"}},
		[]tracking.Tag{{Key: "t", Value: "v"}})
	wantCode(t, err, weir.ErrInvalidParameterValue)
	run := mustGetRun(t, svc, id)
	if len(run.Data.Metrics) != 0 || tagMap(run.Data.Tags)["t"] != "" {
		t.Errorf("a failed batch left data behind: %+v", run.Data)
	}
}

func testLogInputsOutputs(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	exp := mustCreateExperiment(t, svc, "inputs")
	r1 := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: exp}).Info.RunID
	r2 := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: exp}).Info.RunID
	train := tracking.Dataset{Name: "bank", Digest: "abc", SourceType: "local", Source: "file:///bank.csv", Schema: "{}", Profile: "{\"rows\": 3}"}
	test := tracking.Dataset{Name: "bank", Digest: "def", SourceType: "local", Source: "file:///bank-test.csv"}
	inputs := []tracking.DatasetInput{
		{Tags: []tracking.Tag{{Key: "mlflow.data.context", Value: "training"}}, Dataset: train},
		{Tags: []tracking.Tag{{Key: "mlflow.data.context", Value: "ignored"}}, Dataset: train}, // same name and digest: first wins
		{Dataset: test},
	}
	if err := svc.LogInputs(ctx, r1, inputs, []tracking.ModelInput{{ModelID: "m-1"}, {ModelID: "m-1"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.LogInputs(ctx, r1, inputs[:1], nil); err != nil { // again: no duplicate
		t.Fatal(err)
	}
	if err := svc.LogInputs(ctx, r2, inputs[:1], nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.LogOutputs(ctx, r1, []tracking.ModelOutput{{ModelID: "m-2", Step: 3}, {ModelID: "m-3"}}); err != nil {
		t.Fatal(err)
	}
	run := mustGetRun(t, svc, r1)
	want := tracking.RunInputs{
		DatasetInputs: []tracking.DatasetInput{
			{Tags: []tracking.Tag{{Key: "mlflow.data.context", Value: "training"}}, Dataset: train},
			{Dataset: test},
		},
		ModelInputs: []tracking.ModelInput{{ModelID: "m-1"}},
	}
	if fmt.Sprint(run.Inputs) != fmt.Sprint(want) {
		t.Errorf("inputs = %+v\nwant %+v", run.Inputs, want)
	}
	if got, want := run.Outputs.ModelOutputs, []tracking.ModelOutput{{ModelID: "m-3"}, {ModelID: "m-2", Step: 3}}; !slices.Equal(got, want) {
		t.Errorf("outputs = %v, want %v", got, want)
	}
	if got := mustGetRun(t, svc, r2).Inputs.DatasetInputs; len(got) != 1 || got[0].Dataset != train {
		t.Errorf("r2 inputs = %+v", got)
	}
	wantCode(t, svc.LogInputs(ctx, r1, []tracking.DatasetInput{{Dataset: tracking.Dataset{Name: "x"}}}, nil), weir.ErrInvalidParameterValue)
	wantCode(t, svc.LogInputs(ctx, r1, nil, []tracking.ModelInput{{}}), weir.ErrInvalidParameterValue)
	wantCode(t, svc.LogOutputs(ctx, r1, []tracking.ModelOutput{{}}), weir.ErrInvalidParameterValue)
}
