package httpapi

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir/artifact"
)

func (s *Server) listArtifacts(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		Path      str `json:"path"`
		PageToken str `json:"page_token"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	rel := v.str("path", req.Path)
	v.str("page_token", req.PageToken)
	if v.err != nil {
		return v.err
	}
	rel, err := artifact.CleanPath(rel)
	if err != nil {
		return err
	}
	run, err := s.Tracking.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("root_uri", run.Info.ArtifactURI)
	// Roots the server cannot read (artifactRoot) are read by clients
	// directly; the server lists nothing for them.
	if store, root, err := s.artifactRoot(run.Info.ArtifactURI); err == nil {
		if err := s.writeFilesFrom(w, r, store, root, rel); err != nil {
			return err
		}
	}
	w.closeObject()
	return nil
}

// writeRunFiles lists directory rel of the run artifact root at Store path
// root, with paths relative to the run's artifact root as MLflow sends them.
func (s *Server) writeRunFiles(w *jsonWriter, r *http.Request, root, rel string) error {
	return s.writeFilesFrom(w, r, s.Artifacts, root, rel)
}

// writeFilesFrom is writeRunFiles on any store.
func (s *Server) writeFilesFrom(w *jsonWriter, r *http.Request, store artifact.Store, root, rel string) error {
	dir := joinPath(root, rel)
	files, err := store.List(r.Context(), dir)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	w.arrayField("files")
	for _, f := range files {
		p := joinPath(rel, path.Base(f.Path))
		if f.Path == dir && !f.IsDir {
			p = rel // the listed path is a file: it lists as itself
		}
		w.element()
		w.stringField("path", p)
		w.boolField("is_dir", f.IsDir)
		// MLflow's JSON leaves out a zero size, so an empty file lists
		// without one, as a directory does.
		if !f.IsDir && f.Size != 0 {
			w.intField("file_size", f.Size)
		}
		w.closeObject()
	}
	w.closeArray()
	return nil
}

// proxiedPath maps a proxied artifact URI to its path in the artifact store:
// mlflow-artifacts:/x, mlflow-artifacts://host/x and
// http(s)://host/.../api/2.0/mlflow-artifacts/artifacts/x all give "x".
func proxiedPath(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "mlflow-artifacts":
		return strings.Trim(u.Path, "/"), true
	case "http", "https":
		const anchor = "/api/2.0/mlflow-artifacts/artifacts"
		i := strings.Index(u.Path, anchor)
		if i < 0 {
			return "", false
		}
		return strings.Trim(u.Path[i+len(anchor):], "/"), true
	}
	return "", false
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}
