package frame

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// MustFrame builds a frame or fails the test.
func MustFrame(tb testing.TB, names []string, cols []Column) *Frame {
	tb.Helper()
	f, err := New(names, cols)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return f
}

func sampleFrame(tb testing.TB) *Frame {
	tb.Helper()
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	return MustFrame(tb, []string{"f", "i", "c", "b", "t"}, []Column{
		&FloatColumn{Values: []float64{0.5, math.NaN(), 2, 3}},
		&IntColumn{Values: []int64{1, 2, 0, 4}, Missing: []bool{false, false, true, false}},
		&CategoricalColumn{Codes: []int32{0, 1, -1, 0}, Levels: []string{"a", "b"}},
		&BoolColumn{Values: []bool{true, false, true, false}},
		&TimeColumn{Values: []time.Time{t0, t0.Add(time.Hour), t0, t0}, Missing: []bool{false, false, false, true}},
	})
}

func rowTexts(f *Frame, i int) string {
	var parts []string
	for j := 0; j < f.NumCols(); j++ {
		parts = append(parts, f.ColumnAt(j).Text(i))
	}
	return strings.Join(parts, "|")
}

func TestFrameTakeSlice(t *testing.T) {
	f := sampleFrame(t)
	take, err := f.Take([]int{3, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := take.NumRows(), 3; got != want {
		t.Fatalf("Take rows = %d, want %d", got, want)
	}
	for k, i := range []int{3, 0, 0} {
		if got, want := rowTexts(take, k), rowTexts(f, i); got != want {
			t.Errorf("Take row %d = %s, want %s", k, got, want)
		}
	}
	s, err := f.Slice(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 2; k++ {
		if got, want := rowTexts(s, k), rowTexts(f, k+1); got != want {
			t.Errorf("Slice row %d = %s, want %s", k, got, want)
		}
	}
	// Slice shares storage: the slice's first float is the frame's second.
	if &s.ColumnAt(0).(*FloatColumn).Values[0] != &f.ColumnAt(0).(*FloatColumn).Values[1] {
		t.Errorf("Slice copied float storage, want shared")
	}
	for _, rows := range [][]int{{4}, {-1}} {
		if _, err := f.Take(rows); err == nil {
			t.Errorf("Take(%v) succeeded, want error", rows)
		}
	}
	for _, ij := range [][2]int{{-1, 2}, {3, 2}, {0, 5}} {
		if _, err := f.Slice(ij[0], ij[1]); err == nil {
			t.Errorf("Slice(%d, %d) succeeded, want error", ij[0], ij[1])
		}
	}
}

func TestFrameSelectDrop(t *testing.T) {
	f := sampleFrame(t)
	sel, err := f.Select("c", "f")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sel.Names(), []string{"c", "f"}; !slices.Equal(got, want) {
		t.Errorf("Select names = %v, want %v", got, want)
	}
	if sel.ColumnAt(1) != f.ColumnAt(0) {
		t.Errorf("Select copied a column, want shared")
	}
	dr, err := f.Drop("i", "t")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dr.Names(), []string{"f", "c", "b"}; !slices.Equal(got, want) {
		t.Errorf("Drop names = %v, want %v", got, want)
	}
	if _, err := f.Select("nope"); err == nil || !strings.Contains(err.Error(), `no column "nope"`) {
		t.Errorf("Select(nope) error = %v", err)
	}
	if _, err := f.Drop("nope"); err == nil {
		t.Errorf("Drop(nope) succeeded, want error")
	}
	if _, err := f.Select("f", "f"); err == nil {
		t.Errorf("Select(f, f) succeeded, want duplicate-name error")
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		cols  []Column
	}{
		{"count mismatch", []string{"a"}, nil},
		{"ragged", []string{"a", "b"}, []Column{&FloatColumn{Values: []float64{1}}, &FloatColumn{Values: []float64{1, 2}}}},
		{"bad code", []string{"a"}, []Column{&CategoricalColumn{Codes: []int32{2}, Levels: []string{"x"}}}},
		{"bad mask", []string{"a"}, []Column{&IntColumn{Values: []int64{1, 2}, Missing: []bool{true}}}},
		{"nil column", []string{"a"}, []Column{nil}},
		{"empty name", []string{""}, []Column{&FloatColumn{}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.names, tt.cols); err == nil {
			t.Errorf("%s: New succeeded, want error", tt.name)
		}
	}
}

func TestConcatMergesLevels(t *testing.T) {
	a := MustFrame(t, []string{"c"}, []Column{&CategoricalColumn{Codes: []int32{0, 1}, Levels: []string{"x", "y"}}})
	b := MustFrame(t, []string{"c"}, []Column{&CategoricalColumn{Codes: []int32{0, -1, 1}, Levels: []string{"y", "z"}}})
	got, err := Concat(a, b)
	if err != nil {
		t.Fatal(err)
	}
	c := got.ColumnAt(0)
	var texts []string
	for i := 0; i < c.Len(); i++ {
		texts = append(texts, c.Text(i))
	}
	if want := []string{"x", "y", "y", "", "z"}; !slices.Equal(texts, want) {
		t.Errorf("Concat values = %q, want %q", texts, want)
	}
	if Digest(got) != Digest(MustFrame(t, []string{"c"}, []Column{&CategoricalColumn{Codes: []int32{2, 0, 0, -1, 1}, Levels: []string{"y", "z", "x"}}})) {
		t.Errorf("digest depends on level order")
	}
	bad := MustFrame(t, []string{"c"}, []Column{&BoolColumn{Values: []bool{true}}})
	if _, err := Concat(a, bad); err == nil {
		t.Errorf("Concat of categorical and bool succeeded, want error")
	}
}

func TestDigest(t *testing.T) {
	f := sampleFrame(t)
	d := Digest(f)
	if len(d) != 64 {
		t.Fatalf("Digest length = %d, want 64", len(d))
	}
	if got, want := ShortDigest(f), d[:16]; got != want {
		t.Errorf("ShortDigest = %s, want %s", got, want)
	}
	take, _ := f.Take([]int{0, 1, 2, 3})
	if Digest(take) != d {
		t.Errorf("digest of a copy differs")
	}
	first, _ := f.Slice(0, 1)
	rest, _ := f.Slice(1, 4)
	dg := NewDigester()
	if err := dg.Add(first); err != nil {
		t.Fatal(err)
	}
	if err := dg.Add(rest); err != nil {
		t.Fatal(err)
	}
	if dg.Sum() != d {
		t.Errorf("digest over two slices differs from whole")
	}
	changed := []*Frame{}
	swapped, _ := f.Take([]int{1, 0, 2, 3})
	changed = append(changed, swapped)
	renamed, _ := f.Select("f", "i", "c", "b")
	changed = append(changed, renamed)
	for _, g := range changed {
		if Digest(g) == d {
			t.Errorf("different frame %v has the same digest", g.Names())
		}
	}
	other, _ := f.Select("f")
	if err := dg.Add(other); err == nil {
		t.Errorf("Digester.Add of different columns succeeded, want error")
	}
}

func TestFrameMatrix(t *testing.T) {
	f := sampleFrame(t)
	m, err := f.Matrix("f", "i", "b")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0.5, math.NaN(), 2, 3}, {1, 2, math.NaN(), 4}, {1, 0, 1, 0}}
	for j := range want {
		for i, w := range want[j] {
			if got := m.At(i, j); got != w && !(math.IsNaN(got) && math.IsNaN(w)) {
				t.Errorf("m[%d][%d] = %v, want %v", i, j, got, w)
			}
		}
	}
	if _, err := f.Matrix("c"); err == nil {
		t.Errorf("Matrix of a categorical column succeeded, want error")
	}
	if _, err := f.Matrix("zz"); err == nil {
		t.Errorf("Matrix of a missing column succeeded, want error")
	}
}

func TestFrameWith(t *testing.T) {
	f := sampleFrame(t)
	g, err := f.With("z", &FloatColumn{Values: []float64{1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Names(), []string{"f", "i", "c", "b", "t", "z"}; !slices.Equal(got, want) {
		t.Errorf("names = %v, want %v", got, want)
	}
	h, err := g.With("f", &IntColumn{Values: []int64{9, 9, 9, 9}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Schema().Fields[0].Kind, Int; got != want {
		t.Errorf("replaced kind = %s, want %s", got, want)
	}
	if f.ColumnAt(0).Kind() != Float {
		t.Errorf("With changed the original frame")
	}
	if _, err := f.With("z", &FloatColumn{Values: []float64{1}}); err == nil {
		t.Errorf("With of a short column succeeded, want error")
	}
}
