package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// seedPlanRuns inserts n runs into experiment exp, started at times 0..n-1,
// the i-th with param p = pv(i) and metric m = i.
func seedPlanRuns(t *testing.T, db *DB, exp string, n int, pv func(i int) string) {
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
			if _, err := tx.exec(ctx, `INSERT INTO runs
				(run_uuid, name, experiment_id, user_id, status, start_time, artifact_uri, lifecycle_stage)
				VALUES (?, ?, ?, 'u', 'FINISHED', ?, '', 'active')`, id, fmt.Sprint("run-", i), eid, int64(i)); err != nil {
				return err
			}
			if _, err := insertParams(ctx, tx, id, eid, int64(i), []tracking.Param{{Key: "p", Value: pv(i)}}); err != nil {
				return err
			}
			if err := insertMetrics(ctx, tx, id, []tracking.Metric{{Key: "m", Value: float64(i), Timestamp: 1}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSearchPlans checks that the walk, bounded or not, answers exactly as
// the indexed plan does, including when the bounded walk falls short and
// the indexed plan takes over.
func TestSearchPlans(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	svc := NewTrackingService(db)
	small := mustCreateExperiment(t, svc, "small")
	seedPlanRuns(t, db, small, 300, func(i int) string { return []string{"x", "y", "z", "w"}[i%4] })
	big := mustCreateExperiment(t, svc, "big")
	// The 60 oldest runs of big have p = 'old': a walk from the newest
	// bounded to 120 runs finds none of them.
	seedPlanRuns(t, db, big, 1000, func(i int) string {
		if i < 60 {
			return "old"
		}
		return "x"
	})

	tests := []struct {
		name       string
		exp        string
		filter     string
		limit      int
		offset     int
		wantWalk   bool // walkBound chooses to walk
		wantBound  bool // ... and bounds the walk
		wantLen    int
		wantOffset bool // a next page exists
	}{
		// p = 'x' matches 1015 rows over both experiments, so only
		// walkReach bounds these walks: 16 × 21 runs outnumber small's 300,
		// 16 × 11 do not.
		{"walk whole experiment", small, "params.p = 'x' and metrics.m > 100", 20, 0, true, false, 20, true},
		{"reach bounds the walk", small, "params.p = 'x' and metrics.m > 100", 10, 0, true, true, 10, true},
		{"walk second page", small, "params.p = 'x'", 20, 40, true, false, 20, true},
		{"walk to the end", small, "params.p = 'x'", 50, 50, true, false, 25, false},
		{"bounded walk fills the page", small, "params.p = 'y' and metrics.m >= 100", 10, 0, true, true, 10, true},
		{"bounded walk falls short", big, "params.p = 'old'", 10, 0, true, true, 10, true},
		{"too few matches to pay off", big, "params.p = 'old'", 50, 0, false, false, 50, true},
		{"too few matches to walk", big, "params.p = 'old'", 100, 0, false, false, 60, false},
		{"no equality, no walk", small, "metrics.m > 290", 100, 0, false, false, 9, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filters, err := tracking.ParseRunFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			eid, _ := strconv.ParseInt(tt.exp, 10, 64)
			p := searchPage{expIDs: []any{eid}, stages: []any{tracking.StageActive}, filters: filters, limit: tt.limit, offset: tt.offset}
			err = db.readTx(ctx, func(tx *txn) error {
				stop, walk, err := p.walkBound(ctx, tx)
				if err != nil {
					return err
				}
				if walk != tt.wantWalk || (stop != nil) != tt.wantBound {
					t.Errorf("walk, bounded = %v, %v; want %v, %v", walk, stop != nil, tt.wantWalk, tt.wantBound)
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
					t.Fatalf("got %d runs, want %d (indexed plan)", len(got), len(want))
				}
				for i := range want {
					if got[i].Info.RunID != want[i].Info.RunID {
						t.Fatalf("run %d: got %s, want %s", i, got[i].Info.RunName, want[i].Info.RunName)
					}
				}
				gotLen, gotMore := min(len(got), tt.limit), len(got) > tt.limit
				if gotLen != tt.wantLen || gotMore != tt.wantOffset {
					t.Errorf("got %d runs (more: %v), want %d (more: %v)", gotLen, gotMore, tt.wantLen, tt.wantOffset)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestParamWalk checks that the params_walk plan is chosen only where it
// gives the page order, and that it answers exactly as the indexed plan
// does: runs that share a start time, deleted runs, other filters and
// later pages included.
func TestParamWalk(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	svc := NewTrackingService(db)
	exp := mustCreateExperiment(t, svc, "walk")
	other := mustCreateExperiment(t, svc, "other")
	// Three runs per start time, so ties are broken by run_uuid.
	seedPlanRuns(t, db, exp, 240, func(i int) string { return []string{"x", "y", "x"}[i%3] })
	seedPlanRuns(t, db, other, 50, func(int) string { return "x" })
	err := db.writeTx(ctx, func(tx *txn) error {
		if _, err := tx.exec(ctx, `UPDATE runs SET start_time = start_time / 3`); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE runs SET lifecycle_stage = 'deleted' WHERE name LIKE '%7'`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// start_time changed under the params' copies: put the copies right, as
	// the migration does, since runs never change start time in the store.
	err = db.writeTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `UPDATE params SET start_time = (SELECT r.start_time FROM runs r WHERE r.run_uuid = params.run_uuid)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	eid, _ := strconv.ParseInt(exp, 10, 64)
	oid, _ := strconv.ParseInt(other, 10, 64)

	choices := []struct {
		name   string
		exps   []any
		filter string
		order  []string
		want   bool
	}{
		{"param equality", []any{eid}, "params.p = 'x'", nil, true},
		{"param equality after a metric", []any{eid}, "metrics.m > 3 and params.p = 'y'", nil, true},
		{"param inequality", []any{eid}, "params.p != 'x'", nil, false},
		{"param LIKE", []any{eid}, "params.p LIKE 'x%'", nil, false},
		{"tag equality", []any{eid}, "tags.t = 'x'", nil, false},
		{"two experiments", []any{eid, oid}, "params.p = 'x'", nil, false},
		{"explicit order", []any{eid}, "params.p = 'x'", []string{"metrics.m DESC"}, false},
	}
	for _, c := range choices {
		filters, err := tracking.ParseRunFilter(c.filter)
		if err != nil {
			t.Fatal(err)
		}
		order, err := tracking.ParseRunOrderBy(c.order)
		if err != nil {
			t.Fatal(err)
		}
		p := searchPage{expIDs: c.exps, filters: filters, order: order}
		if _, got := p.paramWalk(); got != c.want {
			t.Errorf("%s: paramWalk chosen = %v, want %v", c.name, got, c.want)
		}
	}

	tests := []struct {
		filter        string
		stages        []any
		limit, offset int
	}{
		{"params.p = 'x'", []any{tracking.StageActive}, 10, 0},
		{"params.p = 'x'", []any{tracking.StageActive}, 7, 70},
		{"params.p = 'x'", []any{tracking.StageDeleted}, 5, 3},
		{"params.p = 'y'", []any{tracking.StageActive, tracking.StageDeleted}, 30, 20},
		{"params.p = 'x' and metrics.m >= 100 and metrics.m < 200", []any{tracking.StageActive}, 25, 25},
		{"attributes.run_name LIKE 'run-1%' and params.p = 'x'", []any{tracking.StageActive}, 100, 0},
		{"params.p = 'none'", []any{tracking.StageActive}, 10, 0},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s %v %d+%d", tt.filter, tt.stages, tt.offset, tt.limit)
		t.Run(name, func(t *testing.T) {
			filters, err := tracking.ParseRunFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			p := searchPage{expIDs: []any{eid}, stages: tt.stages, filters: filters, limit: tt.limit, offset: tt.offset}
			err = db.readTx(ctx, func(tx *txn) error {
				got, err := p.find(ctx, tx)
				if err != nil {
					return err
				}
				want, err := p.query(ctx, tx, false, nil)
				if err != nil {
					return err
				}
				if len(got) != len(want) {
					t.Fatalf("got %d runs, want %d (indexed plan)", len(got), len(want))
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
