package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// EnableAuth turns on MLflow's basic-auth app: every request but the public
// ones (health, version, server-info, static files, the login page) needs a
// user, by HTTP Basic, a bearer token or a login cookie, and the tracking,
// registry, logged-model, trace and dataset services are wrapped so that each call checks
// the caller's permission. Call it after setting those services and before
// handing them to anything else (the UI), and before Open.
func (s *Server) EnableAuth(a *auth.Service) {
	s.Auth = a
	g := &guard{auth: a, tracking: s.Tracking}
	if s.Tracking != nil {
		s.Tracking = guardTracking(s.Tracking, g)
	}
	if s.Registry != nil {
		s.Registry = &guardedRegistry{inner: s.Registry, g: g}
	}
	if s.LoggedModels != nil {
		s.LoggedModels = &guardedLoggedModels{inner: s.LoggedModels, g: g}
	}
	if s.Traces != nil {
		s.Traces = &guardedTraces{inner: s.Traces, g: g} // auth_guard_traces.go
	}
	if s.Datasets != nil {
		s.Datasets = guardDatasets(s.Datasets, g) // auth_guard_datasets.go
	}
	s.permGuard = g
}

// principal is the authenticated caller of a request.
type principal struct {
	User *auth.User
	// Token is the API token or session the caller used; nil for a
	// password.
	Token *auth.Token
	// cookie says the credential came from the session cookie, which a
	// browser sends on its own: such requests must also be same-origin.
	cookie bool
}

// readOnly reports whether the caller used a token without the write scope.
func (p *principal) readOnly() bool {
	return p.Token != nil && !p.Token.HasScope(auth.ScopeWrite) && !p.Token.HasScope(auth.ScopeSession)
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalFrom returns the caller of a request, or nil.
func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// UsernameFrom returns the name of the authenticated caller in ctx, or ""
// when auth is off; for the UI and other handlers mounted in the server.
func UsernameFrom(ctx context.Context) string {
	if p := principalFrom(ctx); p != nil {
		return p.User.Username
	}
	return ""
}

// IsAdminFrom reports whether the authenticated caller in ctx is an admin.
func IsAdminFrom(ctx context.Context) bool {
	p := principalFrom(ctx)
	return p != nil && p.User.IsAdmin
}

// publicPath reports whether a path is served without credentials: what
// MLflow leaves open (health, static files, server-info; not /version) and
// the login page with its styles.
func publicPath(p string) bool {
	if path.Clean(p) != p {
		return false // the mux would serve the cleaned path, which may not be public
	}
	switch p {
	case "/health", "/favicon.ico", "/login",
		"/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info":
		return true
	}
	// /assets/ are the UI's CSS and scripts, which the login page needs.
	return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/static-files/") || strings.HasPrefix(p, "/assets/")
}

// authGuard authenticates every request when auth is on, refuses
// cross-site requests that ride on the session cookie, and applies the
// checks of routes that do not go through a guarded service.
func (s *Server) authGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Auth == nil || publicPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		p, err := s.authenticate(r)
		switch {
		case errors.Is(err, auth.ErrTooManyAttempts):
			w.Header().Set("Retry-After", "60")
			s.writeError(w, r, weir.Errorf(weir.ErrResourceExhausted, "Too many failed login attempts; try again later."))
			return
		case errors.Is(err, auth.ErrBadCredentials):
			s.unauthenticated(w, r)
			return
		case err != nil:
			s.writeError(w, r, err)
			return
		}
		if p.cookie && !safeMethod(r.Method) && !sameOrigin(r) {
			s.writeError(w, r, weir.Errorf(weir.ErrPermissionDenied, "Cross-site request refused."))
			return
		}
		ctx := auth.WithUser(withPrincipal(r.Context(), p), p.User)
		r = r.WithContext(ctx)
		if err := s.authorizeRoute(r, p); err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate finds the caller: HTTP Basic (MLFLOW_TRACKING_USERNAME and
// _PASSWORD), a bearer token (MLFLOW_TRACKING_TOKEN) or the session cookie.
// No credential at all is ErrBadCredentials.
func (s *Server) authenticate(r *http.Request) (*principal, error) {
	ctx := r.Context()
	if user, pass, ok := r.BasicAuth(); ok {
		u, err := s.Auth.Authenticate(ctx, user, pass, clientIP(r))
		if err != nil {
			return nil, err
		}
		return &principal{User: u}, nil
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		u, t, err := s.Auth.AuthenticateToken(ctx, strings.TrimSpace(h[7:]))
		if err != nil {
			return nil, err
		}
		if t.HasScope(auth.ScopeSession) {
			// A session secret is for the cookie only.
			return nil, auth.ErrBadCredentials
		}
		return &principal{User: u, Token: t}, nil
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		u, t, err := s.Auth.AuthenticateToken(ctx, c.Value)
		if err != nil {
			return nil, err
		}
		if !t.HasScope(auth.ScopeSession) {
			return nil, auth.ErrBadCredentials
		}
		return &principal{User: u, Token: t, cookie: true}, nil
	}
	return nil, auth.ErrBadCredentials
}

// unauthenticated answers a request without valid credentials: API
// clients get MLflow's 401 with a Basic challenge; a browser asking for a
// page is sent to the login page.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && !isAPIPath(r.URL.Path) && strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="mlflow"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte("You are not authenticated. Please see " +
		"https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate."))
}

func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ajax-api/")
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin reports whether a browser request comes from this server's
// own pages: its Origin names the Host it was sent to, or, without Origin,
// the browser says Sec-Fetch-Site: same-origin. A request with neither is
// refused, as no browser that sends cookies omits both on a POST.
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host != "" && subtle.ConstantTimeCompare([]byte(u.Host), []byte(r.Host)) == 1
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

// clientIP is the address the request came from, for the login lockout.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// needAuth answers 404 ENDPOINT_NOT_FOUND, as a server without the
// basic-auth app does, while auth is off.
func (s *Server) needAuth(fn apiFunc) apiFunc {
	return func(w *jsonWriter, r *http.Request) error {
		if s.Auth == nil || principalFrom(r.Context()) == nil {
			return weir.Errorf(weir.ErrEndpointNotFound, "No API endpoint %s %s.", r.Method, r.URL.Path)
		}
		return fn(w, r)
	}
}
