package httpapi

import (
	"net/http"
	"strings"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/auth"
)

// authorizeRoute checks the routes that reach stores without going
// through a guarded service: the artifact proxy (its paths start with the
// experiment ID), the UI's upload and download endpoints, and webhooks,
// which only admins may use. A token without the write scope may only
// read. Everything else is checked by the guarded services.
func (s *Server) authorizeRoute(r *http.Request, p *principal) error {
	if p.readOnly() && !readRequest(r) {
		return errDenied
	}
	if p.User.IsAdmin {
		return nil
	}
	rest := r.URL.Path
	for _, prefix := range []string{"/api/2.0", "/ajax-api/2.0"} {
		if s, ok := strings.CutPrefix(rest, prefix); ok {
			rest = s
			break
		}
	}
	ctx := r.Context()
	if !strings.Contains(rest, "artifact") && !strings.HasPrefix(rest, "/mlflow/webhooks") {
		return nil // the common case: the guarded services check
	}
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(rest, "/mlflow/webhooks"):
		return errDenied
	case rest == "/mlflow-artifacts/artifacts":
		return s.checkArtifactPath(r, q.Get("path"), auth.ActionRead)
	case strings.HasPrefix(rest, "/mlflow-artifacts/artifacts/"):
		a := auth.ActionRead
		switch r.Method {
		case http.MethodPut:
			a = auth.ActionUpdate
		case http.MethodDelete:
			a = auth.ActionDelete
		}
		return s.checkArtifactPath(r, strings.TrimPrefix(rest, "/mlflow-artifacts/artifacts/"), a)
	case strings.HasPrefix(rest, "/mlflow-artifacts/mpu/"):
		_, p, _ := strings.Cut(strings.TrimPrefix(rest, "/mlflow-artifacts/mpu/"), "/")
		return s.checkArtifactPath(r, p, auth.ActionUpdate)
	case strings.HasPrefix(rest, "/mlflow-artifacts/presigned/"):
		return s.checkArtifactPath(r, strings.TrimPrefix(rest, "/mlflow-artifacts/presigned/"), auth.ActionRead)
	case rest == "/mlflow/upload-artifact":
		return s.checkRunParam(r, auth.ActionUpdate)
	case rest == "/get-artifact":
		return s.checkRunParam(r, auth.ActionRead)
	case rest == "/model-versions/get-artifact":
		return s.permGuard.checkModel(ctx, q.Get("name"), auth.ActionRead)
	}
	return nil
}

// checkArtifactPath checks a proxied artifact path against the permission
// on its experiment, the first element of every path the server gives out
// (<experiment>/<run>/artifacts/..., <experiment>/models/<id>/...). Other
// paths are for admins.
func (s *Server) checkArtifactPath(r *http.Request, p string, a auth.Action) error {
	clean, err := artifact.CleanPath(p)
	if err != nil {
		return err
	}
	exp, _, _ := strings.Cut(clean, "/")
	if !isExperimentID(exp) {
		return errDenied
	}
	return s.permGuard.check(r.Context(), auth.Experiment, exp, a)
}

func isExperimentID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// checkRunParam checks the run named by the run_id or run_uuid parameter.
func (s *Server) checkRunParam(r *http.Request, a auth.Action) error {
	q := r.URL.Query()
	id := q.Get("run_id")
	if id == "" {
		id = q.Get("run_uuid")
	}
	if id == "" {
		return nil // the handler reports the missing parameter
	}
	return s.permGuard.checkRun(r.Context(), id, a)
}

// readRequest reports whether a request only reads: GETs, and the POSTs
// that are searches or GraphQL queries.
func readRequest(r *http.Request) bool {
	if safeMethod(r.Method) {
		return true
	}
	if r.Method != http.MethodPost {
		return false
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/mlflow/experiments/search"),
		strings.HasSuffix(r.URL.Path, "/mlflow/runs/search"),
		strings.HasSuffix(r.URL.Path, "/mlflow/logged-models/search"),
		strings.HasSuffix(r.URL.Path, "/mlflow/registered-models/get-latest-versions"),
		strings.HasSuffix(r.URL.Path, "/mlflow/traces/search"),
		strings.HasSuffix(r.URL.Path, "/mlflow/traces/batchGetInfos"),
		strings.HasSuffix(r.URL.Path, "/mlflow/traces/metrics"),
		strings.HasSuffix(r.URL.Path, "/mlflow/traces/calculate-filter-correlation"),
		strings.HasSuffix(r.URL.Path, "/mlflow/datasets/search"),
		r.URL.Path == "/graphql": // every GraphQL field reads (graphql_resolvers.go)
		return true
	}
	return false
}
