package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weir-ml/weir/auth"
)

// graphqlAnswer is the body of a /graphql answer.
type graphqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []string        `json:"errors"`
}

// graphql sends query to /graphql as c and returns the answer; the status
// must be 200.
func (s *authServer) graphql(c cred, query string) graphqlAnswer {
	s.tb.Helper()
	code, b := s.do(c, "POST", "/graphql", map[string]any{"query": query})
	if code != http.StatusOK {
		s.tb.Fatalf("graphql %q: status %d, body %s", query, code, b)
	}
	var a graphqlAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		s.tb.Fatalf("graphql %q: %v in %s", query, err, b)
	}
	if !strings.Contains(string(b), `"errors":`) {
		s.tb.Errorf("graphql %q: no errors key in %s (MLflow always sends it)", query, b)
	}
	return a
}

// graphqlCase is a query and the data and error messages it must answer.
type graphqlCase struct {
	name, query, data string
	errors            []string
}

func runGraphQLCases(t *testing.T, s *authServer, c cred, cases []graphqlCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.graphql(c, tc.query)
			if string(got.Data) != tc.data {
				t.Errorf("data:\n got %s\nwant %s", got.Data, tc.data)
			}
			if strings.Join(got.Errors, "\n") != strings.Join(tc.errors, "\n") {
				t.Errorf("errors:\n got %q\nwant %q", got.Errors, tc.errors)
			}
		})
	}
}

