package tracking

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

// FuzzParseRunFilter checks that no input makes a parser panic, that every
// error is an INVALID_PARAMETER_VALUE *weir.Error, and that whatever parses
// survives a round trip: rendering the comparisons as a canonical filter and
// parsing that again gives the same comparisons. It runs the other three
// dialects on the same inputs, since they share the scanner.
func FuzzParseRunFilter(f *testing.F) {
	for _, tc := range runCases {
		f.Add(tc.filter)
	}
	f.Add("version_number IN (1, '2') AND name = 'm'")
	f.Add("experiment_id IN ('1') AND tags.`a` IS NULL")
	f.Fuzz(func(t *testing.T, filter string) {
		for _, p := range []struct {
			name  string
			parse func(string) ([]Comparison, error)
		}{
			{"runs", ParseRunFilter},
			{"experiments", ParseExperimentFilter},
			{"registered models", ParseRegisteredModelFilter},
			{"model versions", ParseModelVersionFilter},
		} {
			got, err := p.parse(filter)
			if err != nil {
				if code := weir.ErrorCode(err); code != weir.ErrInvalidParameterValue {
					t.Fatalf("%s: parse(%q) error code %s, want %s (%v)", p.name, filter, code, weir.ErrInvalidParameterValue, err)
				}
				continue
			}
			canonical, ok := renderFilter(got)
			if !ok {
				continue // a key with both kinds of quote cannot be written back
			}
			again, err := p.parse(canonical)
			if err != nil {
				t.Fatalf("%s: %q parsed to %+v, whose rendering %q fails: %v", p.name, filter, got, canonical, err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("%s: %q parsed to %+v, but its rendering %q parses to %+v", p.name, filter, got, canonical, again)
			}
		}
	})
}

// renderFilter writes comparisons back as a filter in one canonical style:
// backticked keys, single quotes where possible, AND in upper case.
func renderFilter(cs []Comparison) (string, bool) {
	var parts []string
	for _, c := range cs {
		key, ok := renderQuoted(c.Key, '`', '"')
		if !ok {
			return "", false
		}
		if c.Entity != EntityAttribute {
			key = string(c.Entity) + "s." + key
		}
		s := key + " " + c.Op
		switch c.Value.Kind {
		case StringValue:
			v, ok := renderQuoted(c.Value.Str, '\'', '"')
			if !ok {
				return "", false
			}
			s += " " + v
		case NumberValue:
			if math.IsInf(c.Value.Num, 0) {
				return "", false
			}
			s += " " + strconv.FormatFloat(c.Value.Num, 'f', -1, 64)
		case ListValue:
			items := make([]string, len(c.Value.List))
			for i, it := range c.Value.List {
				items[i] = "'" + escapeListItem(it) + "'"
			}
			s += " (" + strings.Join(items, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " AND "), true
}

// renderQuoted quotes body with the first of the quotes that reads back as
// the same body.
func renderQuoted(body string, quotes ...byte) (string, bool) {
	for _, q := range quotes {
		text := string(q) + body + string(q)
		s := &scanner{src: text}
		if got, err := s.quoted(q); err == nil && s.eof() && got == body {
			return text, true
		}
	}
	return "", false
}

// escapeListItem undoes unescapeListItem.
func escapeListItem(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

func TestRenderFilterRoundTrip(t *testing.T) {
	// The fuzz property on the hand-written cases, so it runs in every go test.
	for _, tc := range runCases {
		if tc.wantErr != "" || tc.want == nil {
			continue
		}
		text, ok := renderFilter(tc.want)
		if !ok {
			t.Errorf("renderFilter(%+v) failed", tc.want)
			continue
		}
		got, err := ParseRunFilter(text)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseRunFilter(%q) = %+v, %v; want %+v", text, got, err, tc.want)
		}
	}
}
