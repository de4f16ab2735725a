package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzGraphQL sends arbitrary documents to /graphql, over a fake store:
// the answer is always 200 with JSON data and errors (or 400 for a body
// that is not a request), never a panic or a 500.
func FuzzGraphQL(f *testing.F) {
	for _, seed := range []string{
		`{ test(inputString: "abc") { output } }`,
		`query q @component(name: "x") { mlflowGetRun(input: {runId: "r"}) { run { info { runId status } data { metrics { value } } experiment { name } modelVersions { name } } } }`,
		`mutation { mlflowSearchRuns(input: {experimentIds: ["1"], runViewType: ALL, maxResults: 5}) { runs { info { runId } } } }`,
		`{ ...F } fragment F on Query { a: test { output } ...F }`,
		`{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["r"], metricKey: "m", startStep: 1, endStep: 0}) { metrics { value } } }`,
		`{ mlflowListArtifacts(input: {runId: "r", path: "../x"}) { files { path fileSize } } }`,
		`{ mlflowSearchModelVersions(input: {maxResults: "9223372036854775808"}) { modelVersions { name } } }`,
		`query ($i: MlflowGetRunInput) { mlflowGetRun(input: $i) { run { info { runId } } } }`,
		`{ __schema { types { name } } }`,
		`{ test(inputString: """a""" ) { output } } # comment`,
		"{ test(inputString: [[[[[[[[]]]]]]]]) { output } }",
	} {
		f.Add(seed)
	}
	var last any
	h := newTestServer(f, recordingFake(&last)).Handler()
	f.Fuzz(func(t *testing.T, query string) {
		body, err := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"i": map[string]any{"runId": query}}})
		if err != nil {
			t.Skip()
		}
		rec := do(t, h, "POST", "/graphql", "application/json", string(body))
		if rec.Code != http.StatusOK {
			t.Fatalf("query %q: status %d %s", query, rec.Code, rec.Body)
		}
		var res struct {
			Data   json.RawMessage
			Errors []string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatalf("query %q: answer %s: %v", query, rec.Body, err)
		}
	})
}

// FuzzGraphQLBody sends arbitrary request bodies: 200 or 400, never more.
func FuzzGraphQLBody(f *testing.F) {
	for _, seed := range []string{
		`{"query": "{ test { output } }"}`,
		`{"query": "{ test { output } }", "variables": null, "operationName": null}`,
		`{"query": 5}`, `[{"query": "{ test { output } }"}]`, `"{\"query\": \"x\"}"`, ``, `{"variables": {"a": [1, {"b": null}]}}`,
	} {
		f.Add(seed)
	}
	var last any
	h := newTestServer(f, recordingFake(&last)).Handler()
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, h, "POST", "/graphql", "application/json", body)
		if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest {
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
	})
}