// TestGraphQL runs the queries of MLflow's GraphQL tests (and the web
// UI's shapes) against a server with every service, as its admin.
func TestGraphQL(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	f := s.mustFixture(adminCred, 0) // its artifact f.txt holds the 3 bytes "x" (JSON)
	run2 := s.must(adminCred, "POST", "/api/2.0/mlflow/runs/create", map[string]any{"experiment_id": f.exp})["run"].(map[string]any)["info"].(map[string]any)["run_id"].(string)
	s.must(adminCred, "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": run2, "key": "nan", "value": "NaN", "timestamp": 2, "step": 2})
	s.must(adminCred, "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": run2, "key": "normal", "value": 123, "timestamp": 1, "step": 1})
	for i := range 3 {
		s.must(adminCred, "POST", "/api/2.0/mlflow/runs/log-metric", map[string]any{"run_id": run2, "key": "m", "value": i, "timestamp": 10 + i, "step": i})
	}
	s.must(adminCred, "POST", "/api/2.0/mlflow/runs/log-inputs", map[string]any{"run_id": run2, "datasets": []any{
		map[string]any{"dataset": map[string]any{"name": "d1", "digest": "12345", "source_type": "script", "source": "test"}},
		map[string]any{"dataset": map[string]any{"name": "d2", "digest": "12346", "source_type": "script", "source": "test"},
			"tags": []any{map[string]any{"key": "mlflow.data.context", "value": "training"}}},
	}})
	exp := `{experimentId: "` + f.exp + `"}`
	cases := []graphqlCase{
		{"test", `query testQuery { test(inputString: "abc") { output } }`, `{"test":{"output":"abc"}}`, nil},
		{"testMutation is null", `mutation { testMutation(inputString: "abc") { output } }`, `{"testMutation":null}`, nil},
		{"get experiment", `query testQuery { mlflowGetExperiment(input: ` + exp + `) { experiment { name tags { key value } } apiError { code } } }`,
			`{"mlflowGetExperiment":{"experiment":{"name":"exp-admin-0","tags":[{"key":"t","value":"v"}]},"apiError":null}}`, nil},
		{"typename", `{ __typename mlflowGetExperiment(input: ` + exp + `) { __typename experiment { __typename experimentId } } }`,
			`{"__typename":"Query","mlflowGetExperiment":{"__typename":"MlflowGetExperimentResponse","experiment":{"__typename":"MlflowExperiment","experimentId":"` + f.exp + `"}}}`, nil},
		{"component directive and nested resolvers", `query testQuery @component(name: "Test") { mlflowGetRun(input: {runId: "` + f.run + `"}) { run {
			info { runId status endTime } experiment { name } modelVersions { name version aliases status deploymentJobState { jobState jobId } } } } }`,
			`{"mlflowGetRun":{"run":{"info":{"runId":"` + f.run + `","status":"RUNNING","endTime":"0"},"experiment":{"name":"exp-admin-0"},` +
				`"modelVersions":[{"name":"model-admin-0","version":"1","aliases":["champion"],"status":"READY","deploymentJobState":{"jobState":null,"jobId":""}}]}}}`, nil},
		{"NaN metric is null", `{ mlflowGetRun(input: {runId: "` + run2 + `"}) { run { data { metrics { key value timestamp step } } } } }`,
			`{"mlflowGetRun":{"run":{"data":{"metrics":[{"key":"m","value":2,"timestamp":"12","step":"2"},{"key":"nan","value":null,"timestamp":"2","step":"2"},{"key":"normal","value":123,"timestamp":"1","step":"1"}]}}}}`, nil},
		{"unknown run", `{ mlflowGetRun(input: {runId: "nope"}) { run { info { runId } } } }`, `{"mlflowGetRun":null}`, []string{"Run with id=nope not found"}},
		{"search runs as a mutation", `mutation testMutation { mlflowSearchRuns(input: {experimentIds: ["` + f.exp + `"]}) { runs { info { runId } } nextPageToken } }`,
			`{"mlflowSearchRuns":{"runs":[{"info":{"runId":"` + run2 + `"}},{"info":{"runId":"` + f.run + `"}}],"nextPageToken":""}}`, nil},
		{"search runs as a query, paged", `{ mlflowSearchRuns(input: {experimentIds: ["` + f.exp + `"], maxResults: 1, runViewType: ACTIVE_ONLY}) { runs { info { runId } } } }`,
			`{"mlflowSearchRuns":{"runs":[{"info":{"runId":"` + run2 + `"}}]}}`, nil},
		{"search runs, bad filter", `{ mlflowSearchRuns(input: {experimentIds: ["` + f.exp + `"], filter: "metrics.m > 1 and"}) { runs { info { runId } } } }`,
			`{"mlflowSearchRuns":null}`, []string{"Invalid clause(s) in filter string: 'AND' is not followed by a comparison (at character 15)"}},
		{"metric history bulk interval", `{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["` + run2 + `"], metricKey: "m"}) { metrics { key value timestamp step runId } } }`,
			`{"mlflowGetMetricHistoryBulkInterval":{"metrics":[` +
				`{"key":"m","value":0,"timestamp":"10","step":"0","runId":"` + run2 + `"},` +
				`{"key":"m","value":1,"timestamp":"11","step":"1","runId":"` + run2 + `"},` +
				`{"key":"m","value":2,"timestamp":"12","step":"2","runId":"` + run2 + `"}]}}`, nil},
		{"list artifacts", `{ files: mlflowListArtifacts(input: {runId: "` + f.run + `"}) { files { path isDir fileSize } } }`,
			`{"files":{"files":[{"path":"f.txt","isDir":false,"fileSize":"3"}]}}`, nil},
		{"search datasets", `mutation { mlflowSearchDatasets(input: {experimentIds: ["` + f.exp + `"]}) { datasetSummaries { experimentId name digest context } } }`,
			`{"mlflowSearchDatasets":{"datasetSummaries":[` +
				`{"experimentId":"` + f.exp + `","name":"d1","digest":"12345","context":""},` +
				`{"experimentId":"` + f.exp + `","name":"d2","digest":"12346","context":"training"}]}}`, nil},
		{"search model versions", `{ mlflowSearchModelVersions(input: {filter: "name='model-admin-0'", maxResults: "5"}) { modelVersions { name source runId } } }`,
			`{"mlflowSearchModelVersions":{"modelVersions":[{"name":"model-admin-0","source":"runs:/` + f.run + `/model","runId":"` + f.run + `"}]}}`, nil},
		{"unknown field", `{ nope }`, `null`, []string{`Cannot query field "nope" on type "Query".`}},
		{"too many root fields", "{" + strings.Repeat(`test(inputString: "a") { output } `, 11) + "}", `null`,
			[]string{"GraphQL queries should have at most 10 root fields, got 11 root fields."}},
	}
	runGraphQLCases(t, s, adminCred, cases)

	t.Run("variables", func(t *testing.T) {
		code, b := s.do(adminCred, "POST", "/graphql", map[string]any{
			"query":     `query Q($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { name } } }`,
			"variables": map[string]any{"id": f.exp}, "operationName": "Q"})
		if want := `{"data":{"mlflowGetExperiment":{"experiment":{"name":"exp-admin-0"}}},"errors":null}`; code != 200 || string(b) != want {
			t.Errorf("got %d %s, want 200 %s", code, b, want)
		}
	})
	t.Run("GET", func(t *testing.T) {
		q := url.Values{"query": {`query Q { test(inputString: "x") { output } }`}}
		code, b := s.do(adminCred, "GET", "/graphql?"+q.Encode(), nil)
		if want := `{"data":{"test":{"output":"x"}},"errors":null}`; code != 200 || string(b) != want {
			t.Errorf("got %d %s, want 200 %s", code, b, want)
		}
	})
	t.Run("malformed body", func(t *testing.T) {
		code, b := s.do(adminCred, "POST", "/graphql", "[1, 2]")
		if code != http.StatusBadRequest || !strings.Contains(string(b), "INVALID_PARAMETER_VALUE") {
			t.Errorf("got %d %s, want 400 INVALID_PARAMETER_VALUE", code, b)
		}
	})
	t.Run("no query", func(t *testing.T) {
		if got := s.graphql(adminCred, ""); string(got.Data) != "null" || len(got.Errors) != 1 {
			t.Errorf("got data %s errors %q, want null and one error", got.Data, got.Errors)
		}
	})
}

