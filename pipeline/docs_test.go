package pipeline

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated sections of docs/pipeline.md and the golden reports in testdata")

const docsPath = "../docs/pipeline.md"

// TestDocsReference keeps the generated sections of docs/pipeline.md equal
// to what the schema's table says; -update rewrites them.
func TestDocsReference(t *testing.T) {
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, sec := range []struct{ name, body string }{
		{"reference", docsReference()}, {"params", docsParams()}, {"transforms", docsTransforms()},
	} {
		start, end := "<!-- "+sec.name+":start -->\n", "<!-- "+sec.name+":end -->"
		i, j := strings.Index(doc, start), strings.Index(doc, end)
		if i < 0 || j < i {
			t.Fatalf("docs/pipeline.md lacks the %s markers", sec.name)
		}
		if got := doc[i+len(start) : j]; got != sec.body {
			if !*update {
				t.Errorf("the %s section of docs/pipeline.md is stale: go test ./pipeline -run TestDocsReference -update", sec.name)
			}
			doc = doc[:i+len(start)] + sec.body + doc[j:]
		}
	}
	if *update {
		if err := os.WriteFile(docsPath, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDocsExamplesParse checks every full spec in docs/pipeline.md.
func TestDocsExamplesParse(t *testing.T) {
	b, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(# full spec\n.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) < 3 {
		t.Fatalf("%d full specs in docs/pipeline.md, want one per task", len(blocks))
	}
	for _, m := range blocks {
		if _, err := ParseSpec([]byte(m[1])); err != nil {
			t.Errorf("example fails the check:\n%v\n%s", err, m[1])
		}
	}
}

func docsReference() string {
	var b strings.Builder
	b.WriteString("| Key | Type | Default | Allowed | Meaning |\n|---|---|---|---|---|\n")
	var walk func(reflect.Type, string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if n, ok := fieldNotes[path]; ok && path != "" {
			def := ""
			if n.def != nil {
				d, _ := json.Marshal(n.def)
				def = "`" + string(d) + "`"
			}
			allowed := strings.Join(n.enum, ", ")
			desc := n.desc
			if n.required {
				desc = "**Required.** " + desc
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", path, typeText(typ), def, allowed, strings.ReplaceAll(desc, "|", "\\|"))
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

func typeText(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true/false"
	case reflect.Int, reflect.Int64:
		return "whole number"
	case reflect.Uint64, reflect.Uint:
		return "whole number ≥ 0"
	case reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + typeText(t.Elem())
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return "mapping"
		}
		return "mapping of " + typeText(t.Elem())
	case reflect.Struct:
		return "mapping"
	}
	return "any"
}

func docsParams() string {
	var b strings.Builder
	b.WriteString("| Learner | Tasks | Parameter | Type | Meaning |\n|---|---|---|---|---|\n")
	for _, l := range knownLearners {
		var ts []string
		for _, task := range specTasks {
			if slices.Contains(taskLearners(task), l) {
				ts = append(ts, task)
			}
		}
		ps := learnerParamList("", l)
		var others []string
		for _, p := range ps {
			if p.Description == "" {
				others = append(others, "`"+p.Name+"`")
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s |\n", l, strings.Join(ts, ", "), p.Name, p.Type, p.Description)
		}
		if len(others) > 0 {
			fmt.Fprintf(&b, "| %s | %s | also | | %s |\n", l, strings.Join(ts, ", "), strings.Join(others, ", "))
		}
	}
	return b.String()
}

func docsTransforms() string {
	var b strings.Builder
	b.WriteString("| Entry | Type | Fields |\n|---|---|---|\n")
	for _, typ := range derivationNames {
		pp, err := PrepareSpec{Derived: []map[string]any{{"type": typ}}, Steps: []map[string]any{{"columns": []any{}}}}.preprocessor()
		if err == nil {
			fmt.Fprintf(&b, "| `prepare.derived[]` | `%s` | %s |\n", typ, fieldList(pp.Derived[0]))
		}
	}
	for _, typ := range transformNames {
		pp, err := PrepareSpec{Steps: []map[string]any{{"columns": []any{}, "transforms": []any{map[string]any{"type": typ}}}}}.preprocessor()
		if err == nil {
			fmt.Fprintf(&b, "| `prepare.steps[].transforms[]` | `%s` | %s |\n", typ, fieldList(pp.Steps[0].Transforms[0]))
		}
	}
	return b.String()
}

func fieldList(v any) string {
	var out []string
	for _, f := range jsonFieldTypes(reflect.TypeOf(v)) {
		out = append(out, fmt.Sprintf("`%s` (%s)", f.Name, typeText(f.Type)))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
