package parquet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/weir-ml/weir/ml/frame"
)

// MaxCells bounds rows × columns of a file Read decodes, so that a small
// hostile file declaring billions of rows is refused before anything is
// allocated for them.
const MaxCells = 1 << 28

// ReadBytes reads a whole Parquet file held in b; see Read.
func ReadBytes(b []byte) (*frame.Frame, error) {
	return Read(bytes.NewReader(b), int64(len(b)))
}

// Read reads the Parquet file of size bytes at r into one frame. Flat
// schemas only: each top-level field must be a column, not a group or a
// list. Kinds follow the column types: BOOLEAN is bool; INT32 and INT64 are
// int, or time for the DATE and TIMESTAMP logical types; INT96 (the legacy
// timestamp) is time; FLOAT and DOUBLE are float; BYTE_ARRAY (strings,
// enums, JSON) is categorical. Null is missing. Times are UTC instants; a
// timestamp not adjusted to UTC is read as if it were UTC. A malformed file
// is an error, never a panic.
func Read(r io.ReaderAt, size int64) (f *frame.Frame, err error) {
	defer func() {
		// parquet-go trusts much of what a file declares; a corrupt file
		// must be an error for the caller, not a crash of the server.
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("parquet: malformed file: %v", p)
		}
	}()
	if err := checkMagic(r, size); err != nil {
		return nil, err
	}
	file, err := pq.OpenFile(r, size, pq.SkipPageIndex(true), pq.SkipBloomFilters(true), pq.ReadBufferSize(64<<10))
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	cols := file.Root().Columns()
	builders := make([]builder, len(cols))
	names := make([]string, len(cols))
	for j, c := range cols {
		names[j] = c.Name()
		if builders[j], err = builderFor(c); err != nil {
			return nil, fmt.Errorf("parquet: column %q: %w", c.Name(), err)
		}
	}
	if err := checkSizes(file, size, len(cols)); err != nil {
		return nil, err
	}
	maxDef := make([]int, len(cols))
	for j, c := range cols {
		maxDef[j] = c.MaxDefinitionLevel()
	}
	if err := checkPages(r, size, file.Metadata(), maxDef); err != nil {
		return nil, err
	}
	for g, rg := range file.RowGroups() {
		chunks := rg.ColumnChunks()
		for j, c := range cols {
			idx := c.Index()
			if idx < 0 || idx >= len(chunks) {
				return nil, fmt.Errorf("parquet: row group %d has no chunk for column %q", g, c.Name())
			}
			before := builders[j].len()
			if err := readChunk(chunks[idx], builders[j]); err != nil {
				return nil, fmt.Errorf("parquet: row group %d, column %q: %w", g, c.Name(), err)
			}
			if got, want := builders[j].len()-before, rg.NumRows(); int64(got) != want {
				return nil, fmt.Errorf("parquet: row group %d, column %q has %d values for %d rows", g, c.Name(), got, want)
			}
		}
	}
	out := make([]frame.Column, len(cols))
	for j, b := range builders {
		out[j] = b.column()
	}
	f, err = frame.New(names, out)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	return f, nil
}

// checkMagic looks for PAR1 at both ends, so that a file of another format
// or a truncated upload is named as such.
func checkMagic(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("parquet: %w: %d bytes is shorter than the smallest Parquet file", errNotParquet, size)
	}
	if size > MaxFileBytes {
		return fmt.Errorf("parquet: the file has %d bytes, more than the %d this reader holds in memory", size, int64(MaxFileBytes))
	}
	var head, tail [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	if _, err := r.ReadAt(tail[:], size-4); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	switch {
	case string(head[:]) != Magic:
		return fmt.Errorf("parquet: %w", errNotParquet)
	case string(tail[:]) == "PARE":
		return errors.New("parquet: the file is encrypted; only plain files are read")
	case string(tail[:]) != Magic:
		return fmt.Errorf("parquet: the file ends without PAR1 magic: truncated or not a Parquet file")
	}
	return nil
}

