package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/weir-ml/weir"
)

// graphqlResolver answers the root fields of Query and Mutation. Each one
// does what MLflow's does: it turns its input into the REST request of the
// same name, runs the REST handler (with its validation, its services, the
// permission guard when auth is on, and its JSON encoding) and reads the
// answer back into the GraphQL types of graphql_types.go.
//
// It holds nothing: the server comes with the request's context
// (graphqlServer), so that one parsed schema serves every Server.
type graphqlResolver struct{}

type graphqlServerKey struct{}

// graphqlServer returns the Server executing the request in ctx.
func graphqlServer(ctx context.Context) *Server {
	return ctx.Value(graphqlServerKey{}).(*Server)
}

// graphqlCall runs a REST handler on the JSON of in, as if path had been
// requested by the same caller, and decodes its answer into out.
func graphqlCall(ctx context.Context, fn apiFunc, path string, in, out any) error {
	body := []byte("{}")
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	w := getWriter()
	defer putWriter(w)
	if err := fn(w, r); err != nil {
		return err
	}
	if len(w.b) == 0 {
		w.b = append(w.b, '{', '}')
	}
	if err := json.Unmarshal(w.b, out); err != nil {
		return err
	}
	fillDefaults(out)
	return nil
}

// graphqlField finishes a field: a permission refusal answers null without an
// error, as MLflow's GraphQL authorization does (auth_guard_graphql.go);
// other errors answer null with their safe message in the errors list.
func graphqlField[T any](ctx context.Context, v *T, err error) (*T, error) {
	switch {
	case err == nil:
		return v, nil
	case graphqlDenied(err):
		return nil, nil
	case weir.ErrorCode(err) == weir.ErrInternal:
		graphqlServer(ctx).logger().Error("graphql field failed", "err", err)
	}
	return nil, errors.New(weir.ErrorMessage(err))
}

type gqlGetExperimentInput struct {
	ExperimentID *string `json:"experiment_id,omitempty"`
}

// MlflowGetExperiment is GetExperiment.
func (q *graphqlResolver) MlflowGetExperiment(ctx context.Context, args struct{ Input *gqlGetExperimentInput }) (*gqlExperimentResponse, error) {
	s := graphqlServer(ctx)
	var out gqlExperimentResponse
	err := graphqlCall(ctx, s.getExperiment, "/api/2.0/mlflow/experiments/get", args.Input, &out)
	return graphqlField(ctx, &out, err)
}

type gqlGetRunInput struct {
	RunID   *string `json:"run_id,omitempty"`
	RunUUID *string `json:"run_uuid,omitempty"`
}

// MlflowGetRun is GetRun.
func (q *graphqlResolver) MlflowGetRun(ctx context.Context, args struct{ Input *gqlGetRunInput }) (*gqlRunResponse, error) {
	s := graphqlServer(ctx)
	var out gqlRunResponse
	err := graphqlCall(ctx, s.getRun, "/api/2.0/mlflow/runs/get", args.Input, &out)
	return graphqlField(ctx, &out, err)
}

type gqlSearchRunsInput struct {
	ExperimentIDs *[]*string `json:"experiment_ids,omitempty"`
	Filter        *string    `json:"filter,omitempty"`
	RunViewType   *string    `json:"run_view_type,omitempty"`
	MaxResults    *int32     `json:"max_results,omitempty"`
	OrderBy       *[]*string `json:"order_by,omitempty"`
	PageToken     *string    `json:"page_token,omitempty"`
}

// MlflowSearchRuns is SearchRuns, on both Query and Mutation (the web UI
// sends it as a mutation).
func (q *graphqlResolver) MlflowSearchRuns(ctx context.Context, args struct{ Input *gqlSearchRunsInput }) (*gqlRunsResponse, error) {
	s := graphqlServer(ctx)
	in := args.Input
	if in != nil && in.ExperimentIDs != nil {
		ids, ok, err := readableExperiments(ctx, *in.ExperimentIDs)
		if err != nil || !ok {
			return graphqlField[gqlRunsResponse](ctx, nil, err)
		}
		in.ExperimentIDs = &ids
	}
	var out gqlRunsResponse
	if err := graphqlCall(ctx, s.searchRuns, "/api/2.0/mlflow/runs/search", in, &out); err != nil {
		return graphqlField[gqlRunsResponse](ctx, nil, err)
	}
	return &out, nil
}

type gqlListArtifactsInput struct {
	RunID     *string `json:"run_id,omitempty"`
	RunUUID   *string `json:"run_uuid,omitempty"`
	Path      *string `json:"path,omitempty"`
	PageToken *string `json:"page_token,omitempty"`
}

// MlflowListArtifacts is ListArtifacts.
func (q *graphqlResolver) MlflowListArtifacts(ctx context.Context, args struct{ Input *gqlListArtifactsInput }) (*gqlArtifactsResponse, error) {
	s := graphqlServer(ctx)
	var out gqlArtifactsResponse
	err := graphqlCall(ctx, s.listArtifacts, "/api/2.0/mlflow/artifacts/list", args.Input, &out)
	return graphqlField(ctx, &out, err)
}

