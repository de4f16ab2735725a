package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/weir-ml/weir/auth"
)

// TestGraphQLPermissions checks that /graphql reads only what the caller
// may read through REST, answering null (without an error, as MLflow's
// GraphQL authorization does) for what it may not, and that searches keep
// the readable part.
func TestGraphQLPermissions(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	owner := s.mustUser("owner")
	reader := s.mustUser("reader")
	var fs []fixture
	for i := range 3 {
		fs = append(fs, s.mustFixture(owner, i))
	}
	// reader may read experiment 1, and of fixture 2 only the model.
	s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/permissions/create",
		map[string]any{"experiment_id": fs[1].exp, "username": "reader", "permission": "READ"})
	s.must(adminCred, "POST", "/api/2.0/mlflow/registered-models/permissions/create",
		map[string]any{"name": fs[2].model, "username": "reader", "permission": "READ"})
	runQ := func(f fixture) string {
		return `{ mlflowGetRun(input: {runId: "` + f.run + `"}) { run { info { runId } experiment { name } modelVersions { name } } } }`
	}
	cases := []graphqlCase{
		{"experiment denied", `{ mlflowGetExperiment(input: {experimentId: "` + fs[0].exp + `"}) { experiment { name } } }`,
			`{"mlflowGetExperiment":null}`, nil},
		{"experiment granted", `{ mlflowGetExperiment(input: {experimentId: "` + fs[1].exp + `"}) { experiment { name } } }`,
			`{"mlflowGetExperiment":{"experiment":{"name":"exp-owner-1"}}}`, nil},
		{"run denied", runQ(fs[0]), `{"mlflowGetRun":null}`, nil},
		// The run's model version is of a model reader may not read.
		{"run granted, its model versions filtered", runQ(fs[1]),
			`{"mlflowGetRun":{"run":{"info":{"runId":"` + fs[1].run + `"},"experiment":{"name":"exp-owner-1"},"modelVersions":[]}}}`, nil},
		{"run of a readable model denied", runQ(fs[2]), `{"mlflowGetRun":null}`, nil},
		{"artifacts denied", `{ mlflowListArtifacts(input: {runId: "` + fs[0].run + `"}) { files { path } } }`,
			`{"mlflowListArtifacts":null}`, nil},
		{"artifacts granted", `{ mlflowListArtifacts(input: {runId: "` + fs[1].run + `"}) { files { path } } }`,
			`{"mlflowListArtifacts":{"files":[{"path":"f.txt"}]}}`, nil},
		{"metric history of one denied run", `{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["` + fs[1].run + `", "` + fs[0].run + `"], metricKey: "m"}) { metrics { runId } } }`,
			`{"mlflowGetMetricHistoryBulkInterval":null}`, nil},
		{"search runs keeps readable experiments", `mutation { mlflowSearchRuns(input: {experimentIds: ["` + fs[0].exp + `", "` + fs[1].exp + `", "` + fs[2].exp + `"]}) { runs { info { runId } } } }`,
			`{"mlflowSearchRuns":{"runs":[{"info":{"runId":"` + fs[1].run + `"}}]}}`, nil},
		{"search runs of denied experiments", `{ mlflowSearchRuns(input: {experimentIds: ["` + fs[0].exp + `"]}) { runs { info { runId } } } }`,
			`{"mlflowSearchRuns":null}`, nil},
		{"search datasets of denied experiments", `mutation { mlflowSearchDatasets(input: {experimentIds: ["` + fs[0].exp + `", "` + fs[2].exp + `"]}) { datasetSummaries { name } } }`,
			`{"mlflowSearchDatasets":null}`, nil},
		{"search datasets keeps readable experiments", `mutation { mlflowSearchDatasets(input: {experimentIds: ["` + fs[0].exp + `", "` + fs[1].exp + `"]}) { datasetSummaries { name } } }`,
			`{"mlflowSearchDatasets":{"datasetSummaries":[]}}`, nil},
		{"search model versions keeps readable models", `{ mlflowSearchModelVersions(input: {}) { modelVersions { name } } }`,
			`{"mlflowSearchModelVersions":{"modelVersions":[{"name":"model-owner-2"}]}}`, nil},
	}
	runGraphQLCases(t, s, reader, cases)

	t.Run("owner reads all", func(t *testing.T) {
		got := s.graphql(owner, runQ(fs[0]))
		want := `{"mlflowGetRun":{"run":{"info":{"runId":"` + fs[0].run + `"},"experiment":{"name":"exp-owner-0"},"modelVersions":[{"name":"model-owner-0"}]}}}`
		if string(got.Data) != want || got.Errors != nil {
			t.Errorf("got %s %q, want %s", got.Data, got.Errors, want)
		}
	})
	t.Run("read token", func(t *testing.T) {
		ro := s.must(owner, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "ro", "scopes": []string{"read"}})
		got := s.graphql(cred{token: ro["secret"].(string)}, runQ(fs[0]))
		if want := `"runId":"` + fs[0].run + `"`; !strings.Contains(string(got.Data), want) {
			t.Errorf("got %s %q, want a run with %s", got.Data, got.Errors, want)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		if code, _ := s.do(cred{}, "POST", "/graphql", map[string]any{"query": "{ test { output } }"}); code != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", code)
		}
	})
}