// TestGraphQLWebUIShapes sends queries shaped as MLflow 3.17.2's web UI
// sends them: operations with a non-null input variable and the @component
// directive, and __typename in every selection set (Apollo Client adds it),
// selecting every field the UI reads. Each must answer without errors.
func TestGraphQLWebUIShapes(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	f := s.mustFixture(adminCred, 0)
	experiment := `experiment { __typename experimentId name artifactLocation lifecycleStage lastUpdateTime creationTime
		effectiveTraceArchivalRetention tags { __typename key value } }`
	run := `__typename
		info { __typename runName runUuid status experimentId artifactUri startTime endTime lifecycleStage userId }
		` + experiment + `
		data { __typename metrics { __typename key value step timestamp } params { __typename key value } tags { __typename key value } }
		inputs { __typename datasetInputs { __typename tags { __typename key value }
			dataset { __typename name digest source sourceType schema profile } } modelInputs { __typename modelId } }
		outputs { __typename modelOutputs { __typename modelId step } }
		modelVersions { __typename name version source status creationTimestamp }`
	apiError := `apiError { __typename code message helpUrl }`
	tests := []struct {
		name, query string
		vars        map[string]any
		want        []string // substrings of the data
	}{
		{"run page", `query RunPage($data: MlflowGetRunInput!) @component(name: "weir.test") {
			mlflowGetRun(input: $data) { __typename ` + apiError + ` run { ` + run + ` } } }`,
			map[string]any{"data": map[string]any{"runId": f.run}},
			[]string{`"runUuid":"` + f.run + `"`, `"__typename":"MlflowRunExtension"`, `"modelVersions":[{"__typename":"MlflowModelVersion","name":"model-admin-0"`}},
		{"runs of an experiment", `query Runs($data: MlflowSearchRunsInput!) {
			mlflowSearchRuns(input: $data) { __typename ` + apiError + ` runs { ` + run + ` } } }`,
			map[string]any{"data": map[string]any{"experimentIds": []string{f.exp}, "filter": "", "runViewType": "ACTIVE_ONLY"}},
			[]string{`"runs":[{"__typename":"MlflowRunExtension"`, `"name":"exp-admin-0"`}},
		{"metric chart", `query Chart($data: MlflowGetMetricHistoryBulkIntervalInput!) @component(name: "weir.test") {
			mlflowGetMetricHistoryBulkInterval(input: $data) { __typename ` + apiError + ` metrics { __typename runId key value step timestamp } } }`,
			map[string]any{"data": map[string]any{"runIds": []string{f.run}, "metricKey": "m", "maxResults": 320}},
			[]string{`"metrics":[{"__typename":"MlflowMetricWithRunId","runId":"` + f.run + `","key":"m","value":1,"step":"0","timestamp":"1"}]`}},
		{"experiment header", `query Exp($input: MlflowGetExperimentInput!) @component(name: "weir.test") {
			mlflowGetExperiment(input: $input) { __typename ` + apiError + ` ` + experiment + ` } }`,
			map[string]any{"input": map[string]any{"experimentId": f.exp}},
			[]string{`"experimentId":"` + f.exp + `"`, `"effectiveTraceArchivalRetention":""`, `"apiError":null`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, b := s.do(adminCred, "POST", "/graphql", map[string]any{"query": tc.query, "variables": tc.vars})
			var a graphqlAnswer
			if err := json.Unmarshal(b, &a); code != http.StatusOK || err != nil {
				t.Fatalf("status %d, body %s", code, b)
			}
			if a.Errors != nil {
				t.Fatalf("errors %q", a.Errors)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(a.Data), w) {
					t.Errorf("data %s\nlacks %s", a.Data, w)
				}
			}
		})
	}
}
