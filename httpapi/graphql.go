package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	graphql "github.com/graph-gophers/graphql-go"
	gqlerrors "github.com/graph-gophers/graphql-go/errors"
	"github.com/weir-ml/weir"
)

// This file serves /graphql, the GraphQL endpoint MLflow's web UI uses
// (schema in graphql_schema.go, fields in graphql_resolvers.go). As mlflow
// server does, it answers 200 with {"data": ..., "errors": [...]}, where
// errors is a list of messages (null when there are none), and it refuses
// documents over the limits of graphql_limits.go before executing them.

// graphqlMaxQueryBytes bounds the query text; the web UI's are a few KB.
const graphqlMaxQueryBytes = 256 << 10

// graphqlExecutor is the parsed schema, shared by every Server.
var graphqlExecutor = sync.OnceValue(func() *graphql.Schema {
	return graphql.MustParseSchema(graphqlSchema, &graphqlResolver{},
		graphql.UseFieldResolvers(),
		graphql.MaxParallelism(4),
		graphql.MaxQueryLength(graphqlMaxQueryBytes),
		graphql.PanicHandler(graphqlPanics{}),
		graphql.Logger(graphqlPanics{}),
	)
})

// graphqlRequest is the body of a GraphQL request.
type graphqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// graphqlResponse is MLflow's answer: data and a list of error messages.
type graphqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []string        `json:"errors"`
}

// serveGraphQL answers POST /graphql (a JSON body) and GET /graphql (the
// query, operationName and variables in the URL).
func (s *Server) serveGraphQL(w *jsonWriter, r *http.Request) error {
	req, err := readGraphQLRequest(r)
	if err != nil {
		return err
	}
	var res graphqlResponse
	switch {
	case req.Query == "":
		res.Errors = []string{"Must provide a query string."}
	case len(req.Query) > graphqlMaxQueryBytes:
		res.Errors = []string{"Query is longer than the limit of 256 KiB."}
	default:
		if msg := checkGraphQLLimits(req.Query); msg != "" {
			res.Errors = []string{msg}
			break
		}
		ctx := context.WithValue(r.Context(), graphqlServerKey{}, s)
		out := graphqlExecutor().Exec(ctx, req.Query, req.OperationName, req.Variables)
		res.Data = out.Data
		for _, e := range out.Errors {
			res.Errors = append(res.Errors, e.Message)
		}
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	w.b = append(w.b, b...)
	return nil
}

// readGraphQLRequest reads a request's query, operation name and
// variables, refusing a body that is not a JSON object with MLflow's error
// for a malformed request.
func readGraphQLRequest(r *http.Request) (graphqlRequest, error) {
	var req graphqlRequest
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			if err := json.Unmarshal([]byte(v), &req.Variables); err != nil {
				return req, weir.Errorf(weir.ErrInvalidParameterValue, "The variables parameter is not a JSON object: %s", jsonProblem(err))
			}
		}
		return req, nil
	}
	err := decodeWith(r, func(body []byte) error {
		if len(body) == 0 {
			return nil
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Malformed GraphQL request body: %s", jsonProblem(err))
		}
		return nil
	})
	return req, err
}

// graphqlPanics turns a resolver's panic into a logged error and a generic
// message: a panic's value may hold internals.
type graphqlPanics struct{}

// MakePanicError is the message a panicking field answers.
func (graphqlPanics) MakePanicError(ctx context.Context, value any) *gqlerrors.QueryError {
	return &gqlerrors.QueryError{Message: "Internal error."}
}

// LogPanic logs a resolver's panic through the server's logger.
func (graphqlPanics) LogPanic(ctx context.Context, value any) {
	s, _ := ctx.Value(graphqlServerKey{}).(*Server)
	if s != nil {
		s.logger().Error("graphql resolver panicked", "panic", value)
	}
}