type gqlBulkIntervalInput struct {
	RunIDs     *[]*string `json:"run_ids,omitempty"`
	MetricKey  *string    `json:"metric_key,omitempty"`
	StartStep  *int32     `json:"start_step,omitempty"`
	EndStep    *int32     `json:"end_step,omitempty"`
	MaxResults *int32     `json:"max_results,omitempty"`
}

// MlflowGetMetricHistoryBulkInterval is GetMetricHistoryBulkInterval. An
// empty runIds list answers no metrics, as MLflow's does.
func (q *graphqlResolver) MlflowGetMetricHistoryBulkInterval(ctx context.Context, args struct{ Input *gqlBulkIntervalInput }) (*gqlMetricsResponse, error) {
	s := graphqlServer(ctx)
	var out gqlMetricsResponse
	if in := args.Input; in != nil && in.RunIDs != nil && len(*in.RunIDs) == 0 {
		fillDefaults(&out)
		return &out, nil
	}
	err := graphqlCall(ctx, s.getMetricHistoryBulkInterval, "/api/2.0/mlflow/metrics/get-history-bulk-interval", args.Input, &out)
	return graphqlField(ctx, &out, err)
}

type gqlSearchModelVersionsInput struct {
	Filter     *string     `json:"filter,omitempty"`
	MaxResults *longString `json:"max_results,omitempty"`
	OrderBy    *[]*string  `json:"order_by,omitempty"`
	PageToken  *string     `json:"page_token,omitempty"`
}

// MlflowSearchModelVersions is SearchModelVersions.
func (q *graphqlResolver) MlflowSearchModelVersions(ctx context.Context, args struct{ Input *gqlSearchModelVersionsInput }) (*gqlModelVersionsResponse, error) {
	s := graphqlServer(ctx)
	var out gqlModelVersionsResponse
	err := graphqlCall(ctx, s.needRegistry(s.searchModelVersions), "/api/2.0/mlflow/model-versions/search", args.Input, &out)
	return graphqlField(ctx, &out, err)
}

type gqlSearchDatasetsInput struct {
	ExperimentIDs *[]*string `json:"experiment_ids,omitempty"`
}

// MlflowSearchDatasets is the web UI's SearchDatasets: the datasets the
// experiments' runs used.
func (q *graphqlResolver) MlflowSearchDatasets(ctx context.Context, args struct{ Input *gqlSearchDatasetsInput }) (*gqlDatasetsResponse, error) {
	s := graphqlServer(ctx)
	in := args.Input
	if in != nil && in.ExperimentIDs != nil && len(*in.ExperimentIDs) > 0 {
		ids, ok, err := readableExperiments(ctx, *in.ExperimentIDs)
		if err != nil || !ok {
			return graphqlField[gqlDatasetsResponse](ctx, nil, err)
		}
		in.ExperimentIDs = &ids
	}
	var out gqlDatasetsResponse
	err := graphqlCall(ctx, s.searchDatasetSummaries, "/ajax-api/2.0/mlflow/experiments/search-datasets", in, &out)
	return graphqlField(ctx, &out, err)
}

// Test echoes its input.
func (q *graphqlResolver) Test(args struct{ InputString *string }) *gqlTest {
	return &gqlTest{Output: args.InputString}
}

// TestMutation answers null: MLflow's schema declares it without a
// resolver that runs.
func (q *graphqlResolver) TestMutation(args struct{ InputString *string }) *gqlTest {
	return nil
}

// Experiment is the run's experiment.
func (r *gqlRun) Experiment(ctx context.Context) (*gqlExperiment, error) {
	s := graphqlServer(ctx)
	var out gqlExperimentResponse
	err := graphqlCall(ctx, s.getExperiment, "/api/2.0/mlflow/experiments/get", gqlGetExperimentInput{ExperimentID: r.Info.ExperimentID}, &out)
	res, err := graphqlField(ctx, &out, err)
	if res == nil {
		return nil, err
	}
	return res.Experiment, nil
}

// ModelVersions are the registered model versions made from the run, those
// the caller may read when auth is on. Without a registry there are none.
func (r *gqlRun) ModelVersions(ctx context.Context) (*[]*gqlModelVersion, error) {
	s := graphqlServer(ctx)
	if s.Registry == nil {
		return &[]*gqlModelVersion{}, nil
	}
	filter := "run_id='" + *r.Info.RunID + "'"
	var out gqlModelVersionsResponse
	err := graphqlCall(ctx, s.searchModelVersions, "/api/2.0/mlflow/model-versions/search", gqlSearchModelVersionsInput{Filter: &filter}, &out)
	res, err := graphqlField(ctx, &out, err)
	if res == nil {
		return nil, err
	}
	return res.ModelVersions, nil
}
