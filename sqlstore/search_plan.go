package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/weir-ml/weir/tracking"
)

// searchPage is one SearchRuns query: which runs, in which order, and the
// window of the answer wanted (limit+1 rows from offset, the extra one
// telling whether there is a next page).
type searchPage struct {
	expIDs  []any
	stages  []any
	filters []tracking.Comparison
	order   []tracking.OrderKey
	limit   int
	offset  int
	after   *keyset // where the previous page ended, if its token says
}

// startKeyset returns the keyset that starts the page in the default order,
// start_time DESC, run_uuid, if the token held one.
func (p *searchPage) startKeyset() *keyset {
	if len(p.order) != 0 {
		return nil
	}
	return p.after
}

// find returns the runs of the page, at most limit+1, with Info set.
//
// Two plans answer the same question. The indexed plan drives from the
// (key, value) index of the equality filters and sorts what they match: its
// cost grows with the number of matching rows. The walk reads the runs of
// one experiment in start_time order and probes every filter by primary key,
// stopping once the page is full: its cost grows with the number of runs it
// passes over. An equality that matches thousands of runs of which the page
// needs a hundred (params.p = 'x' on a big sweep) is many times cheaper
// walked; one that matches a handful is cheaper indexed. The walk is tried
// first when it may win, bounded to twice the rows the indexed plan would
// read and to walkReach runs per run of the page, and the indexed plan
// answers when the bounded walk falls short, so a wrong guess costs at most
// about three times the better plan.
//
// A third plan beats both when the filters hold an equality on a param and
// the page is of one experiment in the default order: it reads the runs
// whose param matches from the params_walk index, already in page order,
// and stops once the page is full. It reads no run the walk would not, and
// never more rows than the indexed plan.
//
// A search ordered by a metric, param or tag walks that key's index instead (see
// orderWalk), when the filters let it pay off.
func (p *searchPage) find(ctx context.Context, tx *txn) ([]*tracking.Run, error) {
	if p.startKeyset() != nil {
		// Every plan below reads in the default order: the page starts
		// after the token's run, wherever that now is.
		page := *p
		page.offset = 0
		p = &page
	}
	if i, ok := p.paramWalk(); ok {
		return p.paramQuery(ctx, tx, i)
	}
	if runs, ok, err := p.orderWalk(ctx, tx); err != nil || ok {
		return runs, err
	}
	bound, ok, err := p.walkBound(ctx, tx)
	if err != nil {
		return nil, err
	}
	if ok {
		runs, err := p.query(ctx, tx, true, bound)
		if err != nil || len(runs) > p.limit || bound == nil {
			return runs, err
		}
	}
	return p.query(ctx, tx, false, nil)
}

// paramWalk returns the index of the filter the params_walk plan can read
// from, if any: a params.key = 'value' filter on a page of one experiment in
// the default order.
func (p *searchPage) paramWalk() (int, bool) {
	if len(p.expIDs) != 1 || len(p.order) != 0 {
		return 0, false
	}
	for i, c := range p.filters {
		if c.Entity == tracking.EntityParam && c.Op == "=" && c.Value.Kind == tracking.StringValue {
			return i, true
		}
	}
	return 0, false
}

// paramQuery runs the params_walk plan from filter by. The index is keyed
// by (key, value, experiment_id, start_time DESC, run_uuid), so reading it
// from (key, value, experiment) gives the matching runs in the page order.
// CROSS JOIN makes SQLite read params first, as the plan needs;
// PostgreSQL's planner reads it as a plain join and chooses for itself. The
// other filters probe by pw.run_uuid, so SQLite tests them from the index
// entry and reads the run's row only for runs that pass.
func (p *searchPage) paramQuery(ctx context.Context, tx *txn, by int) ([]*tracking.Run, error) {
	var q query
	c := p.filters[by]
	q.add(`SELECT `+runColumns+` FROM params pw CROSS JOIN runs r
		WHERE pw.key = ? AND pw.value = ? AND pw.experiment_id = ? AND r.run_uuid = pw.run_uuid`,
		c.Key, c.Value.Str, p.expIDs[0])
	if k := p.startKeyset(); k != nil {
		afterStart(&q, k, "pw.start_time", "pw.run_uuid")
	}
	q.add(` AND r.lifecycle_stage IN (`+placeholders(len(p.stages))+`)`, p.stages...)
	for i, c := range p.filters {
		if i == by {
			continue
		}
		q.add(" AND ")
		if err := runFilter(&q, tx.d, c, false, "pw.run_uuid"); err != nil {
			return nil, err
		}
	}
	q.add(` ORDER BY pw.start_time DESC, pw.run_uuid LIMIT ? OFFSET ?`, p.limit+1, p.offset)
	return scanRuns(ctx, tx, &q)
}

// walkStop is the last run, in start_time DESC, run_uuid order, that a
// bounded walk reads.
type walkStop struct {
	startTime int64
	runID     string
}

