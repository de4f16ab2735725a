package sqlstore

import (
	"context"
	"fmt"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Search limits, as MLflow's.
const (
	defaultMaxResults = 1000
	maxSearchResults  = 50000
)

// maxResults applies the default to 0 and refuses values out of range.
func maxResults(n int) (int, error) {
	switch {
	case n == 0:
		return defaultMaxResults, nil
	case n < 0:
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be a positive integer", n)
	case n > maxSearchResults:
		return 0, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid value %d for parameter 'max_results' supplied. It must be at most %d", n, maxSearchResults)
	}
	return n, nil
}

// stages returns the lifecycle stages a view type selects.
func stages(v tracking.ViewType) ([]any, error) {
	switch v {
	case 0, tracking.ActiveOnly:
		return []any{tracking.StageActive}, nil
	case tracking.DeletedOnly:
		return []any{tracking.StageDeleted}, nil
	case tracking.AllViews:
		return []any{tracking.StageActive, tracking.StageDeleted}, nil
	}
	return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid view type %d", v)
}

// query accumulates SQL text and its arguments in order.
type query struct {
	sql  strings.Builder
	args []any
}

func (q *query) add(s string, args ...any) {
	q.sql.WriteString(s)
	q.args = append(q.args, args...)
}

// runAttrColumns maps run attributes of the search language to columns.
var runAttrColumns = map[string]string{
	"run_id": "r.run_uuid", "run_name": "r.name", "user_id": "r.user_id", "status": "r.status",
	"artifact_uri": "r.artifact_uri", "start_time": "r.start_time", "end_time": "r.end_time",
	"lifecycle_stage": "r.lifecycle_stage",
}

// SearchRuns returns a page of the runs of the given experiments that match
// the filter, in the requested order, then start_time DESC, run_id.
func (s *TrackingService) SearchRuns(ctx context.Context, rs tracking.RunSearch) (runs []*tracking.Run, next string, err error) {
	defer weir.Wrap(&err, "SearchRuns(%q)", rs.Filter)
	limit, err := maxResults(rs.MaxResults)
	if err != nil {
		return nil, "", err
	}
	stageArgs, err := stages(rs.ViewType)
	if err != nil {
		return nil, "", err
	}
	filters, err := tracking.ParseRunFilter(rs.Filter)
	if err != nil {
		return nil, "", err
	}
	order, err := tracking.ParseRunOrderBy(rs.OrderBy)
	if err != nil {
		return nil, "", err
	}
	order = defaultOrder(order)
	offset, err := tracking.DecodePageToken(rs.PageToken)
	if err != nil {
		return nil, "", err
	}
	var expIDs []any
	for _, id := range rs.ExperimentIDs {
		eid, err := parseExperimentID(id)
		if err != nil {
			return nil, "", err
		}
		expIDs = append(expIDs, eid)
	}
	if len(expIDs) == 0 {
		return []*tracking.Run{}, "", nil
	}
	err = s.db.readTx(ctx, func(tx *txn) error {
		if err := customPlans(ctx, tx); err != nil {
			return err
		}
		search := searchFingerprint(rs)
		page := searchPage{expIDs: expIDs, stages: stageArgs, filters: filters, order: order, limit: limit, offset: offset,
			after: decodeKeyset(rs.PageToken, search)}
		var err error
		if runs, err = page.find(ctx, tx); err != nil {
			return err
		}
		more := len(runs) > limit
		if more {
			runs = runs[:limit]
		}
		if err := loadRunData(ctx, tx, runs); err != nil {
			return err
		}
		if more {
			next = encodeRunsToken(offset+limit, search, order, runs[limit-1])
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if runs == nil {
		runs = []*tracking.Run{}
	}
	return runs, next, nil
}

// customPlans makes PostgreSQL plan each statement of the transaction for
// its arguments. The store prepares its statements once per connection, and
// after five runs of one PostgreSQL may switch to a generic plan, chosen
// without the arguments: for a walk that stops at a full page that is a
// plan that reads every matching row (20 ms became 377 ms for the tenth
// page of a search over 100,000 runs). Planning anew costs about a
// millisecond.
func customPlans(ctx context.Context, tx *txn) error {
	if tx.d.name != "postgres" {
		return nil
	}
	_, err := tx.conn.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan")
	return err
}

// defaultOrder returns nil for order_by attributes.start_time DESC, which
// is the default order (MLflow's UI asks for it on every page), so that the
// searches read in the default order by index (see searchPage.find), and
// order otherwise.
func defaultOrder(order []tracking.OrderKey) []tracking.OrderKey {
	if len(order) == 1 && order[0].Entity == tracking.EntityAttribute && order[0].Key == "start_time" && order[0].Desc {
		return nil
	}
	return order
}

// runOrder adds to q the joins that order keys need and returns the ORDER BY
// list. Missing values, and NaN metrics, sort last in either direction, as in
// MLflow; ties are broken by start_time DESC, then run_id.
func runOrder(q *query, keys []tracking.OrderKey) (string, error) {
	var terms []string
	seen := map[string]bool{}
	hasStart := false
	for i, k := range keys {
		id := string(k.Entity) + "." + k.Key
		if seen[id] {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "`order_by` contains duplicate fields: %s", id)
		}
		seen[id] = true
		dir := ""
		if k.Desc {
			dir = " DESC"
		}
		alias := fmt.Sprintf("o%d", i)
		switch k.Entity {
		case tracking.EntityAttribute:
			col, ok := runAttrColumns[k.Key]
			if !ok {
				return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid order_by attribute '%s'", k.Key)
			}
			hasStart = hasStart || k.Key == "start_time"
			if k.Key == "end_time" { // the one attribute that may be missing
				terms = append(terms, "CASE WHEN "+col+" IS NULL THEN 1 ELSE 0 END")
			}
			// The others never are: a constant term would keep the
			// runs_experiment_start index from giving the order.
			terms = append(terms, col+dir)
		case tracking.EntityMetric:
			q.add(` LEFT JOIN latest_metrics `+alias+` ON `+alias+`.run_uuid = r.run_uuid AND `+alias+`.key = ?`, k.Key)
			terms = append(terms,
				"CASE WHEN "+alias+".is_nan = 1 THEN 1 WHEN "+alias+".run_uuid IS NULL THEN 2 ELSE 0 END",
				alias+".value"+dir)
		case tracking.EntityParam, tracking.EntityTag:
			table := "params"
			if k.Entity == tracking.EntityTag {
				table = "tags"
			}
			q.add(` LEFT JOIN `+table+` `+alias+` ON `+alias+`.run_uuid = r.run_uuid AND `+alias+`.key = ?`, k.Key)
			terms = append(terms, "CASE WHEN "+alias+".run_uuid IS NULL THEN 1 ELSE 0 END", alias+".value"+dir)
		default:
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid order_by entity '%s'", k.Entity)
		}
	}
	if !hasStart {
		terms = append(terms, "r.start_time DESC")
	}
	terms = append(terms, "r.run_uuid")
	return strings.Join(terms, ", "), nil
}

// runFilter adds one filter clause on runs r to q.
//
// The clause takes one of two shapes. With indexed set, an equality (=, IN,
// or a LIKE with a literal prefix) on a param, tag or dataset becomes an
// uncorrelated IN subquery that SQLite evaluates once through the
// (key, value) index, and the runs are looked up from its result. Anything
// else (metric ranges, ILIKE, !=, IS NULL), and every clause of a walk (see
// searchPage.find), becomes a correlated EXISTS probed by primary key while
// SQLite walks the runs in start_time order and stops once the page is full.
//
// runID is the column that holds the run's id in the probes: r.run_uuid, or
// a column SQLite reads before it looks up the run's row, so that a run a
// probe rejects is never read.
func runFilter(q *query, d dialect, c tracking.Comparison, indexed bool, runID string) error {
	end := probeEnd(d, indexed)
	switch c.Entity {
	case tracking.EntityAttribute:
		col, ok := runAttrColumns[c.Key]
		if !ok {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid attribute key '%s' specified.", c.Key)
		}
		return compare(q, d, col, c)
	case tracking.EntityMetric:
		if c.Value.Kind != tracking.NumberValue {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Expected numeric value type for metric. Found %v", c.Value.Str)
		}
		// NaN is stored as 0 with is_nan set: it satisfies only !=.
		if c.Op == "!=" {
			q.add(`EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = `+runID+` AND m.key = ? AND (m.value <> ? OR m.is_nan = 1)`+end,
				c.Key, c.Value.Num)
			return nil
		}
		op, ok := numericOps[c.Op]
		if !ok {
			return badComparator(c)
		}
		q.add(`EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = `+runID+` AND m.key = ? AND m.value `+op+` ? AND m.is_nan = 0`+end,
			c.Key, c.Value.Num)
		return nil
	case tracking.EntityParam, tracking.EntityTag:
		table := "params"
		if c.Entity == tracking.EntityTag {
			table = "tags"
		}
		switch c.Op {
		case "IS NULL":
			q.add(`NOT EXISTS (SELECT 1 FROM `+table+` p WHERE p.run_uuid = `+runID+` AND p.key = ?`+end, c.Key)
			return nil
		case "IS NOT NULL":
			q.add(`EXISTS (SELECT 1 FROM `+table+` p WHERE p.run_uuid = `+runID+` AND p.key = ?`+end, c.Key)
			return nil
		}
		if indexed && selective(c) {
			q.add(runID+` IN (SELECT p.run_uuid FROM `+table+` p WHERE p.key = ? AND `, c.Key)
			end = ")"
		} else {
			q.add(`EXISTS (SELECT 1 FROM `+table+` p WHERE p.run_uuid = `+runID+` AND p.key = ? AND `, c.Key)
		}
		if err := compare(q, d, "p.value", c); err != nil {
			return err
		}
		q.add(end)
		return nil
	case tracking.EntityDataset:
		col := "ds." + c.Key
		from := `inputs i JOIN datasets ds ON ds.dataset_uuid = i.dataset_uuid WHERE `
		switch c.Key {
		case "name", "digest":
		case "context":
			col = "it.value"
			from = `inputs i JOIN input_tags it ON it.input_uuid = i.input_uuid WHERE it.name = 'mlflow.data.context' AND `
		default:
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid dataset key '%s' specified.", c.Key)
		}
		if indexed && selective(c) {
			q.add(runID + ` IN (SELECT i.run_uuid FROM ` + from)
			end = ")"
		} else {
			q.add(`EXISTS (SELECT 1 FROM ` + from + `i.run_uuid = ` + runID + ` AND `)
		}
		if err := compare(q, d, col, c); err != nil {
			return err
		}
		q.add(end)
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid search expression type '%s'", c.Entity)
}

// probeEnd closes a correlated EXISTS. In a walk (indexed false) the probes
// must run per run, in the walk's order, as SQLite runs them: PostgreSQL
// would rather turn an EXISTS into a join, reading every row the filter
// matches (a quarter of the params of a million runs) to fill a page of a
// hundred. An OFFSET in the subquery keeps it a per-row probe there.
func probeEnd(d dialect, indexed bool) string {
	if !indexed && d.name == "postgres" {
		return " OFFSET 0)"
	}
	return ")"
}

// selective guesses whether a string comparison matches few rows and can
// be answered from an index: equality, or a LIKE with a literal prefix.
func selective(c tracking.Comparison) bool {
	switch c.Op {
	case "=", "IN":
		return true
	case "LIKE":
		p := c.Value.Str
		return p != "" && p[0] != '%' && p[0] != '_'
	}
	return false
}

// numericOps maps the search language's comparators to SQL.
var numericOps = map[string]string{"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}

// compare adds "col Op value" to q for a string or numeric comparison: = and
// LIKE are case-sensitive, ILIKE is not.
func compare(q *query, d dialect, col string, c tracking.Comparison) error {
	switch c.Op {
	case "LIKE", "ILIKE":
		if c.Value.Kind != tracking.StringValue {
			return badComparator(c)
		}
		var frag string
		var arg any
		if c.Op == "LIKE" {
			frag, arg = d.like(col, c.Value.Str)
		} else {
			frag, arg = d.ilike(col, c.Value.Str)
		}
		q.add(frag, arg)
		return nil
	case "IN", "NOT IN":
		if c.Value.Kind != tracking.ListValue {
			return badComparator(c)
		}
		if len(c.Value.List) == 0 {
			// IN () matches nothing and NOT IN () everything.
			q.add(map[bool]string{true: "1 = 0", false: "1 = 1"}[c.Op == "IN"])
			return nil
		}
		args := make([]any, len(c.Value.List))
		for i, v := range c.Value.List {
			args[i] = v
		}
		q.add(col+" "+c.Op+" ("+placeholders(len(args))+")", args...)
		return nil
	}
	op, ok := numericOps[c.Op]
	if !ok {
		return badComparator(c)
	}
	switch c.Value.Kind {
	case tracking.StringValue:
		q.add(col+" "+op+" ?", c.Value.Str)
	case tracking.NumberValue:
		q.add(col+" "+op+" ?", c.Value.Num)
	default:
		return badComparator(c)
	}
	return nil
}

func badComparator(c tracking.Comparison) error {
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid comparator '%s' for %s '%s'", c.Op, c.Entity, c.Key)
}
