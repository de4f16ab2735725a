package parquet

import (
	"fmt"
	"io"
	"math"
	"reflect"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/weir-ml/weir/ml/frame"
)

// DefaultRowGroupRows is how many rows Write puts in one row group.
const DefaultRowGroupRows = 128 << 10

// Write writes f to w as one Parquet file, snappy-compressed, the column
// order and names as in f. Every column is optional: a missing value (NaN
// in a float column) is written as null.
func Write(w io.Writer, f *frame.Frame) error {
	return WriteRowGroups(w, f, DefaultRowGroupRows)
}

// WriteRowGroups writes f like Write with at most rowsPerGroup rows in each
// row group.
func WriteRowGroups(w io.Writer, f *frame.Frame, rowsPerGroup int) error {
	if rowsPerGroup <= 0 {
		return fmt.Errorf("parquet: rows per group %d is not positive", rowsPerGroup)
	}
	schema, err := schemaOf(f)
	if err != nil {
		return err
	}
	pw := pq.NewGenericWriter[any](w, schema,
		pq.Compression(&snappy.Codec{}),
		pq.MaxRowsPerRowGroup(int64(rowsPerGroup)),
		pq.CreatedBy("weir", "", ""))
	const chunk = 1024
	rows := make([]pq.Row, 0, chunk)
	for i := 0; i < f.NumRows(); i++ {
		rows = append(rows, rowOf(f, i))
		if len(rows) == chunk {
			if _, err := pw.WriteRows(rows); err != nil {
				return fmt.Errorf("parquet: writing rows: %w", err)
			}
			rows = rows[:0]
		}
	}
	if len(rows) > 0 {
		if _, err := pw.WriteRows(rows); err != nil {
			return fmt.Errorf("parquet: writing rows: %w", err)
		}
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

// schemaOf returns the Parquet schema of f's columns, in f's order.
func schemaOf(f *frame.Frame) (*pq.Schema, error) {
	g := &orderedGroup{}
	for _, fl := range f.Schema().Fields {
		var leaf pq.Node
		switch fl.Kind {
		case frame.Float:
			leaf = pq.Leaf(pq.DoubleType)
		case frame.Int:
			leaf = pq.Int(64)
		case frame.Bool:
			leaf = pq.Leaf(pq.BooleanType)
		case frame.Categorical:
			leaf = pq.Encoded(pq.String(), &pq.RLEDictionary)
		case frame.Time:
			leaf = pq.Timestamp(pq.Nanosecond)
		default:
			return nil, fmt.Errorf("parquet: column %q has kind %s, which has no Parquet form", fl.Name, fl.Kind)
		}
		g.fields = append(g.fields, &orderedField{Node: pq.Optional(leaf), name: fl.Name})
	}
	return pq.NewSchema("schema", g), nil
}

// rowOf returns row i of f as Parquet values, null where missing.
func rowOf(f *frame.Frame, i int) pq.Row {
	row := make(pq.Row, f.NumCols())
	for j := range row {
		c := f.ColumnAt(j)
		if c.IsMissing(i) {
			row[j] = pq.NullValue().Level(0, 0, j)
			continue
		}
		var v pq.Value
		switch c := c.(type) {
		case *frame.FloatColumn:
			v = pq.DoubleValue(c.Values[i])
		case *frame.IntColumn:
			v = pq.Int64Value(c.Values[i])
		case *frame.BoolColumn:
			v = pq.BooleanValue(c.Values[i])
		case *frame.CategoricalColumn:
			v = pq.ByteArrayValue([]byte(c.Levels[c.Codes[i]]))
		case *frame.TimeColumn:
			v = pq.Int64Value(timeNanos(c, i))
		}
		row[j] = v.Level(0, 1, j)
	}
	return row
}

// timeNanos returns row i as nanoseconds since the Unix epoch, clamped to
// what an int64 holds (years 1678 to 2262).
func timeNanos(c *frame.TimeColumn, i int) int64 {
	t := c.Values[i]
	s := t.Unix()
	const maxSec = int64(math.MaxInt64 / 1_000_000_000)
	switch {
	case s > maxSec-1:
		return math.MaxInt64
	case s < -maxSec+1:
		return math.MinInt64
	}
	return s*1e9 + int64(t.Nanosecond())
}

// orderedGroup is a Parquet group whose fields keep the order they were
// given: parquet-go's Group is a map and sorts its fields by name, which
// would reorder a frame's columns.
type orderedGroup struct{ fields []pq.Field }

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) String() string              { return "group" }
func (g *orderedGroup) Type() pq.Type               { return pq.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []pq.Field          { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }

// orderedField names one field of an orderedGroup.
type orderedField struct {
	pq.Node
	name string
}

func (f *orderedField) Name() string { return f.name }

func (f *orderedField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(&f.name).Elem())
	}
	return reflect.Value{}
}
