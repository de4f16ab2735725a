package sqlstore

import (
	"context"

	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

// commonTagMatches is how many matching tag (or metadata) rows make a
// trace search probe each trace instead of listing the matches first.
const commonTagMatches = 2000

// searchWhere builds the WHERE clause of a trace search over the
// experiments expIDs. A tag or metadata comparison that many rows match
// becomes a per-trace probe (commonKV); the rest are traceFilter's. The
// probes come last: SQLite tests the terms in the order written, so the
// columns of the trace row (status, time) turn most traces away before a
// probe reads their tags.
func (s *TraceService) searchWhere(ctx context.Context, tx *txn, d dialect, expIDs []any, filters []tracking.Comparison) (*query, error) {
	q := &query{}
	q.add(`WHERE t.experiment_id IN (`+placeholders(len(expIDs))+`)`, expIDs...)
	var probes []tracking.Comparison
	for _, c := range filters {
		if kvComparison(c) {
			common, err := s.plans.common(ctx, tx, d, c)
			if err != nil {
				return nil, err
			}
			if common {
				probes = append(probes, c)
				continue
			}
		}
		q.add(" AND ")
		if err := traceFilter(q, d, c); err != nil {
			return nil, err
		}
	}
	for _, c := range probes {
		q.add(" AND ")
		if err := kvExists(q, d, c); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// kvComparison reports whether c compares the value of a trace's tag or
// metadata key (the comparisons traceFilter answers with an IN list).
func kvComparison(c tracking.Comparison) bool {
	if c.Entity != tracking.EntityTag && c.Entity != tracking.EntityMetadata {
		return false
	}
	if c.Op == "IS NULL" || c.Op == "IS NOT NULL" {
		return false
	}
	return !(c.Entity == tracking.EntityTag && c.Key == tracing.TagTraceName)
}

func kvTable(c tracking.Comparison) string {
	if c.Entity == tracking.EntityMetadata {
		return "trace_metadata"
	}
	return "trace_tags"
}

// commonKV reports whether at least commonTagMatches tag or metadata rows
// match c. A search for a common value (team = 'blue' on a quarter of the
// traces) is then answered by walking the experiment's traces newest first
// and probing each one's tag, which stops once the page is full; listing
// every match first would cost as much as there are matches. A rare value
// is better listed first: the walk would read most traces to fill a page.
// The count stops at commonTagMatches, so the probe itself stays cheap.
func commonKV(ctx context.Context, tx *txn, d dialect, c tracking.Comparison) (bool, error) {
	var q query
	q.add(`SELECT COUNT(*) FROM (SELECT 1 FROM `+kvTable(c)+` k WHERE k.key = ? AND `, c.Key)
	if err := compare(&q, d, "k.value", c); err != nil {
		return false, err
	}
	q.add(` LIMIT ?) m`, commonTagMatches)
	var n int
	if err := tx.scanOne(ctx, q.sql.String(), q.args, &n); err != nil {
		return false, err
	}
	return n >= commonTagMatches, nil
}

// kvExists adds c as a per-trace probe: EXISTS on the key's row of t.
func kvExists(q *query, d dialect, c tracking.Comparison) error {
	q.add(`EXISTS (SELECT 1 FROM `+kvTable(c)+` k WHERE k.trace_id = t.trace_id AND k.key = ? AND `, c.Key)
	if err := compare(q, d, "k.value", c); err != nil {
		return err
	}
	q.add(")")
	return nil
}
