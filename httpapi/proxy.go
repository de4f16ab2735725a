package httpapi

import (
	"net/http"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// This file is MLflow's artifact proxy (mlflow-artifacts): clients whose run
// artifact URI is mlflow-artifacts:/<path> upload, download, list and delete
// files through the tracking server, which keeps them in Server.Artifacts.

// artifactsOnly answers 503 in plain text, as MLflow does, when the server
// does not serve artifacts.
func (s *Server) artifactsOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.ServeArtifacts || s.Artifacts == nil {
			http.Error(w, "Endpoint: "+r.URL.Path+" disabled because the server does not serve artifacts. "+
				"Start it with artifact serving enabled.", http.StatusServiceUnavailable)
			return
		}
		h(w, r)
	}
}

// isArtifactUpload tells the body-size limit to leave artifact uploads,
// which may be large model files, alone.
func isArtifactUpload(r *http.Request) bool {
	return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/mlflow-artifacts/artifacts/")
}

func (s *Server) proxyList(w *jsonWriter, r *http.Request) error {
	var req struct {
		Path str `json:"path"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	p := v.str("path", req.Path)
	if v.err != nil {
		return v.err
	}
	dir, err := artifact.CleanPath(p)
	if err != nil {
		return err
	}
	files, err := s.Artifacts.List(r.Context(), dir)
	if err != nil {
		return err
	}
	w.openObject()
	if len(files) > 0 {
		w.arrayField("files")
		for _, f := range files {
			w.element()
			w.stringField("path", path.Base(f.Path))
			w.boolField("is_dir", f.IsDir)
			// MLflow's JSON leaves out a zero size, so an empty file
			// lists without one, as a directory does.
			if !f.IsDir && f.Size != 0 {
				w.intField("file_size", f.Size)
			}
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()
	return nil
}

func (s *Server) proxyUpload(w *jsonWriter, r *http.Request) error {
	p, err := artifact.CleanPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	if p == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: an upload needs a file path.")
	}
	return s.Artifacts.Put(r.Context(), p, r.Body)
}

func (s *Server) proxyDelete(w *jsonWriter, r *http.Request) error {
	p, err := artifact.CleanPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	return s.Artifacts.Delete(r.Context(), p)
}

// proxyMultipart refuses multipart uploads with the message MLflow's client
// recognises: on it, the client falls back to a single PUT.
func (s *Server) proxyMultipart(w *jsonWriter, r *http.Request) error {
	return weir.Errorf(weir.ErrUnsupported, "Multipart upload is not supported for the current artifact repository")
}

func (s *Server) proxyDownload(w http.ResponseWriter, r *http.Request) {
	p, err := artifact.CleanPath(r.PathValue("path"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendArtifact(w, r, p)
}

// getArtifact serves the web UI's GET /get-artifact?run_id=...&path=...: a
// file under a run's proxied artifact root.
func (s *Server) getArtifact(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	runID := q.Get("run_id")
	if runID == "" {
		runID = q.Get("run_uuid")
	}
	rel, err := artifact.CleanPath(q.Get("path"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if runID == "" {
		s.writeError(w, r, weir.Errorf(weir.ErrInvalidParameterValue, "Missing value for required parameter 'run_id'."+docsHint))
		return
	}
	run, err := s.Tracking.GetRun(r.Context(), runID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	store, root, err := s.artifactRoot(run.Info.ArtifactURI)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendFile(w, r, store, joinPath(root, rel))
}

// sendArtifact streams the file at path p of Artifacts (artifacts_send.go).
func (s *Server) sendArtifact(w http.ResponseWriter, r *http.Request, p string) {
	s.sendFile(w, r, s.Artifacts, p)
}
