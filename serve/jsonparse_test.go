package serve

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// stdDecode is the reference: encoding/json with UseNumber.
func stdDecode(b []byte) (any, error) {
	var v any
	return v, unmarshalNumbers(b, &v)
}

var jsonCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `-12E+2`, `"x"`,
	`{"a": [1, 2.5, "s", null, true, {"b": []}], "a": 7}`,
	`"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00"`,
	`"caf` + "\xc3\xa9" + `"`, "\"bad \xff utf8\"", `"lone \ud800 surrogate"`,
	` { "dataframe_split" : { "columns" : [ "age" ] , "data" : [ [ 1 ] ] } } `,
	// invalid
	``, `{`, `[1,]`, `{"a" 1}`, `{"a":1,}`, `01`, `1.`, `.5`, `1e`, `+1`, `-`, `0x10`, `NaN`, `Infinity`,
	`"unterminated`, "\"ctl \x01\"", `"bad \q escape"`, `tru`, `nul`, `{} {}`, `[1] x`, `{1: 2}`,
}

func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range jsonCases {
		checkSameAsStd(t, []byte(c))
	}
}

func checkSameAsStd(t *testing.T, b []byte) {
	t.Helper()
	want, werr := stdDecode(b)
	got, gerr := parseJSON(b)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: parseJSON error %v, encoding/json error %v", b, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: parseJSON = %#v, encoding/json = %#v", b, got, want)
	}
}

func TestParseJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2)
	if _, err := parseJSON([]byte(deep)); err == nil {
		t.Error("nesting beyond maxDepth was accepted")
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.Count(b, []byte("[")) > maxDepth/2 {
			return // encoding/json's own depth limit differs
		}
		checkSameAsStd(t, b)
	})
}

// BenchmarkParseJSON compares parseJSON with encoding/json on a 100-row
// dataframe_split body.
func BenchmarkParseJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"dataframe_split": {"columns": ["age", "job", "balance", "member"], "data": [`)
	for i := range 100 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`[47, "manager", 1200.5, true]`)
	}
	sb.WriteString(`]}}`)
	body := []byte(sb.String())
	b.Run("parseJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdDecode(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
