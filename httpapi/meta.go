package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir"
)

// health answers load balancers and MLflow's own readiness checks.
func health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("OK"))
}

// version reports the MLflow version whose protocol Weir speaks, as mlflow
// server does; clients compare it to their own.
func version(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(weir.MLflowVersion))
}

// serverInfo tells MLflow 3 clients which store backs the server. They ask
// before using workspaces and in their telemetry.
func (s *Server) serverInfo(w *jsonWriter, r *http.Request) error {
	w.openObject()
	w.stringField("store_type", "SqlStore")
	w.boolField("workspaces_enabled", false)
	// Clients use presigned multipart transfers for large files only when
	// asked to here (mpu.go); stores without them leave the fields out.
	if up, down := s.multipartCapabilities(); up || down {
		w.boolField("multipart_uploads_enabled", up)
		w.boolField("multipart_downloads_enabled", down)
	}
	w.closeObject()
	return nil
}
