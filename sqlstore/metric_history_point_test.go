package sqlstore

import (
	"context"
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
