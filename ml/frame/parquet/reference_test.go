package parquet

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
)

var update = flag.Bool("update", false, "rewrite weir_written.parquet (then rerun tests/reference/gen_parquet.py)")

// fixtures is where tests/reference/gen_parquet.py writes.
var fixtures = filepath.Join("..", "..", "..", "tests", "reference", "fixtures", "parquet")

// described is a frame as gen_parquet.py describes it: kinds and values,
// floats and ints as exact text, times as Unix nanoseconds.
type described struct {
	Rows    int `json:"rows"`
	Columns []struct {
		Name   string `json:"name"`
		Kind   string `json:"kind"`
		Values []any  `json:"values"`
	} `json:"columns"`
	PandasDtypes map[string]string `json:"pandas_dtypes"`
}

// checkDescribed fails t unless f holds what d describes, exactly: no
// tolerance, since Parquet stores the binary values themselves.
func checkDescribed(t *testing.T, f *frame.Frame, d described) {
	t.Helper()
	if got, want := f.NumRows(), d.Rows; got != want {
		t.Fatalf("rows: got %d, want %d", got, want)
	}
	if got, want := f.NumCols(), len(d.Columns); got != want {
		t.Fatalf("columns: got %d, want %d", got, want)
	}
	for j, dc := range d.Columns {
		if got, want := f.Names()[j], dc.Name; got != want {
			t.Errorf("column %d: got name %q, want %q", j, got, want)
			continue
		}
		c := f.ColumnAt(j)
		if got, want := c.Kind().String(), dc.Kind; got != want {
			t.Errorf("%s: got kind %s, want %s", dc.Name, got, want)
			continue
		}
		for i, v := range dc.Values {
			if v == nil {
				if !c.IsMissing(i) {
					t.Errorf("%s row %d: got %q, want missing", dc.Name, i, c.Text(i))
				}
				continue
			}
			if c.IsMissing(i) {
				t.Errorf("%s row %d: got missing, want %v", dc.Name, i, v)
				continue
			}
			var ok bool
			switch c := c.(type) {
			case *frame.FloatColumn:
				w, err := strconv.ParseFloat(v.(string), 64)
				ok = err == nil && (c.Values[i] == w || math.IsInf(w, 0) && c.Values[i] == w)
			case *frame.IntColumn:
				w, err := strconv.ParseInt(v.(string), 10, 64)
				ok = err == nil && c.Values[i] == w
			case *frame.BoolColumn:
				ok = c.Values[i] == v.(bool)
			case *frame.TimeColumn:
				w, isInt := v.(int64)
				ok = isInt && c.Values[i].UnixNano() == w
			case *frame.CategoricalColumn:
				ok = c.Text(i) == v.(string)
			}
			if !ok {
				t.Errorf("%s row %d: got %s, want %v", dc.Name, i, c.Text(i), v)
			}
		}
	}
}

// TestReadPandasWritten reads the file pandas (through pyarrow) wrote and
// checks every value against pyarrow's own reading of it.
func TestReadPandasWritten(t *testing.T) {
	want := mustDescribedNumbers(t, "pandas_written.json")
	for _, name := range []string{"pandas_written.parquet", "pandas_written_gzip.parquet", "pandas_written_zstd_v2.parquet"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(fixtures, name))
			if err != nil {
				t.Fatal(err)
			}
			f, err := ReadBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			checkDescribed(t, f, want)
		})
	}
}

func TestReadRefusesLZ4(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "pandas_written_lz4.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBytes(b); err == nil || !strings.Contains(err.Error(), "LZ4") || !strings.Contains(err.Error(), "snappy, gzip, zstd") {
		t.Errorf("got %v, want an error naming LZ4 and the codecs that are read", err)
	}
}

// mustDescribedNumbers reads a description keeping times exact: JSON
// numbers above 2^53 lose digits as float64.
func mustDescribedNumbers(t *testing.T, name string) described {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var d described
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Columns {
		for i, v := range c.Values {
			if n, ok := v.(json.Number); ok {
				x, err := n.Int64()
				if err != nil {
					t.Fatalf("%s row %d: %v", c.Name, i, err)
				}
				c.Values[i] = x
			}
		}
	}
	return d
}

// weirFrame is the frame Weir writes for pandas to read: every kind with
// missing values, nanosecond times, extreme ints.
func weirFrame(t *testing.T) *frame.Frame {
	t.Helper()
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f, err := frame.New(
		[]string{"z_float", "age", "job", "ok", "when"},
		[]frame.Column{
			&frame.FloatColumn{Values: []float64{1.5, math.NaN(), -2e-300, 0.1}},
			&frame.IntColumn{Values: []int64{math.MinInt64, 0, 42, math.MaxInt64}, Missing: []bool{false, true, false, false}},
			&frame.CategoricalColumn{Codes: []int32{0, -1, 1, 0}, Levels: []string{"admin.", "é,\"x\""}},
			&frame.BoolColumn{Values: []bool{true, false, false, true}, Missing: []bool{false, false, true, false}},
			&frame.TimeColumn{Values: []time.Time{ts("2026-12-06T10:11:12.123456789Z"), {}, ts("1970-01-01T00:00:00Z"), ts("1999-12-31T23:59:59+02:00")}, Missing: []bool{false, true, false, false}},
		})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPandasReadsWeirWritten checks that the writer still makes the
// committed weir_written.parquet byte for byte, and that pandas read from it
// what Weir wrote (weir_written.json, made by gen_parquet.py). An int
// column with a missing value comes back from pandas as float64 (NaN), its
// usual way; a categorical comes back as strings.
func TestPandasReadsWeirWritten(t *testing.T) {
	want := weirFrame(t)
	var b bytes.Buffer
	if err := Write(&b, want); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(fixtures, "weir_written.parquet")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, b.Bytes()) {
		t.Fatalf("Write no longer makes %s (%d bytes, now %d): rerun with -update and tests/reference/gen_parquet.py", path, len(committed), b.Len())
	}
	d := mustDescribedNumbers(t, "weir_written.json")
	for col, dtype := range map[string]string{"z_float": "float64", "age": "float64", "job": "str", "ok": "object", "when": "datetime64[ns, UTC]"} {
		if got := d.PandasDtypes[col]; got != dtype {
			t.Errorf("pandas dtype of %s: got %s, want %s", col, got, dtype)
		}
	}
	// pandas reads the nullable int column as float64: compare as floats.
	age := want.ColumnAt(1)
	ageF := make([]float64, age.Len())
	for i := range ageF {
		ageF[i] = age.Float(i)
	}
	wantPandas, err := want.With("age", &frame.FloatColumn{Values: ageF})
	if err != nil {
		t.Fatal(err)
	}
	checkDescribed(t, wantPandas, d)
}
