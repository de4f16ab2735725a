package httpapi

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
)

// checkVersionSource refuses model version sources that would let a caller
// register files it does not own, as MLflow's server does: no ".." or NUL
// anywhere (even percent-encoded); local paths and proxied artifact URIs
// only inside the artifact root of the run (or logged model) named by
// run_id (or model_id); runs:/ URIs only of that run.
func (s *Server) checkVersionSource(r *http.Request, c registry.VersionCreate) error {
	src := c.Source
	decoded := unquoteAll(src)
	if strings.ContainsRune(decoded, 0) || hasDotDot(decoded) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model version source: '%s'. If supplying a source as an http, https, "+
			"local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path "+
			"references present. Please provide an absolute path.", src)
	}
	idName := "run_id"
	if c.ModelID != "" {
		idName = "model_id"
	}
	u, err := url.Parse(src)
	if err != nil {
		return sourceNotContained(src, idName)
	}
	if local, ok := localPath(u); ok {
		root, ok := s.sourceRoot(r, c)
		rootPath, isLocal := "", false
		if ru, err := url.Parse(root); ok && err == nil {
			rootPath, isLocal = localPath(ru)
		}
		if !isLocal || !within(local, rootPath) {
			return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model version source: '%s'. To use a local path as a model "+
				"version source, the %s request parameter has to be specified and the local path has to be contained within "+
				"the artifact directory of the run specified by the %s.", src, idName, idName)
		}
		return nil
	}
	switch u.Scheme {
	case "runs":
		runID, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		if u.Host != "" || c.ModelID != "" || runID == "" || runID != c.RunID {
			return sourceNotContained(src, idName)
		}
		return nil
	case "models":
		if u.Host != "" {
			return sourceNotContained(src, idName)
		}
		if id := strings.Trim(u.Path, "/"); strings.HasPrefix(id, "m-") && id != c.ModelID {
			return sourceNotContained(src, "model_id")
		}
		return nil
	}
	if p, ok := proxiedPath(src); ok {
		root, ok := s.sourceRoot(r, c)
		rp, isProxied := proxiedPath(root)
		if !ok || !isProxied || !within("/"+p, "/"+rp) {
			return sourceNotContained(src, idName)
		}
	}
	return nil
}

func sourceNotContained(src, idName string) error {
	return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model version source: '%s'. The %s request parameter must "+
		"identify the resource that contains the source.", src, idName)
}

// sourceRoot returns the artifact URI of the logged model or run the
// request names, or false when it names none or the lookup fails.
func (s *Server) sourceRoot(r *http.Request, c registry.VersionCreate) (string, bool) {
	switch {
	case c.ModelID != "" && s.LoggedModels != nil:
		m, err := s.LoggedModels.GetLoggedModel(r.Context(), c.ModelID)
		if err == nil {
			return m.ArtifactURI, true
		}
	case c.ModelID == "" && c.RunID != "" && s.Tracking != nil:
		run, err := s.Tracking.GetRun(r.Context(), c.RunID)
		if err == nil {
			return run.Info.ArtifactURI, true
		}
	}
	return "", false
}

// localPath returns the file path of a plain path or file: URI.
func localPath(u *url.URL) (string, bool) {
	switch {
	case u.Scheme == "file" && (u.Host == "" || u.Host == "localhost"):
		return path.Clean("/" + u.Path), true
	case u.Scheme == "" && u.Host == "":
		return path.Clean(u.Path), true
	}
	return "", false
}

// within reports whether p is root or lies under it.
func within(p, root string) bool {
	p, root = path.Clean(p), path.Clean(root)
	return p == root || strings.HasPrefix(p, strings.TrimSuffix(root, "/")+"/")
}

// unquoteAll percent-decodes s until it stops changing, so that "%252e%252e"
// is seen as "..".
func unquoteAll(s string) string {
	for range 8 {
		u, err := url.PathUnescape(strings.ReplaceAll(s, "+", " "))
		if err != nil || u == s {
			return s
		}
		s = u
	}
	return s
}

func hasDotDot(s string) bool {
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}
