package serve

import (
	"net/http"
	"time"

	"github.com/weir-ml/weir"
)

// routes is the whole route table. The first argument of instrument is the
// route label in metrics: a fixed name per pattern, never the raw path.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern, route string, h http.HandlerFunc) {
		mux.Handle(pattern, s.instrument(route, h))
	}
	// MLflow's scoring protocol.
	handle("GET /ping", "ping", s.ping)
	handle("GET /health", "health", s.ping)
	handle("GET /version", "version", s.version)
	handle("POST /invocations", "invocations", s.invocations)
	handle("GET /metrics", "metrics", s.metrics)
	handle("POST /labels", "labels", s.postLabels)

	// Open Inference Protocol v2.
	handle("GET /v2", "v2_server_metadata", s.oipServerMetadata)
	handle("GET /v2/health/live", "v2_live", s.oipLive)
	handle("GET /v2/health/ready", "v2_ready", s.oipReady)
	handle("GET /v2/models/{name}", "v2_model_metadata", s.oipModelMetadata)
	handle("GET /v2/models/{name}/versions/{version}", "v2_model_metadata", s.oipModelMetadata)
	handle("GET /v2/models/{name}/ready", "v2_model_ready", s.oipModelReady)
	handle("GET /v2/models/{name}/versions/{version}/ready", "v2_model_ready", s.oipModelReady)
	handle("POST /v2/models/{name}/infer", "v2_infer", s.oipInfer)
	handle("POST /v2/models/{name}/versions/{version}/infer", "v2_infer", s.oipInfer)

	handle("/", "other", func(w http.ResponseWriter, r *http.Request) {
		writeMLflowError(w, http.StatusNotFound, weir.ErrEndpointNotFound, "No route for "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// statusWriter remembers the status code for the request metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) instrument(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h(sw, r)
		s.Metrics.request(route, sw.code, time.Since(start))
	})
}

// ping answers /ping and /health as MLflow does: 200 with a newline once the
// model is loaded.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if s.current.Load() == nil {
		w.WriteHeader(http.StatusNotFound)
	}
	w.Write([]byte("\n"))
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(weir.Version))
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	s.Metrics.Write(w)
	if s.Drift != nil {
		s.Drift.write(w)
	}
}
