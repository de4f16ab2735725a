package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// seedOrderRuns inserts n runs into experiment exp, three per start time,
// with metric m = (i*37)%40 (ties in every value), NaN for every 25th run
// and missing for every 30th; metric n = i%7; param p cycling x, y, z, x
// and "rare" for every 97th run; tag t = i%13 but for every 17th run.
// Every 11th run is deleted.
func seedOrderRuns(t *testing.T, db *DB, exp string, n int) {
	t.Helper()
	ctx := context.Background()
	eid, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	err = db.writeTx(ctx, func(tx *txn) error {
		for i := range n {
			id, err := newRunID()
			if err != nil {
				return err
			}
			stage := tracking.StageActive
			if i%11 == 0 {
				stage = tracking.StageDeleted
			}
			start := int64(i / 3)
			if _, err := tx.exec(ctx, `INSERT INTO runs
				(run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
				VALUES (?, ?, ?, 'u', 'FINISHED', ?, '', ?)`, id, fmt.Sprint("run-", i), eid, start, stage); err != nil {
				return err
			}
			p := []string{"x", "y", "z", "x"}[i%4]
			if i%97 == 0 {
				p = "rare"
			}
			if _, err := insertParams(ctx, tx, id, eid, start, []tracking.Param{{Key: "p", Value: p}}); err != nil {
				return err
			}
			if i%17 != 0 {
				if err := putTags(ctx, tx, id, []tracking.Tag{{Key: "t", Value: fmt.Sprint(i % 13)}}); err != nil {
					return err
				}
			}
			ms := []tracking.Metric{{Key: "n", Value: float64(i % 7), Timestamp: 1}}
			switch {
			case i%30 == 0:
			case i%25 == 0:
				ms = append(ms, tracking.Metric{Key: "m", Value: math.NaN(), Timestamp: 1})
			default:
				ms = append(ms, tracking.Metric{Key: "m", Value: float64((i * 37) % 40), Timestamp: 1})
			}
			if err := insertMetrics(ctx, tx, id, ms); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOrderWalk checks that a search ordered by a metric, param or tag answers exactly
// as the plain plan does, whether the walk of the metric's index answers
// or hands over: ties, NaN and missing values, deleted runs, runs of other
// experiments in the index, later order keys, filters and deep pages.
func TestOrderWalk(t *testing.T) {
	testOrderWalk(t, MustOpenDB(t))
}

func TestOrderWalkPostgres(t *testing.T) {
	testOrderWalk(t, MustOpenPostgres(t))
}

func testOrderWalk(t *testing.T, db *DB) {
	ctx := context.Background()
	svc := NewTrackingService(db)
	exp := mustCreateExperiment(t, svc, "walk")
	other := mustCreateExperiment(t, svc, "other")
	seedOrderRuns(t, db, exp, 900)
	seedOrderRuns(t, db, other, 400)
	eid, _ := strconv.ParseInt(exp, 10, 64)
	oid, _ := strconv.ParseInt(other, 10, 64)
	active := []any{tracking.StageActive}

	tests := []struct {
		exps          []any
		stages        []any
		filter        string
		order         []string
		limit, offset int
		walked        bool // the walk answers, rather than the plain plan
	}{
		{[]any{eid}, active, "", []string{"metrics.m DESC"}, 10, 0, true},
		{[]any{eid}, active, "", []string{"metrics.m ASC"}, 10, 0, true},
		{[]any{eid}, active, "", []string{"metrics.m"}, 13, 40, true},
		{[]any{eid}, active, "", []string{"metrics.m DESC", "metrics.n ASC"}, 20, 0, true},
		{[]any{eid}, active, "", []string{"metrics.m ASC", "attributes.start_time ASC"}, 20, 5, true},
		{[]any{eid}, active, "", []string{"metrics.m DESC", "params.p DESC"}, 20, 0, true},
		{[]any{eid, oid}, []any{tracking.StageActive, tracking.StageDeleted}, "", []string{"metrics.m DESC"}, 30, 0, true},
		{[]any{oid}, []any{tracking.StageDeleted}, "", []string{"metrics.m DESC"}, 5, 0, false},
		{[]any{eid}, active, "params.p = 'x'", []string{"metrics.m DESC"}, 10, 0, true},
		{[]any{eid}, active, "params.p = 'x' and metrics.n > 2", []string{"metrics.m ASC"}, 10, 10, true},
		{[]any{eid}, active, "params.p = 'rare'", []string{"metrics.m DESC"}, 10, 0, false},
		{[]any{eid}, active, "params.p != 'x'", []string{"metrics.n DESC"}, 10, 0, true},
		{[]any{eid}, active, "tags.none = 'x'", []string{"metrics.m DESC"}, 10, 0, false},
		// Past the runs with a number for m: NaN and missing ones follow.
		{[]any{eid}, active, "", []string{"metrics.m DESC"}, 50, 750, false},
		{[]any{eid}, active, "", []string{"metrics.m ASC"}, 100, 700, false},
		{[]any{eid}, active, "", []string{"metrics.none DESC"}, 10, 0, false},
		{[]any{eid}, active, "", []string{"metrics.m DESC"}, 1000, 0, false},
		{[]any{eid}, active, "", []string{"params.p DESC"}, 10, 0, true},
		{[]any{eid}, active, "metrics.n > 2", []string{"params.p ASC", "metrics.m DESC"}, 15, 30, true},
		{[]any{eid, oid}, active, "", []string{"params.p"}, 20, 0, true},
		{[]any{eid}, active, "", []string{"params.none DESC"}, 10, 0, false},
		{[]any{eid}, active, "", []string{"tags.t DESC"}, 10, 0, true},
		{[]any{eid}, active, "params.p = 'y'", []string{"tags.t ASC"}, 10, 5, true},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s by %s %d+%d", tt.filter, strings.Join(tt.order, ","), tt.offset, tt.limit)
		t.Run(name, func(t *testing.T) {
			filters, err := tracking.ParseRunFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			order, err := tracking.ParseRunOrderBy(tt.order)
			if err != nil {
				t.Fatal(err)
			}
			p := searchPage{expIDs: tt.exps, stages: tt.stages, filters: filters, order: order, limit: tt.limit, offset: tt.offset}
			err = db.readTx(ctx, func(tx *txn) error {
				_, walked, err := p.orderWalk(ctx, tx)
				if err != nil {
					return err
				}
				if walked != tt.walked {
					t.Errorf("walked = %v, want %v", walked, tt.walked)
				}
				got, err := p.find(ctx, tx)
				if err != nil {
					return err
				}
				want, err := p.query(ctx, tx, false, nil)
				if err != nil {
					return err
				}
				if len(got) != len(want) {
					t.Fatalf("got %d runs, want %d (plain plan)", len(got), len(want))
				}
				for i := range want {
					if got[i].Info.RunID != want[i].Info.RunID {
						t.Fatalf("run %d: got %s, want %s", i, got[i].Info.RunName, want[i].Info.RunName)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSearchTokens pages through searches with the tokens SearchRuns hands
// out, which carry the last run's keyset, and checks that the pages put
// together are the answer of one big page: in the default order, ordered
// by a metric (ties, NaN and missing values, pages that cross from numbers
// to them) and with filters. A token used with another search, and a plain
// MLflow {"offset": N} token, page by offset.
func TestSearchTokens(t *testing.T) {
	testSearchTokens(t, NewTrackingService(MustOpenDB(t)))
}

func TestSearchTokensPostgres(t *testing.T) {
	testSearchTokens(t, NewTrackingService(MustOpenPostgres(t)))
}

func testSearchTokens(t *testing.T, svc *TrackingService) {
	ctx := context.Background()
	exp := mustCreateExperiment(t, svc, "tokens")
	seedOrderRuns(t, svc.db, exp, 700)
	searches := []struct {
		filter string
		order  []string
		size   int
	}{
		{"", nil, 64},
		{"params.p = 'x'", nil, 30},
		{"params.p = 'x' and metrics.n > 2", nil, 7},
		{"", []string{"metrics.m DESC"}, 50},
		{"", []string{"metrics.m ASC"}, 33},
		{"params.p = 'y'", []string{"metrics.m DESC"}, 9},
		{"metrics.n >= 3", []string{"metrics.m"}, 40},
		{"", []string{"metrics.m DESC", "attributes.run_name"}, 45},
		{"params.p = 'x'", []string{"attributes.start_time DESC"}, 25},
		{"", []string{"attributes.start_time ASC"}, 60},
		{"", []string{"params.p DESC"}, 70},
		{"metrics.n < 4", []string{"tags.t"}, 30},
	}
	for _, s := range searches {
		t.Run(fmt.Sprintf("%s by %s", s.filter, strings.Join(s.order, ",")), func(t *testing.T) {
			rs := tracking.RunSearch{ExperimentIDs: []string{exp}, Filter: s.filter, OrderBy: s.order, MaxResults: 50000}
			all, _, err := svc.SearchRuns(ctx, rs)
			if err != nil {
				t.Fatal(err)
			}
			want := runIDs(all)
			rs.MaxResults = s.size
			var got []string
			for pages := 0; ; pages++ {
				runs, next, err := svc.SearchRuns(ctx, rs)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, runIDs(runs)...)
				if next == "" {
					break
				}
				if pages > len(want) {
					t.Fatal("paging does not end")
				}
				rs.PageToken = next
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged runs differ from one page: got %d runs, want %d", len(got), len(want))
			}
		})
	}

	// order_by attributes.start_time DESC is the default order, ties
	// broken by run id.
	byDefault, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, MaxResults: 50000})
	if err != nil {
		t.Fatal(err)
	}
	byStart, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: []string{exp}, OrderBy: []string{"attributes.start_time DESC"}, MaxResults: 50000})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(runIDs(byStart), runIDs(byDefault)) {
		t.Error("order_by attributes.start_time DESC differs from the default order")
	}

	// A keyset token of one search, given with another, is an offset.
	first := tracking.RunSearch{ExperimentIDs: []string{exp}, OrderBy: []string{"metrics.m DESC"}, MaxResults: 20}
	_, token, err := svc.SearchRuns(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []tracking.RunSearch{
		{ExperimentIDs: []string{exp}, OrderBy: []string{"metrics.m ASC"}, MaxResults: 20},
		{ExperimentIDs: []string{exp}, Filter: "params.p = 'z'", MaxResults: 20},
	} {
		all, _, err := svc.SearchRuns(ctx, tracking.RunSearch{ExperimentIDs: other.ExperimentIDs, Filter: other.Filter, OrderBy: other.OrderBy, MaxResults: 40})
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{token, tracking.EncodePageToken(20)} {
			other.PageToken = tok
			page, _, err := svc.SearchRuns(ctx, other)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := runIDs(page), runIDs(all[20:]); !slices.Equal(got, want) {
				t.Errorf("%q by %s with token %s: runs differ from offset 20", other.Filter, other.OrderBy, tok)
			}
		}
	}
}

func runIDs(runs []*tracking.Run) []string {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.Info.RunID
	}
	return ids
}
