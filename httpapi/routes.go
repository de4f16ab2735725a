package httpapi

import (
	"net/http"
	"sort"
	"strings"

	"github.com/weir-ml/weir"
)

// route is one MLflow endpoint: method and path after the /api/2.0 (or
// /ajax-api/2.0) prefix.
type route struct {
	method  string
	path    string
	handler apiFunc
}

// trackingRoutes is MLflow's tracking API. Each route is served under both
// /api/2.0 (API clients) and /ajax-api/2.0 (the web UI).
func (s *Server) trackingRoutes() []route {
	return []route{
		{"POST", "/mlflow/experiments/create", s.createExperiment},
		{"GET", "/mlflow/experiments/get", s.getExperiment},
		{"GET", "/mlflow/experiments/get-by-name", s.getExperimentByName},
		{"POST", "/mlflow/experiments/search", s.searchExperiments},
		{"GET", "/mlflow/experiments/search", s.searchExperiments},
		{"POST", "/mlflow/experiments/update", s.updateExperiment},
		{"POST", "/mlflow/experiments/delete", s.deleteExperiment},
		{"POST", "/mlflow/experiments/restore", s.restoreExperiment},
		{"POST", "/mlflow/experiments/set-experiment-tag", s.setExperimentTag},
		{"POST", "/mlflow/experiments/delete-experiment-tag", s.deleteExperimentTag},

		{"POST", "/mlflow/runs/create", s.createRun},
		{"GET", "/mlflow/runs/get", s.getRun},
		{"POST", "/mlflow/runs/update", s.updateRun},
		{"POST", "/mlflow/runs/delete", s.deleteRun},
		{"POST", "/mlflow/runs/restore", s.restoreRun},
		{"POST", "/mlflow/runs/search", s.searchRuns},
		{"POST", "/mlflow/runs/set-tag", s.setTag},
		{"POST", "/mlflow/runs/delete-tag", s.deleteTag},
		{"POST", "/mlflow/runs/log-parameter", s.logParam},
		{"POST", "/mlflow/runs/log-metric", s.logMetric},
		{"POST", "/mlflow/runs/log-batch", s.logBatch},
		{"POST", "/mlflow/runs/log-inputs", s.logInputs},
		{"POST", "/mlflow/runs/outputs", s.logOutputs},
		{"POST", "/mlflow/runs/log-model", s.logModel},

		{"GET", "/mlflow/metrics/get-history", s.getMetricHistory},
		{"GET", "/mlflow/metrics/get-history-bulk-interval", s.getMetricHistoryBulkInterval},

		{"GET", "/mlflow/artifacts/list", s.listArtifacts},
	}
}

// proxyRoutes are the artifact proxy (proxy.go), also served under both
// /api/2.0 and /ajax-api/2.0. Downloads stream, so these are http handlers.
func (s *Server) proxyRoutes() map[string]http.HandlerFunc {
	notMultipart := s.artifactsOnly(s.api(s.proxyMultipart))
	return map[string]http.HandlerFunc{
		"GET /mlflow-artifacts/artifacts":               s.artifactsOnly(s.api(s.proxyList)),
		"GET /mlflow-artifacts/artifacts/{path...}":     s.artifactsOnly(s.proxyDownload),
		"PUT /mlflow-artifacts/artifacts/{path...}":     s.artifactsOnly(s.api(s.proxyUpload)),
		"DELETE /mlflow-artifacts/artifacts/{path...}":  s.artifactsOnly(s.api(s.proxyDelete)),
		"POST /mlflow-artifacts/mpu/create/{path...}":   notMultipart,
		"POST /mlflow-artifacts/mpu/complete/{path...}": notMultipart,
		"POST /mlflow-artifacts/mpu/abort/{path...}":    notMultipart,
	}
}

// routes builds the whole route table.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	known := map[string][]string{} // path -> methods, for 405 answers
	handle := func(method, path string, h http.Handler) {
		mux.Handle(method+" "+path, h)
		known[path] = append(known[path], method)
	}
	for _, rt := range s.trackingRoutes() {
		h := s.api(rt.handler)
		handle(rt.method, "/api/2.0"+rt.path, h)
		handle(rt.method, "/ajax-api/2.0"+rt.path, h)
	}
	for pattern, h := range s.proxyRoutes() {
		method, rest, _ := strings.Cut(pattern, " ")
		handle(method, "/api/2.0"+rest, h)
		handle(method, "/ajax-api/2.0"+rest, h)
	}
	handle("GET", "/get-artifact", http.HandlerFunc(s.getArtifact))
	// The UI's older bulk history endpoint exists only under /ajax-api.
	handle("GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", s.api(s.getMetricHistoryBulk))
	handle("GET", "/api/3.0/mlflow/server-info", s.api(s.serverInfo))
	handle("GET", "/ajax-api/3.0/mlflow/server-info", s.api(s.serverInfo))
	handle("GET", "/health", http.HandlerFunc(health))
	handle("GET", "/version", http.HandlerFunc(version))

	unknown := s.unknownRoute(known)
	mux.Handle("/api/", unknown)
	mux.Handle("/ajax-api/", unknown)
	return mux
}

// unknownRoute answers API paths no route matched: 405 when the path exists
// under another method, else MLflow's 404 ENDPOINT_NOT_FOUND.
func (s *Server) unknownRoute(known map[string][]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if methods, ok := known[r.URL.Path]; ok {
			allow := append([]string(nil), methods...)
			sort.Strings(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusMethodNotAllowed)
			w.Write(appendErrorJSON(nil, weir.ErrBadRequest,
				"The method "+r.Method+" is not allowed for "+r.URL.Path+"."))
			return
		}
		s.writeError(w, r, weir.Errorf(weir.ErrEndpointNotFound,
			"No API endpoint %s %s.", r.Method, r.URL.Path))
	})
}

// appendErrorJSON appends MLflow's error object.
func appendErrorJSON(b []byte, code, msg string) []byte {
	w := jsonWriter{b: b}
	w.openObject()
	w.stringField("error_code", code)
	w.stringField("message", msg)
	w.closeObject()
	return w.b
}
