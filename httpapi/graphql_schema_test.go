package httpapi

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// gqlContract is the part of a schema that is the wire contract, in the
// form tests/reference/gen_graphql.py writes mlflow server's.
type gqlContract struct {
	QueryType    string                 `json:"queryType"`
	MutationType string                 `json:"mutationType"`
	Directives   []string               `json:"directives"`
	Types        map[string]gqlTypeSpec `json:"types"`
}

type gqlTypeSpec struct {
	Kind        string                  `json:"kind"`
	Fields      map[string]gqlFieldSpec `json:"fields,omitempty"`
	InputFields map[string]string       `json:"inputFields,omitempty"`
	EnumValues  []string                `json:"enumValues,omitempty"`
}

type gqlFieldSpec struct {
	Type string            `json:"type"`
	Args map[string]string `json:"args"`
}

const introspectionQuery = `{ __schema {
	queryType { name } mutationType { name } directives { name }
	types { kind name
		fields { name args { name type { ...T } } type { ...T } }
		inputFields { name type { ...T } }
		enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

type introType struct {
	Kind   string     `json:"kind"`
	Name   string     `json:"name"`
	OfType *introType `json:"ofType"`
}

func (t *introType) ref() string {
	switch t.Kind {
	case "NON_NULL":
		return t.OfType.ref() + "!"
	case "LIST":
		return "[" + t.OfType.ref() + "]"
	}
	return t.Name
}

type introValue struct {
	Name string    `json:"name"`
	Type introType `json:"type"`
}

// weirContract introspects Weir's schema.
func weirContract(t *testing.T) gqlContract {
	t.Helper()
	res := graphqlExecutor().Exec(context.Background(), introspectionQuery, "", nil)
	if len(res.Errors) > 0 {
		t.Fatalf("introspection: %s", res.Errors[0].Message)
	}
	var out struct {
		Schema struct {
			QueryType, MutationType struct{ Name string }
			Directives              []struct{ Name string }
			Types                   []struct {
				Kind, Name string
				Fields     []struct {
					Name string
					Args []introValue
					Type introType
				}
				InputFields []introValue
				EnumValues  []struct{ Name string }
			}
		} `json:"__schema"`
	}
	if err := json.Unmarshal(res.Data, &out); err != nil {
		t.Fatal(err)
	}
	c := gqlContract{QueryType: out.Schema.QueryType.Name, MutationType: out.Schema.MutationType.Name, Types: map[string]gqlTypeSpec{}}
	for _, d := range out.Schema.Directives {
		c.Directives = append(c.Directives, d.Name)
	}
	for _, typ := range out.Schema.Types {
		if strings.HasPrefix(typ.Name, "__") {
			continue
		}
		spec := gqlTypeSpec{Kind: typ.Kind}
		for _, f := range typ.Fields {
			if spec.Fields == nil {
				spec.Fields = map[string]gqlFieldSpec{}
			}
			fs := gqlFieldSpec{Type: f.Type.ref(), Args: map[string]string{}}
			for _, a := range f.Args {
				fs.Args[a.Name] = a.Type.ref()
			}
			spec.Fields[f.Name] = fs
		}
		for _, f := range typ.InputFields {
			if spec.InputFields == nil {
				spec.InputFields = map[string]string{}
			}
			spec.InputFields[f.Name] = f.Type.ref()
		}
		for _, v := range typ.EnumValues {
			spec.EnumValues = append(spec.EnumValues, v.Name)
		}
		sort.Strings(spec.EnumValues)
		c.Types[typ.Name] = spec
	}
	return c
}

// TestGraphQLSchemaMatchesMLflow checks that every type, field, argument
// and enum value of mlflow server 3.17.2's GraphQL schema is in Weir's with
// the same type (nullability included), and that Weir adds no field to
// them: the web UI's queries and __typename reads depend on these names.
func TestGraphQLSchemaMatchesMLflow(t *testing.T) {
	b, err := os.ReadFile("../tests/reference/fixtures/graphql_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var want gqlContract
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got := weirContract(t)
	if got.QueryType != want.QueryType || got.MutationType != want.MutationType {
		t.Errorf("root types: got %s and %s, want %s and %s", got.QueryType, got.MutationType, want.QueryType, want.MutationType)
	}
	for _, d := range want.Directives {
		if !slices.Contains(got.Directives, d) {
			t.Errorf("directive @%s missing", d)
		}
	}
	for name, w := range want.Types {
		g, ok := got.Types[name]
		if !ok {
			t.Errorf("type %s missing", name)
			continue
		}
		if g.Kind != w.Kind {
			t.Errorf("%s: kind %s, want %s", name, g.Kind, w.Kind)
		}
		compareFields(t, name, g.Fields, w.Fields)
		compareMaps(t, name+" input field", g.InputFields, w.InputFields)
		if strings.Join(g.EnumValues, " ") != strings.Join(w.EnumValues, " ") {
			t.Errorf("%s values: got %s, want %s", name, strings.Join(g.EnumValues, " "), strings.Join(w.EnumValues, " "))
		}
	}
	for name := range got.Types {
		if _, ok := want.Types[name]; !ok && !builtinScalar(name) {
			t.Errorf("type %s is not in MLflow's schema", name)
		}
	}
}

func builtinScalar(name string) bool {
	switch name {
	case "String", "Int", "Float", "Boolean", "ID":
		return true
	}
	return false
}

func compareFields(t *testing.T, typ string, got, want map[string]gqlFieldSpec) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s.%s missing", typ, name)
		case g.Type != w.Type:
			t.Errorf("%s.%s: type %s, want %s", typ, name, g.Type, w.Type)
		default:
			compareMaps(t, typ+"."+name+" argument", g.Args, w.Args)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s.%s is not in MLflow's schema", typ, name)
		}
	}
}

func compareMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s %s missing", what, k)
		} else if g != w {
			t.Errorf("%s %s: type %s, want %s", what, k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s is not in MLflow's schema", what, k)
		}
	}
}
