package httpapi

import (
	"strings"
	"testing"
)

// repeatJoin is n copies of f(i), space separated.
func repeatJoin(n int, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, " ")
}

func nested(levels int) string {
	inner := "name"
	for range levels {
		inner = "name { " + inner + " }"
	}
	return inner
}

// TestGraphQLLimits checks the limits against the queries of MLflow's
// test_graphql_handler_batching_raise_error and the ways around them
// MLflow's scan closes (aliases spread over fragments of one level).
func TestGraphQLLimits(t *testing.T) {
	const exp = `mlflowGetExperiment(input: {experimentId: "123"})`
	aliases := func(n int) string {
		return repeatJoin(n, func(i int) string { return "a" + strings.Repeat("x", i) + ": name" })
	}
	tests := []struct {
		name, query, want string
	}{
		{"small", `query q { test(inputString: "abc") { output } }`, ""},
		{"ten root fields", "{" + repeatJoin(10, func(int) string { return "k: test { output }" }) + "}", ""},
		{"twelve root fields", "query testQuery {" + repeatJoin(12, func(int) string { return `k: test(inputString: "abc") { output }` }) + "}",
			"GraphQL queries should have at most 10 root fields, got 12 root fields."},
		{"root fields through a fragment", "{ ...F test { output } } fragment F on Query {" + repeatJoin(10, func(int) string { return "test { output }" }) + "}",
			"GraphQL queries should have at most 10 root fields, got 11 root fields."},
		{"twelve aliases on one level", "query testQuery {" + exp + " {" + repeatJoin(12, func(int) string { return "e: experiment { name }" }) + "}}",
			"GraphQL queries should have at most 10 aliases, got 12 aliases."},
		{"aliases on different levels", "{" + exp + " { x: experiment { " + aliases(9) + " } y: apiError { code } }}", ""},
		{"aliases spread over fragments", "{" + exp + " { experiment { ... on MlflowExperiment { " + aliases(6) + " } ...F } }} fragment F on MlflowExperiment { " + aliases(6) + " }",
			"GraphQL queries should have at most 10 aliases, got 12 aliases."},
		{"depth 13", "query testQuery { " + exp + " { experiment { " + nested(12) + " } } }", "Query exceeds maximum depth of 10"},
		{"depth 10", "{ " + exp + " { experiment { " + nested(7) + " } } }", ""},
		{"1002 selections", "query testQuery { " + exp + " { experiment { " + repeatJoin(1002, func(i int) string { return "f { name }" }) + " } } }",
			"Query exceeds maximum total selections of 1000"},
		{"fragment cycle", "{ ...F } fragment F on Query { a { ...F } }", "Query exceeds maximum depth of 10"},
		{"fragment used twice on one level", "{ ...F ...F } fragment F on Query { a: test { output } }", ""},
		{"brackets nested in an argument", "{ test(inputString: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + ") { output } }",
			"Query exceeds maximum depth of 10"},
		{"inline fragments nested past the bracket limit", "{" + strings.Repeat("... {", 70) + "test { output }" + strings.Repeat("}", 70) + "}",
			"Query exceeds maximum depth of 10"},
		// Documents the outline cannot read are left to the executor,
		// which words the syntax error.
		{"unterminated", "query {", ""},
		{"empty selection", "{ }", ""},
		{"unterminated string", `{ test(inputString: "abc) { output } }`, ""},
		{"strings and comments hide nothing", "# a: b c: d\n{ test(inputString: \"\"\"x: { y }\"\"\") { output } }", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkGraphQLLimits(tc.query); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