// walkReach caps a walk at this many runs per run the page needs. A filter
// that keeps fewer than one run in walkReach is cheaper answered by the
// indexed plan, and the cap keeps the two queries that set up a walk (the
// count of matching rows and the offset of its last run) short: they read
// at most walkReach/2 and walkReach index entries per run of the page,
// however many rows the equality matches.
const walkReach = 16

// walkBound decides whether to walk and how far: twice the rows the
// indexed plan would read, and at most walkReach runs per run the page
// needs. ok is false when the walk cannot pay off: several experiments or an
// explicit order (no index gives their order), no equality filter to compare
// with, or too few matching rows for a walk to pay off. A nil stop means the
// experiment has fewer runs than the bound, so the walk reads them all and its
// answer is final.
func (p *searchPage) walkBound(ctx context.Context, tx *txn) (stop *walkStop, ok bool, err error) {
	if len(p.expIDs) != 1 || len(p.order) != 0 {
		return nil, false, nil
	}
	need := p.offset + p.limit + 1
	reach := walkReach * need
	matched := -1 // fewest rows any equality filter matches (up to reach/2), -1 for none
	for _, c := range p.filters {
		if !selective(c) {
			continue
		}
		n, counted, err := countMatches(ctx, tx, c, reach/2)
		if err != nil || !counted {
			return nil, false, err
		}
		if matched < 0 || n < matched {
			matched = n
		}
	}
	// Below four times the rows the page needs, the indexed plan reads
	// few rows more than any walk could, and a walk that falls short (a
	// LIKE 'run-99%' on run names) would only add to them.
	if matched < 0 || matched < 4*need {
		return nil, false, nil
	}
	var s walkStop
	var q query
	q.add(`SELECT start_time, run_uuid FROM runs WHERE experiment_id = ?`, p.expIDs[0])
	if k := p.startKeyset(); k != nil {
		afterStart(&q, k, "start_time", "run_uuid")
	}
	q.add(` ORDER BY start_time DESC, run_uuid LIMIT 1 OFFSET ?`, min(2*matched, reach)-1)
	err = tx.scanOne(ctx, q.sql.String(), q.args, &s.startTime, &s.runID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	return &s, true, nil
}

// countMatches counts the rows of a param or tag equality filter, up to
// most, which the (key, value) index answers without reading the table;
// counted is false for filters on other entities, which the walk leaves to
// the indexed plan.
func countMatches(ctx context.Context, tx *txn, c tracking.Comparison, most int) (n int, counted bool, err error) {
	table := ""
	switch c.Entity {
	case tracking.EntityParam:
		table = "params"
	case tracking.EntityTag:
		table = "tags"
	default:
		return 0, false, nil
	}
	var q query
	q.add(`SELECT COUNT(*) FROM (SELECT 1 FROM `+table+` p WHERE p.key = ? AND `, c.Key)
	if err := compare(&q, tx.d, "p.value", c); err != nil {
		return 0, false, err
	}
	q.add(` LIMIT ?) c`, most)
	if err := tx.scanOne(ctx, q.sql.String(), q.args, &n); err != nil {
		return 0, false, err
	}
	return n, true, nil
}

// query runs one plan: the walk (up to stop, if set) or the indexed plan.
func (p *searchPage) query(ctx context.Context, tx *txn, walk bool, stop *walkStop) ([]*tracking.Run, error) {
	var q query
	q.add(`SELECT ` + runColumns + ` FROM runs r`)
	orderSQL, err := runOrder(&q, p.order)
	if err != nil {
		return nil, err
	}
	q.add(` WHERE r.experiment_id IN (`+placeholders(len(p.expIDs))+`)`, p.expIDs...)
	q.add(` AND r.lifecycle_stage IN (`+placeholders(len(p.stages))+`)`, p.stages...)
	if stop != nil {
		q.add(` AND (r.start_time > ? OR (r.start_time = ? AND r.run_uuid <= ?))`, stop.startTime, stop.startTime, stop.runID)
	}
	if k := p.startKeyset(); k != nil {
		afterStart(&q, k, "r.start_time", "r.run_uuid")
	}
	for _, c := range p.filters {
		q.add(" AND ")
		if err := runFilter(&q, tx.d, c, !walk, "r.run_uuid"); err != nil {
			return nil, err
		}
	}
	q.add(` ORDER BY `+orderSQL+` LIMIT ? OFFSET ?`, p.limit+1, p.offset)
	return scanRuns(ctx, tx, &q)
}

// scanRuns runs q, which selects runColumns, and returns its runs with Info set.
func scanRuns(ctx context.Context, tx *txn, q *query) ([]*tracking.Run, error) {
	var runs []*tracking.Run
	err := tx.each(ctx, q.sql.String(), q.args, func(rows *sql.Rows) error {
		info, err := scanRunInfo(rows)
		if err != nil {
			return err
		}
		runs = append(runs, &tracking.Run{Info: info})
		return nil
	})
	return runs, err
}
