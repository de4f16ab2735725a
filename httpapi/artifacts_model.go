package httpapi

import (
	"net/http"

	"github.com/weir-ml/weir/artifact"
)

// getModelVersionArtifact serves the web UI's GET
// /model-versions/get-artifact?name=&version=&path=: a file under a model
// version's download URI, wherever artifactRoot can read it.
func (s *Server) getModelVersionArtifact(w http.ResponseWriter, r *http.Request) {
	if s.Registry == nil {
		s.writeError(w, r, notServed(r))
		return
	}
	q := r.URL.Query()
	rel, err := artifact.CleanPath(q.Get("path"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var v validator
	name := v.reqStr("name", str{V: q.Get("name")})
	version := v.reqStr("version", str{V: q.Get("version")})
	if v.err != nil {
		s.writeError(w, r, v.err)
		return
	}
	uri, err := s.Registry.GetModelVersionDownloadURI(r.Context(), name, version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	store, root, err := s.artifactRoot(uri)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendFile(w, r, store, joinPath(root, rel))
}
