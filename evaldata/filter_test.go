package evaldata

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
)

func TestParseFilter(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Clause
	}{
		{"", nil},
		{"name = 'qa'", []Clause{{Key: "name", Op: "=", Str: "qa"}}},
		{`name LIKE "q%" and created_time >= 1795972287334`, []Clause{
			{Key: "name", Op: "LIKE", Str: "q%"}, {Key: "created_time", Op: ">=", Int: 1795972287334}}},
		{"tags.env != 'prod' AND tags.`my key` ILIKE '%x%'", []Clause{
			{Tag: true, Key: "env", Op: "!=", Str: "prod"}, {Tag: true, Key: "my key", Op: "ILIKE", Str: "%x%"}}},
		{`tags."a.b" = 'c'`, []Clause{{Tag: true, Key: "a.b", Op: "=", Str: "c"}}},
		{"name IN ('a', 'b') AND last_updated_by = 'ana'", []Clause{
			{Key: "name", Op: "IN", List: []string{"a", "b"}}, {Key: "last_updated_by", Op: "=", Str: "ana"}}},
	} {
		got, err := ParseFilter(c.in)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseFilter(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// The messages of the first three are mlflow 3.17.2's.
func TestParseFilterErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"bogus = 1", "Invalid attribute key 'bogus' specified. Valid keys are: {'name', 'created_by', 'created_time', 'last_update_time', 'last_updated_by'}"},
		{"params.x = '1'", "Invalid identifier token 'params' specified"},
		{"created_time LIKE '1%'", "Invalid comparator for numeric attribute: LIKE"},
		{"name > 'a'", "Invalid comparator for string attribute: >"},
		{"tags.a > 'b'", "Invalid comparator for tag: >"},
		{"created_time = 1.5", "Invalid value for numeric attribute 'created_time': '1.5'"},
		{"name = qa", "string values must be quoted"},
		{"name = 'a' OR name = 'b'", "clauses are joined by AND"},
		{"name = 'a", "unclosed quote"},
		{"name IN ('a'", "IN list is not closed"},
		{"name IN ()", "IN needs at least one name"},
		{"name =", "a comparison needs a key, a comparator and a value"},
		{"name ! 'a'", "'!' at character 5 is not a comparator"},
	} {
		_, err := ParseFilter(c.in)
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue || !strings.Contains(weir.ErrorMessage(err), c.want) {
			t.Errorf("ParseFilter(%q) = %v, want INVALID_PARAMETER_VALUE containing %q", c.in, err, c.want)
		}
	}
}

func TestParseOrderBy(t *testing.T) {
	got, err := ParseOrderBy([]string{"name", "created_time DESC", "last_update_time asc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []OrderKey{{Key: "name"}, {Key: "created_time", Desc: true}, {Key: "last_update_time"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseOrderBy = %+v, want %+v", got, want)
	}
	for _, c := range []struct{ in, want string }{
		{"bogus", "Invalid attribute key 'bogus' specified. Valid keys are: {'name', 'created_time', 'last_update_time'}"},
		{"created_by", "Invalid attribute key 'created_by'"},
		{"name UP", "Invalid ordering key"},
		{"", "Invalid order_by clause"},
	} {
		_, err := ParseOrderBy([]string{c.in})
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue || !strings.Contains(weir.ErrorMessage(err), c.want) {
			t.Errorf("ParseOrderBy(%q) = %v, want INVALID_PARAMETER_VALUE containing %q", c.in, err, c.want)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"name = 'qa'", "tags.`a b` LIKE '%' AND created_time > 5", "name IN ('a', 'b')", `tags."x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := ParseFilter(s)
		if err != nil {
			if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
				t.Fatalf("ParseFilter(%q): %v, want INVALID_PARAMETER_VALUE", s, err)
			}
			return
		}
		for _, c := range cs {
			if !c.Tag && !filterAttrs[c.Key] {
				t.Fatalf("ParseFilter(%q) let through key %q", s, c.Key)
			}
			if c.Op == "IN" && len(c.List) == 0 {
				t.Fatalf("ParseFilter(%q): empty IN list", s)
			}
			_ = fmt.Sprint(c)
		}
	})
}
