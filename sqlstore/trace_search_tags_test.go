package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/weir-ml/weir/tracing"
)

func TestTraceTagSearchSQLite(t *testing.T)   { testTraceTagSearch(t, MustOpenDB(t)) }
func TestTraceTagSearchPostgres(t *testing.T) { testTraceTagSearch(t, MustOpenPostgres(t)) }

// testTraceTagSearch searches tags whose values are common (at least
// commonTagMatches rows: each trace is probed) and rare (the matches are
// listed first) and gets the same traces, in the same order, as the
// filters say, page after page, with another experiment's traces never
// mixed in.
func testTraceTagSearch(t *testing.T, db *DB) {
	ctx := context.Background()
	tr := NewTrackingService(db)
	exp := mustCreateExperiment(t, tr, "tags")
	other := mustCreateExperiment(t, tr, "other")
	svc := NewTraceService(db)
	const n = commonTagMatches + 400
	team := func(i int) string { return map[bool]string{true: "a", false: "b"}[i%6 != 0] }
	var spans, otherSpans []tracing.Span
	for i := 0; i < n; i++ {
		code := int32(1)
		if i%5 == 0 {
			code = 2
		}
		spans = append(spans, testSpan(i, 0, uint64(1_700_000_000_000+i*1000), "CHAIN", code))
		if i < 50 {
			otherSpans = append(otherSpans, testSpan(n+i, 0, uint64(1_700_000_000_000+i*1000), "CHAIN", 1))
		}
	}
	if err := svc.LogSpans(ctx, exp, spans); err != nil {
		t.Fatal(err)
	}
	if err := svc.LogSpans(ctx, other, otherSpans); err != nil {
		t.Fatal(err)
	}
	err := db.writeTx(ctx, func(tx *txn) error {
		for i := 0; i < n+50; i++ {
			id, _ := traceID(i)
			val := "a" // the other experiment's traces match too
			if i < n {
				val = team(i)
			}
			if _, err := tx.exec(ctx, `INSERT INTO trace_tags (trace_id, key, value) VALUES (?, 'team', ?)`, id, val); err != nil {
				return err
			}
			if i < n && i%100 == 7 {
				if _, err := tx.exec(ctx, `INSERT INTO trace_metadata (trace_id, key, value) VALUES (?, 'rare', 'yes')`, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   func(i int) bool
	}{
		{"tags.team = 'a'", func(i int) bool { return team(i) == "a" }},
		{"tags.team = 'a' AND trace.status = 'OK'", func(i int) bool { return team(i) == "a" && i%5 != 0 }},
		{"tags.team != 'b'", func(i int) bool { return team(i) == "a" }},
		{"tags.team LIKE 'a%'", func(i int) bool { return team(i) == "a" }},
		{"tags.team = 'b'", func(i int) bool { return team(i) == "b" }},
		{"metadata.rare = 'yes' AND tags.team = 'a'", func(i int) bool { return i%100 == 7 && team(i) == "a" }},
		{"tags.team = 'c'", func(i int) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			var want []string
			for i := n - 1; i >= 0; i-- { // newest first
				if tt.want(i) {
					id, _ := traceID(i)
					want = append(want, id)
				}
			}
			search := func() []string {
				var got []string
				req := tracing.SearchRequest{ExperimentIDs: []string{exp}, Filter: tt.filter, MaxResults: 500, OrderBy: []string{"timestamp_ms DESC"}}
				for page := 0; ; page++ {
					infos, next, err := svc.SearchTraces(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					for _, in := range infos {
						got = append(got, in.TraceID)
					}
					if next == "" || page > n/500+1 {
						break
					}
					req.PageToken = next
				}
				return got
			}
			if got := search(); !slices.Equal(got, want) {
				t.Errorf("got %d traces, want %d; first differing: %s", len(got), len(want), firstDiff(got, want))
			}
			// A remembered plan that has gone stale (the value became
			// common or rare since) walks the other way to the same pages.
			svc.plans.mu.Lock()
			if len(svc.plans.seen) == 0 {
				t.Error("no plan remembered after a tag search")
			}
			for k, p := range svc.plans.seen {
				p.common = !p.common
				svc.plans.seen[k] = p
			}
			svc.plans.mu.Unlock()
			if got := search(); !slices.Equal(got, want) {
				t.Errorf("with the plans flipped: got %d traces, want %d; first differing: %s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("#%d got %s, want %s", i, got[i], want[i])
		}
	}
	return "one list is a prefix of the other"
}
