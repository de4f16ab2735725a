package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
)

// maxArtifactLocation is MLflow's default cap on an experiment's
// artifact_location (MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH).
const maxArtifactLocation = 2048

// paramSchemes are the schemes whose URLs Python's urlparse splits
// ";params" from, which MLflow then rejects; "" is a plain path.
var paramSchemes = map[string]bool{"": true, "ftp": true, "hdl": true, "prospero": true, "http": true,
	"imap": true, "https": true, "shttp": true, "rtsp": true, "rtspu": true, "sip": true, "sips": true,
	"mms": true, "sftp": true, "tel": true}

// checkArtifactLocation applies MLflow's checks to a requested experiment
// artifact location: no fragment or params, no ".." hidden in the query, not
// a runs:/ URI (which would point into another run), and a bounded length.
func checkArtifactLocation(loc string) error {
	bad := func(msg string) error { return weir.Errorf(weir.ErrInvalidParameterValue, "%s", msg) }
	rest, fragment, hasFragment := strings.Cut(loc, "#")
	if hasFragment && fragment != "" {
		return bad("'artifact_location' URL can't include fragments or params.")
	}
	rest, query, _ := strings.Cut(rest, "?")
	scheme := ""
	if i := strings.Index(rest, ":"); i > 0 && isScheme(rest[:i]) {
		scheme = strings.ToLower(rest[:i])
	}
	lastSegment := rest[strings.LastIndex(rest, "/")+1:]
	if paramSchemes[scheme] && strings.Contains(lastSegment, ";") {
		return bad("'artifact_location' URL can't include fragments or params.")
	}
	if strings.Contains(unescapeAll(query), "..") {
		return bad("Invalid query string")
	}
	if strings.HasPrefix(loc, "runs:") {
		return bad("Artifact location cannot be a runs:/ URI. Given: '" + loc + "'")
	}
	if len(loc) > maxArtifactLocation {
		return bad("Invalid artifact path length. The length of the artifact path cannot be greater than " +
			strconv.Itoa(maxArtifactLocation) + " characters.")
	}
	return nil
}

// isScheme reports whether s can be a URI scheme (RFC 3986).
func isScheme(s string) bool {
	for i, c := range s {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// unescapeAll percent-decodes s until it stops changing, so that encoded
// dots cannot slip past a check.
func unescapeAll(s string) string {
	for range 10 {
		d, err := url.QueryUnescape(s)
		if err != nil || d == s {
			return s
		}
		s = d
	}
	return s
}
