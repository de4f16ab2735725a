package sqlstore

import (
	"database/sql"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/tracking"
)

// historyPointColumns selects a history point in four columns rather than
// seven: the value, NULL for NaN; timestamp; step; and NULL when the point
// names no model or dataset (nearly always), else the three names packed
// as "len(model_id),len(dataset_name),model_id dataset_name dataset_digest"
// with byte lengths. The driver takes a lock and a call per column read,
// which for a million points was most of the read's CPU time.
//
// The value's column needs its own name: PostgreSQL would name it "value"
// after its ELSE, and ORDER BY value would then sort by it, NULLs last.
const historyPointColumns = `CASE WHEN is_nan = 1 THEN NULL ELSE value END AS point_value, timestamp, step,
	CASE WHEN model_id = '' AND dataset_name = '' AND dataset_digest = '' THEN NULL
	ELSE octet_length(model_id) || ',' || octet_length(dataset_name) || ',' || model_id || dataset_name || dataset_digest END AS point_names`

// sqliteHistoryPointColumns selects a history point in two columns on
// SQLite, whose columns take any type: the value as above, and the
// timestamp and step packed into one integer, timestamp<<21 | step, when
// both fit (a timestamp in milliseconds before the year 2109, a step below
// 2,097,152) and the point names no model or dataset; otherwise the text
// "timestamp,step,len(model_id),len(dataset_name),names" as above. The
// modernc driver takes SQLite's mutex twice for each column of each row,
// which was a third of a million points' read.
const sqliteHistoryPointColumns = `CASE WHEN is_nan = 1 THEN NULL ELSE value END AS point_value,
	CASE WHEN timestamp >= 0 AND timestamp < 4398046511104 AND step >= 0 AND step < 2097152
		AND model_id = '' AND dataset_name = '' AND dataset_digest = ''
	THEN (timestamp << 21) | step
	ELSE timestamp || ',' || step || ',' || octet_length(model_id) || ',' || octet_length(dataset_name) || ',' ||
		model_id || dataset_name || dataset_digest END AS point_time_step`

// stepBits is how many low bits of sqliteHistoryPointColumns' packed
// integer hold the step.
const stepBits = 21

// historyColumns returns the columns a history point is read in on d.
func historyColumns(d dialect) string {
	if d.name == sqlite.name {
		return sqliteHistoryPointColumns
	}
	return historyPointColumns
}

// historyPoint scans historyColumns, reusing its destinations from point
// to point. It scans into interface values and converts them itself:
// database/sql's Scan into an *int64 or a sql.Null* goes through
// reflection or a Scanner for every cell, which for a million points was a
// tenth of the read's time.
type historyPoint struct {
	packed bool // sqliteHistoryPointColumns' two columns, not four
	cells  [4]any
	dest   [4]any
}

// newHistoryPoint returns a historyPoint for the columns of d.
func newHistoryPoint(d dialect) *historyPoint {
	p := &historyPoint{packed: d.name == sqlite.name}
	for i := range p.dest {
		p.dest[i] = &p.cells[i]
	}
	return p
}

// scan reads the current row into m's value, timestamp, step and names.
func (p *historyPoint) scan(rows *sql.Rows, m *tracking.Metric) error {
	dest := p.dest[:]
	if p.packed {
		dest = dest[:2]
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	var ok bool
	if m.Value, ok = pointValue(p.cells[0]); !ok {
		return errBadPoint
	}
	m.ModelID, m.DatasetName, m.DatasetDigest = "", "", ""
	if p.packed {
		return scanTimeStep(p.cells[1], m)
	}
	var ok2, ok3 bool
	m.Timestamp, ok2 = pointInt(p.cells[1])
	m.Step, ok3 = pointInt(p.cells[2])
	if !ok2 || !ok3 {
		return errBadPoint
	}
	switch names := p.cells[3].(type) {
	case nil:
		return nil
	case string:
		return unpackNames(names, m)
	case []byte:
		return unpackNames(string(names), m)
	}
	return errBadPackedNames
}

// scanTimeStep reads sqliteHistoryPointColumns' second column into m.
func scanTimeStep(c any, m *tracking.Metric) error {
	var s string
	switch v := c.(type) {
	case int64:
		m.Timestamp, m.Step = v>>stepBits, v&(1<<stepBits-1)
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return errBadPoint
	}
	ts, rest, ok1 := strings.Cut(s, ",")
	step, rest, ok2 := strings.Cut(rest, ",")
	var err1, err2 error
	m.Timestamp, err1 = strconv.ParseInt(ts, 10, 64)
	m.Step, err2 = strconv.ParseInt(step, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return errBadPoint
	}
	return unpackNames(rest, m)
}

// pointValue converts a point's value cell, NULL for NaN. SQLite hands a
// REAL that holds a whole number back as one, and PostgreSQL's driver may
// hand a number back as text.
func pointValue(c any) (float64, bool) {
	switch v := c.(type) {
	case nil:
		return math.NaN(), true
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case float32:
		return float64(v), true
	case []byte:
		f, err := strconv.ParseFloat(string(v), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

// pointInt converts a point's timestamp or step cell.
func pointInt(c any) (int64, bool) {
	switch v := c.(type) {
	case int64:
		return v, true
	case int32:
		return int64(v), true
	case []byte:
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// unpackNames splits the packed model and dataset names of a point.
func unpackNames(s string, m *tracking.Metric) error {
	a, rest, ok1 := strings.Cut(s, ",")
	b, rest, ok2 := strings.Cut(rest, ",")
	na, err1 := strconv.Atoi(a)
	nb, err2 := strconv.Atoi(b)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || na < 0 || nb < 0 || na+nb > len(rest) {
		return errBadPackedNames
	}
	m.ModelID, m.DatasetName, m.DatasetDigest = rest[:na], rest[na:na+nb], rest[na+nb:]
	return nil
}

var (
	errBadPackedNames = errors.New("metric history: malformed packed model and dataset names")
	errBadPoint       = errors.New("metric history: a point's value, timestamp or step is not a number")
)
