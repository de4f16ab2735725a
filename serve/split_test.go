package serve

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// splitSchema has a column of every type the fast path has a short cut
// for, and one it passes through.
func splitSchema() *schema {
	return newSchema([]Column{
		{Name: "age", Type: TypeLong, Required: true},
		{Name: "score", Type: TypeDouble},
		{Name: "job", Type: TypeString},
		{Name: "member", Type: TypeBoolean},
		{Name: "day", Type: TypeInteger},
		{Name: "seen", Type: TypeDatetime},
		{Name: "blob", Type: "binary"},
	})
}

// sameDecode checks that decodeSplit, when it takes body, gives exactly
// decodeTree's rows (down to the sign of a zero), and reports whether it
// took it.
func sameDecode(t *testing.T, s *schema, body string, strict bool) bool {
	t.Helper()
	return sameDecodeIn(t, s, body, strict, nil)
}

// sameDecodeIn is sameDecode with the rows built in rb's memory.
func sameDecodeIn(t *testing.T, s *schema, body string, strict bool, rb *rowsBuf) bool {
	t.Helper()
	got, fast := s.decodeSplit([]byte(body), strict, rb)
	want, err := s.decodeTree([]byte(body), strict)
	if !fast {
		return false
	}
	if err != nil {
		t.Errorf("%s: fast path took a body the general one refuses (%v)", body, err)
		return true
	}
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s:\ngot  %s\nwant %s", body, g, w)
	}
	return true
}

func TestDecodeSplitMatchesTree(t *testing.T) {
	s := splitSchema()
	cases := []struct {
		body string
		fast bool
	}{
		{`{"dataframe_split": {"columns": ["age"], "data": [[47], [-3], [0], [1200]]}}`, true},
		{` { "dataframe_split" : { "columns" : [ "age" , "job" ] , "data" : [ [ 47 , "manager" ] ] } } `, true},
		{`{"dataframe_split": {"columns": ["age", "score"], "data": [[1, -0], [2, 0.5], [3, 1e3], [4, 123456789012345], [5, 1234567890123456789], [6, -0.0]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "score"], "data": [[1, "NaN"], [2, "-Infinity"], [3, null]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "day"], "data": [[35.0, 2147483647], [-0, -2147483648]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "job", "member"], "data": [[1, "caf\u00e9", true], [2, "café", false], [3, null, null]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "seen", "blob"], "data": [[1, "2009-05-01", [1, {"a": 2}]], [2, "2009-05-01T10:00:00Z", "x"]]}}`, true},
		{`{"dataframe_split": {"index": [0, 1], "columns": ["age", "extra"], "data": [[1, {"deep": [1, 2]}], [2, "x"]]}}`, true},
		{`{"dataframe_split": {"columns": ["age"], "data": []}}`, true},
		{`{"dataframe_split": {"columns": ["age", "job"], "data": [[1, "a\"b"]]}}`, true},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1]], "index": [0]}}`, true},
		// Not the fast path's shape, or an error: the general path answers.
		{`{"dataframe_split": {"data": [[1]], "columns": ["age"]}}`, false},
		{`{"dataframe_split": {"data": [[1]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1]]}, "params": {}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1]]}, "instances": []}`, false},
		{`{"dataframe_split": {"columns": ["age"], "columns": ["age"], "data": [[1]]}}`, false},
		{`{"dataframe_split": {"columns": ["job"], "data": [["x"]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1, 2]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1.5]]}}`, false},
		{`{"dataframe_split": {"columns": ["age", "day"], "data": [[1, 2147483648]]}}`, false},
		{`{"dataframe_split": {"columns": ["age", "member"], "data": [[1, "yes"]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[01]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[-01]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[-]]}}`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1e5]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "score"], "data": [[0, 0], [-0, -0], [999999999999999, 1234567890123456], [-999999999999999, -1234567890123456], [1, 12345678901234567890]]}}`, true},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1234567890123456]]}}`, true},
		{`{"dataframe_split": {"columns": ["age", "score"], "data": [[1, 2E3], [1, 2e-3], [1, 0.5e+2]]}}`, true},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1]]}} x`, false},
		{`{"dataframe_split": {"columns": ["age"], "data": [[1]]}`, false},
		{`{"dataframe_records": [{"age": 1}]}`, false},
	}
	for _, c := range cases {
		if got := sameDecode(t, s, c.body, false); got != c.fast {
			t.Errorf("%s: fast path took it = %v, want %v", c.body, got, c.fast)
		}
	}
	// An extra column under --strict-columns is the general path's error.
	if sameDecode(t, s, `{"dataframe_split": {"columns": ["age", "extra"], "data": [[1, 2]]}}`, true) {
		t.Error("strict: fast path took a body with an extra column")
	}
}

// TestDecodeSplitRandom compares the two paths on random bodies of the
// shape the fast path takes, half of them decoded in a reused rowsBuf (so
// a value left from an earlier request would show where a null is).
func TestDecodeSplitRandom(t *testing.T) {
	s := splitSchema()
	rb := rowsPool.Get().(*rowsBuf)
	r := rand.New(rand.NewPCG(1, 2))
	num := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.FormatFloat(r.NormFloat64()*1e3, 'g', -1, 64)
		case 1:
			return strconv.FormatInt(r.Int64N(1<<53)-1<<52, 10)
		case 2:
			return "null"
		case 3:
			return strconv.FormatFloat(r.Float64(), 'e', -1, 64)
		}
		return strconv.Itoa(r.IntN(4000) - 2000)
	}
	for range 300 {
		var b strings.Builder
		b.WriteString(`{"dataframe_split": {"columns": ["score", "job", "age"], "data": [`)
		for i := range 1 + r.IntN(20) {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `[%s, "j%d", %d]`, num(), r.IntN(5), r.IntN(100)-50)
		}
		b.WriteString(`]}}`)
		buf := rb
		if r.IntN(2) == 0 {
			buf = nil
		}
		if !sameDecodeIn(t, s, b.String(), false, buf) {
			t.Errorf("%s: fast path did not take it", b.String())
		}
		if buf != nil {
			rb.release()
			rb = rowsPool.Get().(*rowsBuf)
		}
	}
}

