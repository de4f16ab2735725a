package artifact

import (
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
)

// CleanPath checks a caller-supplied artifact path and returns it in canonical
// form: relative, slash-separated, without "." or ".." elements. Absolute
// paths, traversal (also when percent-encoded, once or twice), backslashes,
// NUL bytes and URI schemes are rejected with INVALID_PARAMETER_VALUE, so a
// checked path can never name anything outside a store's root. "" and "."
// give "" (the root).
func CleanPath(p string) (string, error) {
	bad := func() (string, error) {
		// MLflow's exact words, which its clients and tests match on; the
		// docs say what a valid path is.
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path")
	}
	// Decode up to two levels of percent-encoding so that %2e%2e and
	// %252e%252e are seen for what they are.
	decoded := p
	for i := 0; i < 2; i++ {
		d, err := url.PathUnescape(decoded)
		if err != nil {
			return bad()
		}
		decoded = d
	}
	for _, s := range []string{p, decoded} {
		if strings.ContainsAny(s, "\\\x00") || strings.HasPrefix(s, "/") || strings.Contains(s, ":") {
			return bad()
		}
		for _, elem := range strings.Split(s, "/") {
			if elem == ".." {
				return bad()
			}
		}
	}
	if decoded != p {
		// An encoded slash or dot that decodes to something different is
		// never a legitimate file name here.
		return bad()
	}
	c := path.Clean(p)
	if c == "." {
		return "", nil
	}
	return c, nil
}
