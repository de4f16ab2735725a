package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// artifactPathGuard answers 400 INVALID_PARAMETER_VALUE, as MLflow does,
// for an mlflow-artifacts URL whose path has dot or empty segments, or an
// encoded slash. ServeMux would otherwise answer the first two with a
// redirect to a cleaned path, and would hand the handlers "a%2fb" decoded
// as "a/b": a path that looks like one file and is another.
func (s *Server) artifactPathGuard(next http.Handler) http.Handler {
	const anchor = "/mlflow-artifacts/"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.EscapedPath()
		i := strings.Index(raw, anchor)
		if i < 0 || !(strings.HasPrefix(raw, "/api/") || strings.HasPrefix(raw, "/ajax-api/")) {
			next.ServeHTTP(w, r)
			return
		}
		rest := raw[i+len(anchor):]
		route := ""
		for _, prefix := range []string{"artifacts/", "mpu/create/", "mpu/complete/", "mpu/abort/", "presigned/"} {
			if strings.HasPrefix(rest, prefix) {
				route = prefix
				break
			}
		}
		if route == "" {
			next.ServeHTTP(w, r) // the listing, or no route at all
			return
		}
		if err := checkRawArtifactPath(rest[len(route):]); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkRawArtifactPath checks the still-encoded artifact path of a URL,
// such as "1/<run>/artifacts/model.pkl".
func checkRawArtifactPath(rest string) error {
	decoded, err := url.PathUnescape(rest)
	if err != nil {
		decoded = rest
	}
	bad := weir.Errorf(weir.ErrInvalidParameterValue,
		"Invalid path: %q. Artifact paths must be relative, without '..' or URI schemes.", decoded)
	if strings.Contains(strings.ToLower(rest), "%2f") {
		return bad
	}
	segs := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for _, seg := range segs {
		if seg == "" || seg == "." || seg == ".." {
			return bad
		}
	}
	// Everything CleanPath refuses is refused here too, before routing.
	if _, err := artifact.CleanPath(decoded); err != nil {
		return err
	}
	return nil
}
