package sqlstore

import (
	"context"
	"slices"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// testLikeSemantics checks that LIKE and ILIKE mean the same on every
// dialect: LIKE is case-sensitive, ILIKE is not, and no character but % and _
// is special (SQLite's GLOB brackets and PostgreSQL's backslash included).
func testLikeSemantics(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	exp := mustCreateExperiment(t, svc, "like")
	values := []string{`Ab\c`, `ab\c`, `a*c`, `a[b]c`, `a%c`, `abc`}
	runOf := map[string]string{}
	for _, v := range values {
		r := mustCreateRun(t, svc, tracking.RunCreate{ExperimentID: exp})
		if err := svc.LogParam(ctx, r.Info.RunID, tracking.Param{Key: "p", Value: v}); err != nil {
			t.Fatal(err)
		}
		runOf[r.Info.RunID] = v
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{`params.p LIKE 'ab\c'`, []string{`ab\c`}},
		{`params.p LIKE 'a%'`, []string{`a%c`, `a*c`, `a[b]c`, `ab\c`, `abc`}},
		{`params.p ILIKE 'ab\c'`, []string{`Ab\c`, `ab\c`}},
		{`params.p ILIKE 'AB_C'`, []string{`Ab\c`, `ab\c`}},
		{`params.p LIKE 'a*c'`, []string{`a*c`}},
		{`params.p LIKE 'a[b]c'`, []string{`a[b]c`}},
		{`params.p LIKE 'a_c'`, []string{`a%c`, `a*c`, `abc`}},
		{`params.p LIKE 'A%'`, []string{`Ab\c`}},
	}
	for _, tt := range tests {
		runs, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, Filter: tt.filter, MaxResults: 100})
		if err != nil {
			t.Fatalf("SearchRuns(%s): %v", tt.filter, err)
		}
		var got []string
		for _, r := range runs {
			got = append(got, runOf[r.Info.RunID])
		}
		slices.Sort(got)
		slices.Sort(tt.want)
		if !slices.Equal(got, tt.want) {
			t.Errorf("SearchRuns(%s) = %q, want %q", tt.filter, got, tt.want)
		}
	}
}

// testTextOrder checks that names sort by bytes on every dialect (upper case
// before lower case), as SQLite's default collation sorts them, whatever
// the PostgreSQL database's locale.
func testTextOrder(t *testing.T, newSvc newServiceFunc) {
	ctx := context.Background()
	svc := newSvc(t)
	for _, name := range []string{"b", "B", "a", "_x", "A"} {
		mustCreateExperiment(t, svc, name)
	}
	exps, _, err := svc.SearchExperiments(ctx, tracking.ExperimentSearch{OrderBy: []string{"name ASC"}, MaxResults: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range exps {
		got = append(got, e.Name)
	}
	if want := []string{"A", "B", "Default", "_x", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("experiments by name = %q, want %q", got, want)
	}
}

func TestLikeSemanticsSQLite(t *testing.T) { testLikeSemantics(t, newMemoryService) }

func TestTextOrderSQLite(t *testing.T) { testTextOrder(t, newMemoryService) }