func TestInternIsBounded(t *testing.T) {
	s := splitSchema()
	for i := range 2 * maxInterned {
		v := s.intern(2, []byte("v"+strconv.Itoa(i)))
		if v != "v"+strconv.Itoa(i) {
			t.Fatalf("intern = %v", v)
		}
	}
	if n := len(*s.strs[2].Load()); n != maxInterned {
		t.Errorf("table holds %d strings, want %d", n, maxInterned)
	}
}

// TestReusedRowsAnswerAsRecords scores the same random rows, with nulls in
// random places, as dataframe_split (decoded into rows kept between
// requests) and as dataframe_records (the general path): the answers must
// be identical, so no value from an earlier request survives in a reused
// row.
func TestReusedRowsAnswerAsRecords(t *testing.T) {
	m, err := NewPredictorModel(mustPredictor(t))
	if err != nil {
		t.Fatal(err)
	}
	h := mustServer(t, &Loaded{Model: m, Name: "bank", Version: "1"}, nil).Handler()
	r := rand.New(rand.NewPCG(3, 4))
	cell := func(v string) string {
		if r.IntN(3) == 0 {
			return "null"
		}
		return v
	}
	jobs := []string{`"manager"`, `"student"`, `"unseen"`}
	for range 50 {
		var split, recs strings.Builder
		split.WriteString(`{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [`)
		recs.WriteString(`{"dataframe_records": [`)
		for i := range 1 + r.IntN(30) {
			if i > 0 {
				split.WriteByte(',')
				recs.WriteByte(',')
			}
			age, job := cell(strconv.Itoa(18+r.IntN(70))), cell(jobs[r.IntN(len(jobs))])
			bal, member := cell(strconv.Itoa(r.IntN(5000)-500)), cell(strconv.FormatBool(r.IntN(2) == 0))
			fmt.Fprintf(&split, `[%s, %s, %s, %s]`, age, job, bal, member)
			fmt.Fprintf(&recs, `{"age": %s, "job": %s, "balance": %s, "member": %s}`, age, job, bal, member)
		}
		split.WriteString(`]}}`)
		recs.WriteString(`]}`)
		got := do(t, h, "POST", "/invocations", "application/json", split.String())
		want := do(t, h, "POST", "/invocations", "application/json", recs.String())
		if got.code != want.code || got.body != want.body {
			t.Fatalf("%s\n= %d %s\nas records %d %s", split.String(), got.code, got.body, want.code, want.body)
		}
	}
}

// TestDecodeSplitKeptColumns checks the kept column layout against
// changing column lists: another order, an extra column, strict mode (which
// refuses the extra column the lenient layout ignored), a missing column.
func TestDecodeSplitKeptColumns(t *testing.T) {
	s := splitSchema()
	bodies := []struct {
		body   string
		strict bool
		fast   bool
	}{
		{`{"dataframe_split": {"columns": ["age", "job"], "data": [[1, "a"]]}}`, false, true},
		{`{"dataframe_split": {"columns": ["age", "job"], "data": [[2, "b"], [3, "c"]]}}`, false, true},
		{`{"dataframe_split": {"columns": ["job", "age"], "data": [["d", 4]]}}`, false, true},
		{`{"dataframe_split": {"columns": ["age", "job", "extra"], "data": [[5, "e", 0]]}}`, false, true},
		{`{"dataframe_split": {"columns": ["age", "job", "extra"], "data": [[5, "e", 0]]}}`, true, false},
		{`{"dataframe_split": {"columns": ["age", "job", "extra"], "data": [[6, "f", 1]]}}`, false, true},
		{`{"dataframe_split": {"columns": ["job"], "data": [["g"]]}}`, false, false},
		{`{"dataframe_split": {"columns": ["age", "job"], "data": [[7, "h"]]}}`, false, true},
	}
	for range 2 {
		for _, b := range bodies {
			if got := sameDecode(t, s, b.body, b.strict); got != b.fast {
				t.Errorf("%s (strict %v): fast path took it = %v, want %v", b.body, b.strict, got, b.fast)
			}
		}
	}
}

// FuzzDecodeSplit checks that whatever body the fast path takes, it
// decodes exactly as the general path does.
func FuzzDecodeSplit(f *testing.F) {
	for _, b := range []string{
		`{"dataframe_split": {"columns": ["age", "score"], "data": [[1, -0], [2, 0.5], [3, 1e3]]}}`,
		`{"dataframe_split": {"columns": ["age", "job", "member"], "data": [[-47, "x", true], [0, null, false]]}}`,
		`{"dataframe_split": {"columns": ["day", "score"], "data": [[2147483647, 123456789012345678]]}}`,
	} {
		f.Add(b)
	}
	s := splitSchema()
	f.Fuzz(func(t *testing.T, body string) {
		sameDecode(t, s, body, false)
	})
}