// checkSizes refuses declared sizes the file cannot hold: chunks reaching
// past its end and more cells than MaxCells.
func checkSizes(file *pq.File, size int64, ncols int) error {
	md := file.Metadata()
	var rows int64
	for g, rg := range md.RowGroups {
		if rg.NumRows < 0 {
			return fmt.Errorf("parquet: row group %d declares %d rows", g, rg.NumRows)
		}
		rows += rg.NumRows
		if rows > MaxCells || (ncols > 0 && rows*int64(ncols) > MaxCells) {
			return fmt.Errorf("parquet: the file declares %d rows of %d columns, more than the %d cells this reader decodes", rows, ncols, MaxCells)
		}
		for _, cc := range rg.Columns {
			m := cc.MetaData
			if !readableCodec(m.Codec) {
				return fmt.Errorf("parquet: row group %d: compression %s is not read (snappy, gzip, zstd or none are): rewrite the file with one of them", g, m.Codec)
			}
			if m.TotalCompressedSize < 0 || m.TotalCompressedSize > size || m.DataPageOffset < 0 || m.DataPageOffset > size {
				return fmt.Errorf("parquet: row group %d declares a column chunk of %d bytes at offset %d in a file of %d bytes", g, m.TotalCompressedSize, m.DataPageOffset, size)
			}
		}
	}
	return nil
}

// readChunk appends every value of one column chunk to b.
func readChunk(chunk pq.ColumnChunk, b builder) error {
	pages := chunk.Pages()
	defer pages.Close()
	buf := make([]pq.Value, 1024)
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		vr := page.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				if err := b.add(v); err != nil {
					pq.Release(page)
					return err
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pq.Release(page)
				return err
			}
		}
		pq.Release(page)
	}
}

// builder collects one column's values.
type builder interface {
	add(v pq.Value) error
	len() int
	column() frame.Column
}

// builderFor picks the column kind of a file column from its physical and
// logical types.
func builderFor(c *pq.Column) (builder, error) {
	if !c.Leaf() {
		return nil, errors.New("nested groups (structs, lists, maps) are not read: flatten the data to one column per value")
	}
	if c.Repeated() {
		return nil, errors.New("repeated columns (lists) are not read: flatten the data to one column per value")
	}
	t := c.Type()
	lt := t.LogicalType()
	ct := t.ConvertedType()
	switch t.Kind() {
	case pq.Boolean:
		return &boolBuilder{}, nil
	case pq.Int32, pq.Int64:
		switch {
		case lt != nil && lt.Value != nil:
			switch l := lt.Value.(type) {
			case *format.DateType:
				return &timeBuilder{conv: dateConv}, nil
			case *format.TimestampType:
				return &timeBuilder{conv: timestampConv(l.Unit.Value)}, nil
			case *format.IntType:
				return &intBuilder{unsigned: !l.IsSigned, bits32: t.Kind() == pq.Int32}, nil
			case *format.DecimalType:
				return nil, errors.New("DECIMAL columns are not read: cast them to float64 first")
			case *format.TimeType:
				return nil, errors.New("TIME (time of day) columns are not read: write a timestamp or a number of seconds")
			}
		case ct != nil:
			switch *ct {
			case deprecated.Date:
				return &timeBuilder{conv: dateConv}, nil
			case deprecated.TimestampMillis:
				return &timeBuilder{conv: timestampConv(new(format.MilliSeconds))}, nil
			case deprecated.TimestampMicros:
				return &timeBuilder{conv: timestampConv(new(format.MicroSeconds))}, nil
			case deprecated.Decimal:
				return nil, errors.New("DECIMAL columns are not read: cast them to float64 first")
			case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
				return &intBuilder{unsigned: true, bits32: t.Kind() == pq.Int32}, nil
			}
		}
		return &intBuilder{bits32: t.Kind() == pq.Int32}, nil
	case pq.Int96:
		return &timeBuilder{conv: int96Conv}, nil
	case pq.Float, pq.Double:
		return &floatBuilder{single: t.Kind() == pq.Float}, nil
	case pq.ByteArray:
		if lt != nil && lt.Value != nil {
			if _, ok := lt.Value.(*format.DecimalType); ok {
				return nil, errors.New("DECIMAL columns are not read: cast them to float64 first")
			}
		}
		return &categoryBuilder{index: map[string]int32{}}, nil
	}
	return nil, fmt.Errorf("type %s is not read (want booleans, integers, floats, strings, dates or timestamps)", t)
}

type floatBuilder struct {
	single bool
	values []float64
}

func (b *floatBuilder) add(v pq.Value) error {
	switch {
	case v.IsNull():
		b.values = append(b.values, math.NaN())
	case b.single:
		b.values = append(b.values, float64(v.Float()))
	default:
		b.values = append(b.values, v.Double())
	}
	return nil
}
func (b *floatBuilder) len() int             { return len(b.values) }
func (b *floatBuilder) column() frame.Column { return &frame.FloatColumn{Values: b.values} }

