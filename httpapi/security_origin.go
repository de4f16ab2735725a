package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/weir-ml/weir"
)

// This file refuses cross-site state changes and answers CORS. A page on
// another site can make the user's browser send a POST with a "simple"
// content type (text/plain, a form) without asking first; browsers mark
// such requests with Origin and Sec-Fetch-Site, other clients send neither.

// originList is a compiled --cors-allowed-origins: exact origins or
// patterns with '*', compared in lower case; any allows every origin.
type originList struct {
	any      bool
	patterns []string
}

func compileOrigins(list []string) originList {
	var ol originList
	for _, o := range list {
		o = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(o), "/"))
		switch o {
		case "":
		case "*":
			ol.any = true
		default:
			ol.patterns = append(ol.patterns, o)
		}
	}
	return ol
}

func (ol originList) allows(origin string) bool {
	if ol.any {
		return true
	}
	origin = strings.ToLower(origin)
	for _, p := range ol.patterns {
		if globMatch(p, origin) {
			return true
		}
	}
	return false
}

// stateChanging reports whether a method may change something.
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// SameOrigin reports whether r may change state on this server as far as
// its browser marks tell: it carries no Origin and no cross-site
// Sec-Fetch-Site (not a browser, or a same-origin navigation), or its
// Origin is this server (the request's Host), one of the AllowedHosts the
// operator listed (a proxy in front may rewrite Host), or one of the
// CORSAllowedOrigins. The web UI's form handler uses it too.
func (s *Server) SameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
			return true
		}
		return false
	}
	if origin == "null" { // sandboxed frames, file: pages, redirects
		return false
	}
	if s.origins.allows(origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	oh, op := splitHost(u.Host)
	if op == "" {
		op = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	rh, rp := splitHost(r.Host)
	if oh == rh && (rp == "" || rp == op) {
		return true
	}
	// Only hosts the operator named: the defaults allow localhost on any
	// port as a Host, but another port of localhost is another site.
	for _, p := range s.listedHosts {
		if p.match(oh, op) {
			return true
		}
	}
	return false
}

// checkOrigin answers 403 PERMISSION_DENIED, and returns false, for a
// cross-site request that would change state.
func (s *Server) checkOrigin(w http.ResponseWriter, r *http.Request) bool {
	if !stateChanging(r.Method) || s.SameOrigin(r) {
		return true
	}
	s.logger().Warn("refused a cross-site request", "origin", r.Header.Get("Origin"),
		"sec_fetch_site", r.Header.Get("Sec-Fetch-Site"), "method", r.Method, "path", r.URL.Path)
	s.writeError(w, r, weir.Errorf(weir.ErrPermissionDenied,
		"Cross-site %s %s refused: origin %q is not this server nor an origin allowed with --cors-allowed-origins.",
		r.Method, r.URL.Path, r.Header.Get("Origin")))
	return false
}

// cors adds the CORS answer headers for an Origin in CORSAllowedOrigins and
// answers preflight requests itself; it returns false when it answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	preflight := r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
	if origin == "" || !s.origins.allows(origin) {
		if preflight {
			s.writeError(w, r, weir.Errorf(weir.ErrPermissionDenied,
				"Origin %q is not allowed: start the server with --cors-allowed-origins to allow it.", origin))
			return false
		}
		return true
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if s.origins.any {
		// Any site may read, but browsers then send no cookies or
		// credentials, so a login in front of the server is not lent out.
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if !preflight {
		return true
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return false
}

// guard runs the checks every request passes before any handler: the Host
// allowlist (once the server is open), CORS, and the cross-site check.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	if s.hostsOn && !s.checkHost(w, r) {
		return false
	}
	return s.cors(w, r) && s.checkOrigin(w, r)
}
