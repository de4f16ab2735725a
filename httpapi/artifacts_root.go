package httpapi

import (
	"net/url"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// artifactRoot finds where the server can read the artifacts whose URI is
// uri (a run's or a model version's artifact root): the store and the path
// of the root inside it. It serves
//   - proxied URIs (mlflow-artifacts:/x, http(s)://.../mlflow-artifacts/artifacts/x)
//     from Artifacts, when the server serves artifacts;
//   - URIs under ArtifactsDestination (s3://bucket/prefix/x, or a local
//     path or file: URI below a local destination), which is where runs
//     point when the server does not proxy, from Artifacts, or from the
//     local destination directory when Artifacts is not set;
//   - URIs under a local DefaultArtifactRoot, from that directory.
//
// Anything else, such as a local directory an experiment named outside the
// destination, is not served: the server never reads arbitrary paths of its
// own file system on a client's say-so.
func (s *Server) artifactRoot(uri string) (artifact.Store, string, error) {
	if p, ok := proxiedPath(uri); ok {
		if s.ServeArtifacts && s.Artifacts != nil {
			if clean, err := artifact.CleanPath(p); err == nil {
				return s.Artifacts, clean, nil
			}
		}
		return nil, "", notServedURI(uri)
	}
	rel, local, ok := underDestination(uri, s.ArtifactsDestination)
	if !ok {
		// The server's own local default artifact root is served too, as
		// MLflow serves it: the operator chose that directory, and the
		// same containment check keeps reads inside it.
		if root := localRoot(s.DefaultArtifactRoot); root != "" {
			if rel, _, ok := underDestination(uri, root); ok {
				if clean, err := artifact.CleanPath(rel); err == nil {
					return artifact.NewDir(root), clean, nil
				}
			}
		}
		return nil, "", notServedURI(uri)
	}
	clean, err := artifact.CleanPath(rel)
	if err != nil {
		return nil, "", notServedURI(uri)
	}
	switch {
	case s.Artifacts != nil:
		return s.Artifacts, clean, nil
	case local:
		return artifact.NewDir(s.ArtifactsDestination), clean, nil
	}
	return nil, "", notServedURI(uri)
}

// localRoot returns the directory of a local default artifact root (a path
// or a file: URI), or "" for any other root.
func localRoot(root string) string {
	switch {
	case root == "":
		return ""
	case strings.HasPrefix(root, "file:"):
		u, err := url.Parse(root)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			return ""
		}
		return u.Path
	case filepath.IsAbs(root):
		return root
	}
	return ""
}

func notServedURI(uri string) error {
	return weir.Errorf(weir.ErrInvalidParameterValue,
		"The artifacts at %s are not served by this server; read them from their storage directly.", uri)
}

// underDestination reports whether uri lies at or below the artifact
// destination dest and returns its slash-separated path relative to dest,
// and whether dest is a local directory. Both sides are cleaned first, so
// a ".." in an experiment's artifact location cannot climb out.
func underDestination(uri, dest string) (rel string, local, ok bool) {
	if dest == "" {
		return "", false, false
	}
	if strings.Contains(dest, "://") {
		d := strings.TrimRight(dest, "/")
		if uri == d {
			return "", false, true
		}
		if rest, ok := strings.CutPrefix(uri, d+"/"); ok {
			return rest, false, true
		}
		return "", false, false
	}
	p := uri
	if strings.HasPrefix(uri, "file:") {
		u, err := url.Parse(uri)
		if err != nil || (u.Host != "" && u.Host != "localhost") {
			return "", true, false
		}
		p = u.Path
	} else if strings.Contains(uri, ":") && !filepath.IsAbs(uri) {
		return "", true, false // another scheme
	}
	absDest, err := filepath.Abs(dest)
	if err != nil {
		return "", true, false
	}
	absURI, err := filepath.Abs(p)
	if err != nil {
		return "", true, false
	}
	r, err := filepath.Rel(absDest, absURI)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", true, false
	}
	if r == "." {
		r = ""
	}
	return filepath.ToSlash(r), true, true
}
