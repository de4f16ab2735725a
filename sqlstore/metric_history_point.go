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

// historyPoint scans historyPointColumns, reusing its destinations from
// point to point.
type historyPoint struct {
	value sql.NullFloat64
	names sql.NullString
	dest  [4]any
}

// scan reads the current row into m's value, timestamp, step and names.
func (p *historyPoint) scan(rows *sql.Rows, m *tracking.Metric) error {
	p.dest = [4]any{&p.value, &m.Timestamp, &m.Step, &p.names}
	if err := rows.Scan(p.dest[:]...); err != nil {
		return err
	}
	m.Value = math.NaN()
	if p.value.Valid {
		m.Value = p.value.Float64
	}
	m.ModelID, m.DatasetName, m.DatasetDigest = "", "", ""
	if p.names.Valid {
		return unpackNames(p.names.String, m)
	}
	return nil
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

var errBadPackedNames = errors.New("metric history: malformed packed model and dataset names")
