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
	return map[string]http.HandlerFunc{
		"GET /mlflow-artifacts/artifacts":               s.artifactsOnly(s.api(s.proxyList)),
		"GET /mlflow-artifacts/artifacts/{path...}":     s.artifactsOnly(s.proxyDownload),
		"PUT /mlflow-artifacts/artifacts/{path...}":     s.artifactsOnly(s.api(s.proxyUpload)),
		"DELETE /mlflow-artifacts/artifacts/{path...}":  s.artifactsOnly(s.api(s.proxyDelete)),
		"POST /mlflow-artifacts/mpu/create/{path...}":   s.artifactsOnly(s.api(s.mpuCreate)),   // mpu.go
		"POST /mlflow-artifacts/mpu/complete/{path...}": s.artifactsOnly(s.api(s.mpuComplete)), // mpu.go
		"POST /mlflow-artifacts/mpu/abort/{path...}":    s.artifactsOnly(s.api(s.mpuAbort)),    // mpu.go
		"GET /mlflow-artifacts/presigned/{path...}":     s.artifactsOnly(s.api(s.presignedDownload)),
	}
}

// registryRoutes are MLflow's model registry, webhook and logged-model
// APIs. Each answers 404 ENDPOINT_NOT_FOUND (webhooks: FEATURE_DISABLED)
// while the Server field it needs is nil.
func (s *Server) registryRoutes() []route {
	rm, lm, wh := s.needRegistry, s.needLoggedModels, s.needWebhooks
	return []route{
		{"POST", "/mlflow/registered-models/create", rm(s.createRegisteredModel)},
		{"GET", "/mlflow/registered-models/get", rm(s.getRegisteredModel)},
		{"POST", "/mlflow/registered-models/rename", rm(s.renameRegisteredModel)},
		{"PATCH", "/mlflow/registered-models/update", rm(s.updateRegisteredModel)},
		{"DELETE", "/mlflow/registered-models/delete", rm(s.deleteRegisteredModel)},
		{"GET", "/mlflow/registered-models/search", rm(s.searchRegisteredModels)},
		{"POST", "/mlflow/registered-models/get-latest-versions", rm(s.getLatestVersions)},
		{"GET", "/mlflow/registered-models/get-latest-versions", rm(s.getLatestVersions)},
		{"POST", "/mlflow/registered-models/set-tag", rm(s.setRegisteredModelTag)},
		{"DELETE", "/mlflow/registered-models/delete-tag", rm(s.deleteRegisteredModelTag)},
		{"POST", "/mlflow/registered-models/alias", rm(s.setRegisteredModelAlias)},
		{"DELETE", "/mlflow/registered-models/alias", rm(s.deleteRegisteredModelAlias)},
		{"GET", "/mlflow/registered-models/alias", rm(s.getModelVersionByAlias)},

		{"POST", "/mlflow/model-versions/create", rm(s.createModelVersion)},
		{"GET", "/mlflow/model-versions/get", rm(s.getModelVersion)},
		{"PATCH", "/mlflow/model-versions/update", rm(s.updateModelVersion)},
		{"DELETE", "/mlflow/model-versions/delete", rm(s.deleteModelVersion)},
		{"GET", "/mlflow/model-versions/search", rm(s.searchModelVersions)},
		{"GET", "/mlflow/model-versions/get-download-uri", rm(s.getModelVersionDownloadURI)},
		{"POST", "/mlflow/model-versions/transition-stage", rm(s.transitionModelVersionStage)},
		{"POST", "/mlflow/model-versions/set-tag", rm(s.setModelVersionTag)},
		{"DELETE", "/mlflow/model-versions/delete-tag", rm(s.deleteModelVersionTag)},

		{"POST", "/mlflow/webhooks", wh(s.createWebhook)},
		{"GET", "/mlflow/webhooks", wh(s.listWebhooks)},
		{"GET", "/mlflow/webhooks/{webhook_id}", wh(s.getWebhook)},
		{"PATCH", "/mlflow/webhooks/{webhook_id}", wh(s.updateWebhook)},
		{"DELETE", "/mlflow/webhooks/{webhook_id}", wh(s.deleteWebhook)},
		{"POST", "/mlflow/webhooks/{webhook_id}/test", wh(s.testWebhook)},

		{"POST", "/mlflow/logged-models", lm(s.createLoggedModel)},
		{"POST", "/mlflow/logged-models/search", lm(s.searchLoggedModels)},
		{"GET", "/mlflow/logged-models/{model_id}", lm(s.getLoggedModel)},
		{"PATCH", "/mlflow/logged-models/{model_id}", lm(s.finalizeLoggedModel)},
		{"DELETE", "/mlflow/logged-models/{model_id}", lm(s.deleteLoggedModel)},
		{"PATCH", "/mlflow/logged-models/{model_id}/tags", lm(s.setLoggedModelTags)},
		{"DELETE", "/mlflow/logged-models/{model_id}/tags/{tag_key...}", lm(s.deleteLoggedModelTag)},
		{"POST", "/mlflow/logged-models/{model_id}/params", lm(s.logLoggedModelParams)},
		{"GET", "/mlflow/logged-models/{model_id}/artifacts/directories", lm(s.listLoggedModelArtifacts)},
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
	// Registry, webhooks and logged models (registry*.go, webhook*.go,
	// loggedmodel*.go): served under both prefixes like the tracking API.
	for _, rt := range s.registryRoutes() {
		h := s.api(rt.handler)
		handle(rt.method, "/api/2.0"+rt.path, h)
		handle(rt.method, "/ajax-api/2.0"+rt.path, h)
	}
	for _, rt := range s.traceRoutes() { // traces.go
		h := s.api(rt.handler)
		for _, prefix := range tracePrefixes {
			handle(rt.method, prefix+rt.path, h)
		}
	}
	for _, rt := range s.datasetRoutes() { // datasets.go, scorers.go
		h := s.api(rt.handler)
		for _, prefix := range datasetPrefixes {
			handle(rt.method, prefix+rt.path, h)
		}
	}
	handle("POST", "/v1/traces", s.api(s.otlpTraces))                                                   // otlp.go
	handle("POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", s.api(s.searchDatasetSummaries)) // search_datasets.go
	handle("GET", "/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files", http.HandlerFunc(s.getLoggedModelArtifact))
	handle("GET", "/get-artifact", http.HandlerFunc(s.getArtifact))
	// The UI's model-version downloads and uploads (artifacts_*.go).
	handle("GET", "/model-versions/get-artifact", http.HandlerFunc(s.getModelVersionArtifact))
	handle("POST", "/ajax-api/2.0/mlflow/upload-artifact", s.api(s.uploadRunArtifact))
	// The UI's older bulk history endpoint exists only under /ajax-api.
	handle("GET", "/ajax-api/2.0/mlflow/metrics/get-history-bulk", s.api(s.getMetricHistoryBulk))
	handle("GET", "/api/3.0/mlflow/server-info", s.api(s.serverInfo))
	handle("GET", "/ajax-api/3.0/mlflow/server-info", s.api(s.serverInfo))
	handle("GET", "/health", http.HandlerFunc(health))
	handle("GET", "/version", http.HandlerFunc(version))
	handle("POST", "/graphql", s.api(s.serveGraphQL)) // graphql.go
	handle("GET", "/graphql", s.api(s.serveGraphQL))

	// Everything else is the web UI (ui.Handler), when there is one.
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.UI == nil {
			http.NotFound(w, r)
			return
		}
		s.UI.ServeHTTP(w, r)
	}))
	unknown := s.unknownRoute(known)
	mux.Handle("/api/", unknown)
	mux.Handle("/ajax-api/", unknown)
	s.authRoutes(handle)                         // auth_users.go
	return s.authGuard(s.artifactPathGuard(mux)) // auth.go, artifacts_guard.go
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
