package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/weir-ml/weir/tracking"
)

// A search ordered by a metric (order_by metrics.acc DESC, the runs page
// sorted by a column) is answered from the latest_metrics_order index,
// (key, is_nan, value, run_uuid): the runs that have a number for the
// metric come first in either direction, NaN and missing values after them,
// so the first pages of the answer are the first entries of the index in
// value order. orderWalk reads them in that order, tests each run's
// experiment, stage and filters by primary key, and stops once the page is
// full: its cost grows with the rows the page needs and the share of runs
// the filters keep, not with the number of runs. The plain plan, which
// reads every run of the experiments and sorts them, grows with the runs.
//
// Ties of the metric are ordered by the remaining order keys, start_time
// DESC and run_uuid, which both engines sort a tie group at a time as they
// read the index (SQLite's "temp b-tree for right part of order by",
// PostgreSQL's incremental sort).
//
// As for the start_time walk (searchPage.find), the walk is bounded: to the
// index entries of walkReach runs per run of the page, and to twice the rows
// of the rarest equality filter when that is fewer. An equality that
// matches under four times the rows the page needs sends the search to the
// indexed plan at once; a walk that falls short of a page within its bound
// hands over to it. Either way the answer is the same.
//
// A search ordered by a param or a tag walks the same way, from the
// params_walk and tags_key_value indexes: runs without the key come last
// in either direction there too.

// orderSource is where the walk reads the runs that have a value for the
// first order key, in value order: the table, whose (key, value) index gives
// that order (latest_metrics_order, params_walk, tags_key_value), and the
// condition that leaves out the values sorted after the others (NaN
// metrics), unqualified for the bound and on w for the walk.
type orderSource struct {
	table, cond, walkCond string
}

var orderSources = map[tracking.Entity]orderSource{
	tracking.EntityMetric: {"latest_metrics", " AND is_nan = 0", " AND w.is_nan = 0"},
	tracking.EntityParam:  {"params", "", ""},
	tracking.EntityTag:    {"tags", "", ""},
}

// orderWalk answers the page by a walk of the first order key's index
// when that can pay off. ok is false when it did not answer: the first
// order key is not a metric, param or tag, the filters are better answered
// from an index, or the bounded walk fell short of a page.
func (p *searchPage) orderWalk(ctx context.Context, tx *txn) (runs []*tracking.Run, ok bool, err error) {
	if len(p.order) == 0 {
		return nil, false, nil
	}
	src, ok := orderSources[p.order[0].Entity]
	if !ok {
		return nil, false, nil
	}
	// The plain plan checks the order keys (duplicates, unknown
	// attributes); checking them here first keeps its messages.
	if _, err := runOrder(&query{}, p.order); err != nil {
		return nil, false, err
	}
	// With the token's keyset, the page starts after its run instead of
	// offset rows in.
	after, offset := p.after, p.offset
	if after == nil || after.Value == nil || len(p.order) != 1 || p.order[0].Entity != tracking.EntityMetric {
		after = nil
	} else {
		offset = 0
	}
	need := offset + p.limit + 1
	reach := walkReach * need
	for _, c := range p.filters {
		if !selective(c) {
			continue
		}
		n, counted, err := countMatches(ctx, tx, c, reach/2)
		if err != nil || !counted {
			return nil, false, err
		}
		if n < 4*need {
			return nil, false, nil
		}
		reach = min(reach, 2*n)
	}
	key := p.order[0]
	dir, from := "", ">="
	if key.Desc {
		dir, from = " DESC", "<="
	}
	// The value of the last index entry the walk may read; none when the
	// metric has fewer entries, and then the walk reads them all.
	var bound, v any
	var q query
	q.add(`SELECT value FROM `+src.table+` WHERE key = ?`+src.cond, key.Key)
	if after != nil {
		q.add(` AND value `+from+` ?`, *after.Value)
	}
	q.add(` ORDER BY value`+dir+` LIMIT 1 OFFSET ?`, reach-1)
	err = tx.scanOne(ctx, q.sql.String(), q.args, &v)
	switch {
	case err == nil:
		bound = v
	case !errors.Is(err, sql.ErrNoRows):
		return nil, false, err
	}
	runs, err = p.orderQuery(ctx, tx, src, bound, after, offset)
	if err != nil {
		return nil, false, err
	}
	// A page filled, or every run with a number for the metric read and
	// the page past their end: the NaN and missing values, which the
	// plain plan orders, may follow.
	if len(runs) > p.limit {
		return runs, true, nil
	}
	return nil, false, nil
}

// orderQuery reads the runs with a number for the first order key's
// metric in page order, from the index entries up to bound (all if nil),
// skipping offset of them or starting after the keyset after.
// CROSS JOIN makes SQLite read the index first, as the walk needs;
// PostgreSQL chooses for itself. The filters probe by w.run_uuid, so SQLite
// tests them from the index entry and reads a run's row only when they pass.
func (p *searchPage) orderQuery(ctx context.Context, tx *txn, src orderSource, bound any, after *keyset, offset int) ([]*tracking.Run, error) {
	key := p.order[0]
	var q query
	q.add(`SELECT ` + runColumns + ` FROM ` + src.table + ` w CROSS JOIN runs r`)
	rest, err := runOrder(&q, p.order[1:])
	if err != nil {
		return nil, err
	}
	q.add(` WHERE w.key = ?`+src.walkCond+` AND r.run_uuid = w.run_uuid`, key.Key)
	dir, cmp, past := "", "<=", ">"
	if key.Desc {
		dir, cmp, past = " DESC", ">=", "<"
	}
	if bound != nil {
		q.add(` AND w.value `+cmp+` ?`, bound)
	}
	if after != nil {
		v := *after.Value
		q.add(` AND w.value `+past+`= ? AND (w.value `+past+` ? OR (w.value = ?`, v, v, v)
		afterStart(&q, after, "r.start_time", "r.run_uuid")
		q.add(`))`)
	}
	q.add(` AND r.experiment_id IN (`+placeholders(len(p.expIDs))+`)`, p.expIDs...)
	q.add(` AND r.lifecycle_stage IN (`+placeholders(len(p.stages))+`)`, p.stages...)
	for _, c := range p.filters {
		q.add(" AND ")
		if err := runFilter(&q, tx.d, c, false, "w.run_uuid"); err != nil {
			return nil, err
		}
	}
	q.add(` ORDER BY w.value`+dir+`, `+rest+` LIMIT ? OFFSET ?`, p.limit+1, offset)
	return scanRuns(ctx, tx, &q)
}
