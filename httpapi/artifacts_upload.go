package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// maxUIUpload is the largest file the web UI may upload, as in MLflow.
const maxUIUpload = 10 << 20

var errUIUploadTooLarge = weir.Errorf(weir.ErrInvalidParameterValue, "Artifact size is too large. Max size is 10MB.")

// uploadRunArtifact serves the web UI's POST
// /ajax-api/2.0/mlflow/upload-artifact?run_uuid=...&path=...: the raw body
// is a file of at most 10 MB, stored at path under the run's artifact root.
func (s *Server) uploadRunArtifact(w *jsonWriter, r *http.Request) error {
	q := r.URL.Query()
	runID := q.Get("run_uuid")
	if runID == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Request must specify run_uuid.")
	}
	if q.Get("path") == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Request must specify path.")
	}
	rel, err := artifact.CleanPath(q.Get("path"))
	if err != nil {
		return err
	}
	if rel == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: an upload needs a file path.")
	}
	tooLarge := errUIUploadTooLarge
	if r.ContentLength > maxUIUpload {
		return tooLarge
	}
	// Read it all first (10 MB at most) so that a body that turns out too
	// large, or a run that does not exist, stores nothing.
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r.Body, maxUIUpload+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || n > maxUIUpload:
		return tooLarge
	case err != nil:
		return weir.Errorf(weir.ErrBadRequest, "Could not read the request body.")
	case n == 0:
		return weir.Errorf(weir.ErrInvalidParameterValue, "Request must specify data.")
	}
	run, err := s.Tracking.GetRun(r.Context(), runID)
	if err != nil {
		return err
	}
	store, root, err := s.artifactRoot(run.Info.ArtifactURI)
	if err != nil {
		return err
	}
	return store.Put(r.Context(), joinPath(root, rel), &buf)
}
