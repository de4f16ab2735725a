package sqlstore

import (
	"context"
	"math"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// TestHistoryPointNames checks that a history point's model and dataset
// names, which the history read packs into one column, come back as
// logged: empty, commas, digits and multibyte text included.
func TestHistoryPointNames(t *testing.T) { testHistoryPointNames(t, newSQLiteService) }

func TestHistoryPointNamesPostgres(t *testing.T) { testHistoryPointNames(t, newPostgresService) }

func testHistoryPointNames(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t).(*TrackingService)
	run := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	names := [][3]string{
		{"", "", ""},
		{"m-1", "", ""},
		{"", "train,set", "12,34"},
		{"m-ü,2", "données", "d1gest"},
		{"", "", "only-digest"},
	}
	var ms []tracking.Metric
	for i, n := range names {
		ms = append(ms, tracking.Metric{Key: "m", Value: float64(i), Step: int64(i), Timestamp: 1,
			ModelID: n[0], DatasetName: n[1], DatasetDigest: n[2]})
	}
	if err := svc.LogBatch(ctx, run, ms, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run, Key: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(names) {
		t.Fatalf("got %d points, want %d", len(got), len(names))
	}
	for i, m := range got {
		if g := [3]string{m.ModelID, m.DatasetName, m.DatasetDigest}; g != names[i] {
			t.Errorf("point %d: got names %q, want %q", i, g, names[i])
		}
	}
}

func TestUnpackNamesRejectsBadInput(t *testing.T) {
	for _, s := range []string{"", "1", "1,", "x,1,ab", "1,x,ab", "-1,0,ab", "2,2,abc"} {
		var m tracking.Metric
		if err := unpackNames(s, &m); err == nil {
			t.Errorf("unpackNames(%q) = nil error, want one", s)
		}
	}
}

// TestHistoryPointTimeStep checks that timestamps and steps come back as
// logged on both sides of the edges of SQLite's packed integer (negative,
// 2^21 steps, 2^42 ms), with and without names and NaN values.
func TestHistoryPointTimeStep(t *testing.T) { testHistoryPointTimeStep(t, newSQLiteService) }

func TestHistoryPointTimeStepPostgres(t *testing.T) { testHistoryPointTimeStep(t, newPostgresService) }

func testHistoryPointTimeStep(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t).(*TrackingService)
	run := mustCreateRun(t, svc, tracking.RunCreate{}).Info.RunID
	tests := []struct {
		step, ts int64
		model    string
	}{
		{-5, 1700000000000, ""},
		{0, 0, ""},
		{0, 5, ""},
		{1, 1700000000001, ""},
		{1<<21 - 1, 1<<42 - 1, ""},
		{1<<21 - 1, 1 << 42, ""},
		{1 << 21, 1700000000002, ""},
		{1 << 21, 1700000000003, "m-1"},
		{1<<40 + 3, math.MaxInt64, ""},
		{math.MaxInt64, 1 << 50, "m,2"},
	}
	var ms []tracking.Metric
	for i, tt := range tests {
		v := float64(i) + 0.25
		if i%3 == 0 {
			v = math.NaN()
		}
		ms = append(ms, tracking.Metric{Key: "m", Value: v, Step: tt.step, Timestamp: tt.ts, ModelID: tt.model})
	}
	if err := svc.LogBatch(ctx, run, ms, nil, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err := svc.GetMetricHistory(ctx, tracking.MetricHistoryQuery{RunID: run, Key: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(tests) {
		t.Fatalf("got %d points, want %d", len(got), len(tests))
	}
	for i, tt := range tests { // already in step order
		g := got[i]
		wantV := float64(i) + 0.25
		valueOK := g.Value == wantV || (i%3 == 0 && math.IsNaN(g.Value))
		if g.Step != tt.step || g.Timestamp != tt.ts || g.ModelID != tt.model || !valueOK {
			t.Errorf("point %d: got step %d, timestamp %d, model %q, value %g; want %d, %d, %q, %g",
				i, g.Step, g.Timestamp, g.ModelID, g.Value, tt.step, tt.ts, tt.model, wantV)
		}
	}
}

func TestScanTimeStepRejectsBadInput(t *testing.T) {
	for _, c := range []any{nil, 1.5, "", "1", "1,2", "x,2,0,0,", "1,y,0,0,", "1,2,5,0,ab"} {
		var m tracking.Metric
		if err := scanTimeStep(c, &m); err == nil {
			t.Errorf("scanTimeStep(%#v) = nil error, want one", c)
		}
	}
}
