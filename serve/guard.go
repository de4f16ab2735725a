package serve

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/weir-ml/weir"
)

// probePaths are the health checks that container runtimes and Kubernetes
// call with whatever Host header and without credentials: they answer
// whatever the host allowlist and the bearer token say, as MLflow's
// server exempts its health endpoints from its host check. They tell only
// that a model is loaded.
var probePaths = map[string]bool{
	"/ping": true, "/health": true, "/v2/health/live": true, "/v2/health/ready": true,
}

// HostAllowlist decides which Host headers the server answers, against DNS
// rebinding: a web page whose name an attacker re-points at 127.0.0.1 sends
// its own name as Host, which the list does not hold. Its patterns are
// MLflow's --allowed-hosts: a name or address, optionally with ":port",
// where * matches any run of characters ("*.example.com", "192.168.*");
// "*" alone allows every host.
type HostAllowlist struct {
	patterns []string
	any      bool
	// private allows the loopback and private-range IP addresses (the
	// default, as MLflow's): a client that reaches the server by such an
	// address typed it, and a rebinding page cannot use an address.
	private bool
}

// NewHostAllowlist returns the allowlist of patterns. With no patterns it
// is the default: localhost names, loopback and private-range addresses,
// and bound, the address the server listens on (unless it is a wildcard
// such as 0.0.0.0, which names no host).
func NewHostAllowlist(patterns []string, bound string) *HostAllowlist {
	a := &HostAllowlist{}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == "*" {
			a.any = true
		}
		a.patterns = append(a.patterns, p)
	}
	if len(a.patterns) > 0 {
		return a
	}
	a.private = true
	a.patterns = []string{"localhost", "*.localhost"}
	if h, _, err := net.SplitHostPort(bound); err == nil {
		bound = h
	}
	if ip, err := netip.ParseAddr(bound); bound != "" && (err != nil || !ip.IsUnspecified()) {
		a.patterns = append(a.patterns, strings.ToLower(bound))
	}
	return a
}

// Allows reports whether a request's Host header (host or host:port) is
// allowed.
func (a *HostAllowlist) Allows(hostport string) bool {
	if a.any {
		return true
	}
	hostport = strings.ToLower(strings.TrimSpace(hostport))
	if hostport == "" {
		return false
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if a.private {
		if ip, err := netip.ParseAddr(host); err == nil {
			ip = ip.Unmap()
			if ip.IsLoopback() || ip.IsPrivate() {
				return true
			}
		}
	}
	for _, p := range a.patterns {
		for _, candidate := range []string{host, hostport, "[" + host + "]"} {
			if globMatch(p, candidate) {
				return true
			}
		}
	}
	return false
}

// globMatch reports whether s matches pattern, in which only * is special
// (any run of characters, dots included), so that IPv6 brackets are plain
// text.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}

// tokenHash is the SHA-256 of a bearer token: comparing hashes in constant
// time hides the token's length as well as its bytes.
type tokenHash [sha256.Size]byte

// guard wraps the routes with the host allowlist and the bearer token,
// both checked before any handler runs. Probes pass both.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if probePaths[r.URL.Path] && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		oip := strings.HasPrefix(r.URL.Path, "/v2")
		if s.hosts != nil && !s.hosts.Allows(r.Host) {
			s.Metrics.refused("host")
			refuse(w, oip, http.StatusForbidden, weir.ErrPermissionDenied,
				"Invalid Host header: this server does not answer for "+quoteHost(r.Host)+" (a DNS rebinding attempt?); start it with --allowed-hosts to allow the name")
			return
		}
		if s.token != nil && !s.bearerOK(r) {
			s.Metrics.refused("token")
			w.Header().Set("WWW-Authenticate", `Bearer realm="weir"`)
			refuse(w, oip, http.StatusUnauthorized, "UNAUTHENTICATED",
				"This server requires Authorization: Bearer <token> (--auth-token-file)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// bearerOK reports whether r carries the server's bearer token.
func (s *Server) bearerOK(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := tokenHash(sha256.Sum256([]byte(strings.TrimSpace(tok))))
	return subtle.ConstantTimeCompare(got[:], s.token[:]) == 1
}

func refuse(w http.ResponseWriter, oip bool, status int, code, msg string) {
	if oip {
		writeOIPError(w, status, msg)
		return
	}
	writeMLflowError(w, status, code, msg)
}

// quoteHost quotes a Host header for a message, cut short.
func quoteHost(h string) string {
	if len(h) > 80 {
		h = h[:80] + "..."
	}
	b := appendString(nil, h)
	return string(b)
}
