package parquet

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/weir-ml/weir/ml/frame"
)

// mustEveryKind returns a frame with one column of every kind, each with a
// missing value, plus columns without any.
func mustEveryKind(t testing.TB) *frame.Frame {
	t.Helper()
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	f, err := frame.New(
		[]string{"z_float", "age", "job", "ok", "when", "dense", "a_cat_full"},
		[]frame.Column{
			&frame.FloatColumn{Values: []float64{1.5, math.NaN(), -2e-300, math.Inf(1)}},
			&frame.IntColumn{Values: []int64{math.MinInt64, 0, 42, math.MaxInt64}, Missing: []bool{false, true, false, false}},
			&frame.CategoricalColumn{Codes: []int32{0, -1, 1, 0}, Levels: []string{"admin.", "blue-collar", "unused"}},
			&frame.BoolColumn{Values: []bool{true, false, false, true}, Missing: []bool{false, false, true, false}},
			&frame.TimeColumn{Values: []time.Time{ts("2026-12-06T10:11:12.123456789Z"), {}, ts("1970-01-01T00:00:00Z"), ts("1999-12-31T23:59:59Z")}, Missing: []bool{false, true, false, false}},
			&frame.IntColumn{Values: []int64{1, 2, 3, 4}},
			&frame.CategoricalColumn{Codes: []int32{0, 1, 2, 3}, Levels: []string{"é", "", "a,b", "line\nbreak"}},
		})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// sameFrame fails t unless got has want's names, kinds and values (times
// compared as instants, levels by text).
func sameFrame(t *testing.T, got, want *frame.Frame) {
	t.Helper()
	if g, w := got.Schema().String(), want.Schema().String(); g != w {
		t.Fatalf("schema: got %s, want %s", g, w)
	}
	if g, w := got.NumRows(), want.NumRows(); g != w {
		t.Fatalf("rows: got %d, want %d", g, w)
	}
	for j := range want.NumCols() {
		gc, wc := got.ColumnAt(j), want.ColumnAt(j)
		name := want.Names()[j]
		for i := range want.NumRows() {
			if gm, wm := gc.IsMissing(i), wc.IsMissing(i); gm != wm {
				t.Errorf("%s row %d: missing got %v, want %v", name, i, gm, wm)
				continue
			}
			if gv, wv := gc.Text(i), wc.Text(i); gv != wv {
				t.Errorf("%s row %d: got %q, want %q", name, i, gv, wv)
			}
		}
	}
}

func TestRoundTripEveryKind(t *testing.T) {
	want := mustEveryKind(t)
	for _, rows := range []int{1, 3, DefaultRowGroupRows} {
		var b bytes.Buffer
		if err := WriteRowGroups(&b, want, rows); err != nil {
			t.Fatal(err)
		}
		got, err := ReadBytes(b.Bytes())
		if err != nil {
			t.Fatalf("%d rows per group: %v", rows, err)
		}
		sameFrame(t, got, want)
	}
}

func TestRoundTripEmpty(t *testing.T) {
	want, err := frame.New([]string{"x", "s"}, []frame.Column{&frame.FloatColumn{}, &frame.CategoricalColumn{}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	sameFrame(t, got, want)
}
