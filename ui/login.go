package ui

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// loginData is what the login page shows.
type loginData struct {
	Next, Username, Error string
}

// loginPage shows the login form; with auth off there is nothing to log
// in to.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if h.Auth == nil {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Authentication is off on this server.")
	}
	return &view{Template: "login", Title: "Log in", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}}, nil
}

// login checks the form's username and password and opens a session: an
// HttpOnly, SameSite=Strict cookie holding a session token. A wrong
// password shows the form again; too many of them a 429.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.Auth == nil {
		h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrResourceDoesNotExist, "Authentication is off on this server.")))
		return
	}
	if !strictSameOrigin(r) {
		h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrPermissionDenied, "Cross-site form posts are refused.")))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrBadRequest, "The form could not be read.")))
		return
	}
	data := loginData{Next: safeNext(r.PostForm.Get("next")), Username: r.PostForm.Get("username")}
	secret, _, err := h.Auth.Login(r.Context(), data.Username, r.PostForm.Get("password"), clientIP(r))
	switch {
	case errors.Is(err, auth.ErrTooManyAttempts):
		data.Error = "Too many failed attempts. Try again in a few minutes."
		h.render(w, r, &view{Template: "login", Title: "Log in", Data: data, Status: http.StatusTooManyRequests})
		return
	case errors.Is(err, auth.ErrBadCredentials):
		data.Error = "Wrong username or password."
		h.render(w, r, &view{Template: "login", Title: "Log in", Data: data, Status: http.StatusUnauthorized})
		return
	case err != nil:
		h.render(w, r, h.errorView(r, err))
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: auth.SessionCookie, Value: secret, Path: "/",
		MaxAge: int(auth.SessionLifetime.Seconds()), HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

// logout ends the session and clears its cookie.
func (h *Handler) logout(r *http.Request) (string, error) {
	if h.Auth == nil {
		return "", weir.Errorf(weir.ErrResourceDoesNotExist, "Authentication is off on this server.")
	}
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		if err := h.Auth.Logout(r.Context(), c.Value); err != nil {
			return "", err
		}
	}
	return "/login", nil
}

// clearSession expires the session cookie in the browser.
func clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// safeNext keeps a redirect target on this site: a local path, never a
// scheme-relative //host or a backslash trick.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

// strictSameOrigin requires a browser's word that a post comes from this
// site: Origin naming this host, or Sec-Fetch-Site same-origin. Logging in
// from a foreign page (login CSRF) is refused even without a session.
func strictSameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		return sameOrigin(r)
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logoutAction ends the session, clears the cookie and goes to the login
// page; like every form it must come from this site.
func (h *Handler) logoutAction(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrPermissionDenied, "Cross-site form posts are refused.")))
		return
	}
	to, err := h.logout(r)
	if err != nil {
		h.render(w, r, h.errorView(r, err))
		return
	}
	clearSession(w)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
