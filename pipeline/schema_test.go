package pipeline

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// validate checks v against a JSON Schema, for the keywords Schema uses,
// and returns where v fails (empty when it passes).
func validate(s any, v any, path string) []string {
	sm, ok := s.(map[string]any)
	if !ok {
		if s == false {
			return []string{path + ": not allowed"}
		}
		return nil
	}
	var out []string
	fail := func(format string, args ...any) { out = append(out, path+": "+fmt.Sprintf(format, args...)) }
	if t, ok := sm["type"]; ok && !hasType(t, v) {
		fail("want type %v, got %T", t, v)
		return out
	}
	if e, ok := sm["enum"]; ok && !inEnum(e, v) {
		fail("%v not in enum", v)
	}
	if c, ok := sm["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		fail("%v is not %v", v, c)
	}
	if m, ok := sm["minimum"]; ok {
		if x, isNum := num(v); isNum && x < toFloat(m) {
			fail("%v below %v", v, m)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := sm["properties"].(map[string]any)
		for _, r := range asStrings(sm["required"]) {
			if _, ok := x[r]; !ok {
				fail("%s is required", r)
			}
		}
		for k, val := range x {
			if pn, ok := sm["propertyNames"]; ok {
				out = append(out, validate(pn, k, path+"."+k)...)
			}
			if ps, ok := props[k]; ok {
				out = append(out, validate(ps, val, path+"."+k)...)
			} else if ap, ok := sm["additionalProperties"]; ok {
				out = append(out, validate(ap, val, path+"."+k)...)
			}
		}
	case []any:
		if n, ok := sm["minItems"]; ok && len(x) < int(toFloat(n)) {
			fail("fewer than %v items", n)
		}
		if n, ok := sm["maxItems"]; ok && len(x) > int(toFloat(n)) {
			fail("more than %v items", n)
		}
		for i, e := range x {
			out = append(out, validate(sm["items"], e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	for _, sub := range asList(sm["allOf"]) {
		subm := sub.(map[string]any)
		if cond, ok := subm["if"]; ok {
			if len(validate(cond, v, path)) == 0 {
				out = append(out, validate(subm["then"], v, path)...)
			}
			continue
		}
		out = append(out, validate(sub, v, path)...)
	}
	if one := asList(sm["oneOf"]); one != nil {
		n := 0
		for _, sub := range one {
			if len(validate(sub, v, path)) == 0 {
				n++
			}
		}
		if n != 1 {
			fail("matches %d of oneOf, want 1", n)
		}
	}
	return out
}

func hasType(t, v any) bool {
	for _, name := range asStrings(t) {
		switch x := v.(type) {
		case map[string]any:
			if name == "object" {
				return true
			}
		case []any:
			if name == "array" {
				return true
			}
		case string:
			if name == "string" {
				return true
			}
		case bool:
			if name == "boolean" {
				return true
			}
		case nil:
			if name == "null" {
				return true
			}
		default:
			f, ok := num(x)
			if ok && (name == "number" || name == "integer" && f == math.Trunc(f)) {
				return true
			}
		}
	}
	return false
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func toFloat(v any) float64 { f, _ := num(v); return f }

func inEnum(e, v any) bool {
	for _, x := range asList(e) {
		if fmt.Sprint(x) == fmt.Sprint(v) {
			return true
		}
	}
	return false
}

func asList(v any) []any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}

func asStrings(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range asList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// schemaRoundTrip returns Schema as a JSON reader would see it.
func schemaRoundTrip(t *testing.T) any {
	t.Helper()
	b, err := json.Marshal(Schema())
	if err != nil {
		t.Fatal(err)
	}
	var s any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func yamlValue(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSchemaAcceptsTheExamples(t *testing.T) {
	s := schemaRoundTrip(t)
	specs := map[string]string{"bank": string(BankMarketing), "small": smallSpec}
	files, _ := filepath.Glob("../examples/*/pipeline.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		specs[f] = string(b)
		if _, err := ParseSpec(b); err != nil {
			t.Errorf("%s fails the check: %v", f, err)
		}
	}
	for name, src := range specs {
		if errs := validate(s, yamlValue(t, src), "$"); len(errs) > 0 {
			t.Errorf("%s spec fails the schema:\n%s", name, strings.Join(errs, "\n"))
		}
	}
}

func TestSchemaRejectsBadSpecs(t *testing.T) {
	s := schemaRoundTrip(t)
	base := string(BankMarketing)
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown key", "seed: 42", "seeds: 42", "$.seeds: not allowed"},
		{"seed type", "seed: 42", `seed: "abc"`, "$.seed: want type integer"},
		{"split kind", "kind: time", "kind: tme", "$.split.kind: tme not in enum"},
		{"search", "search: grid", "search: grdi", "$.model.candidates[1].search: grdi not in enum"},
		{"param", "params: {n_estimators: 200}", "params: {n_estimators: 200, num_leavs: 3}", "$.model.candidates[0].params.num_leavs: num_leavs not in enum"},
		{"space", "num_leaves: {int: [4, 31]}", "num_leavs: {int: [4, 31]}", "$.model.candidates[0].space.num_leavs: num_leavs not in enum"},
		{"dimension", "num_leaves: {int: [4, 31]}", "num_leaves: {int: [4, 31], float: [1, 2]}", "$.model.candidates[0].space.num_leaves: matches 2 of oneOf"},
		{"int range", "num_leaves: {int: [4, 31]}", "num_leaves: {int: [4]}", "$.model.candidates[0].space.num_leaves.int: fewer than 2 items"},
		{"transform type", "type: one_hot", "type: one_cold", "$.prepare.steps[2].transforms[0].type: one_cold not in enum"},
		{"transform key", "min_frequency: 50", "min_frequncy: 50", "$.prepare.steps[2].transforms[0].min_frequncy: not allowed"},
		{"no target", "  target: y\n", "", "$.data: target is required"},
		{"random without trials", "      trials: 10\n", "", "$.model.candidates[0]: trials is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(base, tt.old, tt.new, 1)
			if src == base {
				t.Fatalf("%q not in the spec", tt.old)
			}
			errs := validate(s, yamlValue(t, src), "$")
			if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, tt.want) }) {
				t.Errorf("schema errors = %q, want one starting %q", errs, tt.want)
			}
		})
	}
}

// TestSchemaDescribesEveryKey walks Spec's types: every key needs a note,
// so the schema (and the docs written from the same table) says what it is.
func TestSchemaDescribesEveryKey(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		switch typ.Kind() {
		case reflect.Struct:
			for _, f := range yamlFieldList(typ) {
				p := joinPath(path, f.Name)
				if fieldNotes[p].desc == "" {
					t.Errorf("fieldNotes has no description of %s", p)
				}
				walk(f.Type, p)
			}
		case reflect.Slice:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			walk(typ.Elem(), path+".*")
		}
	}
	walk(reflect.TypeFor[Spec](), "")
	for p := range fieldNotes {
		if p != "" && !strings.Contains(schemaPaths(), "\n"+p+"\n") {
			t.Errorf("fieldNotes describes %s, which Spec does not have", p)
		}
	}
}

func schemaPaths() string {
	var b strings.Builder
	b.WriteString("\n")
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if path != "" {
			b.WriteString(path + "\n")
		}
		switch typ.Kind() {
		case reflect.Struct:
			for _, f := range yamlFieldList(typ) {
				walk(f.Type, joinPath(path, f.Name))
			}
		case reflect.Slice:
			walk(typ.Elem(), path+"[]")
		case reflect.Map:
			walk(typ.Elem(), path+".*")
		}
	}
	walk(reflect.TypeFor[Spec](), "")
	return b.String()
}

func TestLearnerParamsAreAccepted(t *testing.T) {
	for _, l := range taskLearners("") {
		ps := learnerParamList("", l)
		if len(ps) == 0 && l != "linear_regression" {
			t.Errorf("%s: no parameters found", l)
		}
		for _, p := range learnerParamDocs[l] {
			if !slices.ContainsFunc(ps, func(q paramDoc) bool { return q.Name == p.Name }) {
				t.Errorf("%s: documented parameter %s is not accepted by the learner", l, p.Name)
			}
		}
	}
}