type intBuilder struct {
	unsigned, bits32 bool
	values           []int64
	missing          []bool
	anyMissing       bool
}

func (b *intBuilder) add(v pq.Value) error {
	var x int64
	null := v.IsNull()
	switch {
	case null:
	case b.bits32 && b.unsigned:
		x = int64(uint32(v.Int32()))
	case b.bits32:
		x = int64(v.Int32())
	case b.unsigned && v.Int64() < 0:
		return fmt.Errorf("row %d: unsigned value %d does not fit a signed 64-bit int", len(b.values)+1, uint64(v.Int64()))
	default:
		x = v.Int64()
	}
	b.values = append(b.values, x)
	b.missing = append(b.missing, null)
	b.anyMissing = b.anyMissing || null
	return nil
}
func (b *intBuilder) len() int { return len(b.values) }
func (b *intBuilder) column() frame.Column {
	c := &frame.IntColumn{Values: b.values}
	if b.anyMissing {
		c.Missing = b.missing
	}
	return c
}

type boolBuilder struct {
	values     []bool
	missing    []bool
	anyMissing bool
}

func (b *boolBuilder) add(v pq.Value) error {
	null := v.IsNull()
	b.values = append(b.values, !null && v.Boolean())
	b.missing = append(b.missing, null)
	b.anyMissing = b.anyMissing || null
	return nil
}
func (b *boolBuilder) len() int { return len(b.values) }
func (b *boolBuilder) column() frame.Column {
	c := &frame.BoolColumn{Values: b.values}
	if b.anyMissing {
		c.Missing = b.missing
	}
	return c
}

type timeBuilder struct {
	conv       func(pq.Value) time.Time
	values     []time.Time
	missing    []bool
	anyMissing bool
}

func (b *timeBuilder) add(v pq.Value) error {
	null := v.IsNull()
	var t time.Time
	if !null {
		t = b.conv(v)
	}
	b.values = append(b.values, t)
	b.missing = append(b.missing, null)
	b.anyMissing = b.anyMissing || null
	return nil
}
func (b *timeBuilder) len() int { return len(b.values) }
func (b *timeBuilder) column() frame.Column {
	c := &frame.TimeColumn{Values: b.values}
	if b.anyMissing {
		c.Missing = b.missing
	}
	return c
}

func dateConv(v pq.Value) time.Time {
	return time.Unix(int64(v.Int32())*86400, 0).UTC()
}

func timestampConv(unit format.TimeUnitValue) func(pq.Value) time.Time {
	switch unit.(type) {
	case *format.MilliSeconds:
		return func(v pq.Value) time.Time { return time.UnixMilli(v.Int64()).UTC() }
	case *format.MicroSeconds:
		return func(v pq.Value) time.Time { return time.UnixMicro(v.Int64()).UTC() }
	}
	return func(v pq.Value) time.Time { return time.Unix(0, v.Int64()).UTC() }
}

// julianEpoch is the Julian day number of 1970-01-01, the day INT96
// timestamps count from.
const julianEpoch = 2440588

// int96Conv reads the legacy INT96 timestamp: nanoseconds of the day in the
// low 8 bytes and the Julian day in the high 4.
func int96Conv(v pq.Value) time.Time {
	i := v.Int96()
	nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
	days := int64(i[2]) - julianEpoch
	return time.Unix(days*86400, nanos).UTC()
}

type categoryBuilder struct {
	index  map[string]int32
	levels []string
	codes  []int32
}

func (b *categoryBuilder) add(v pq.Value) error {
	if v.IsNull() {
		b.codes = append(b.codes, -1)
		return nil
	}
	s := v.ByteArray()
	code, ok := b.index[string(s)]
	if !ok {
		if len(b.levels) >= math.MaxInt32 {
			return errors.New("more distinct strings than a categorical column holds")
		}
		code = int32(len(b.levels))
		str := string(s)
		b.index[str] = code
		b.levels = append(b.levels, str)
	}
	b.codes = append(b.codes, code)
	return nil
}
func (b *categoryBuilder) len() int { return len(b.codes) }
func (b *categoryBuilder) column() frame.Column {
	return &frame.CategoricalColumn{Codes: b.codes, Levels: b.levels}
}
