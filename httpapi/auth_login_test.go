package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/weir-ml/weir/auth"
)

// browser sends requests as a browser would, without following redirects.
type browser struct {
	t      *testing.T
	s      *authServer
	cookie *http.Cookie
}

func (b *browser) send(method, path, origin, form string, header ...string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != "" {
		body = strings.NewReader(form)
	}
	req, err := http.NewRequest(method, b.s.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if strings.HasPrefix(form, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if b.cookie != nil {
		req.AddCookie(b.cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// login posts the login form from the server's own origin and keeps the
// session cookie.
func (b *browser) login(user, password string) {
	b.t.Helper()
	resp, body := b.send("POST", "/login", b.s.url, url.Values{"username": {user}, "password": {password}, "next": {"/experiments"}}.Encode())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/experiments" {
		b.t.Fatalf("login as %s: status %d, Location %q, body %s", user, resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == auth.SessionCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				b.t.Errorf("session cookie HttpOnly=%v SameSite=%v, want HttpOnly and Strict", c.HttpOnly, c.SameSite)
			}
			b.cookie = c
		}
	}
	if b.cookie == nil {
		b.t.Fatal("login set no session cookie")
	}
}

// TestLoginPage walks the browser's way in: redirect to the login page,
// login CSRF refused, a wrong password, a session cookie that works on
// pages and same-origin ajax but not cross-site, pages that show only
// what the user may read, the admin page for admins only, and logout.
func TestLoginPage(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	s.tb = t
	owner := s.mustUser("owner")
	alice := s.mustUser("alice")
	s.must(owner, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": "owners-secret"})
	s.must(alice, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": "alices-own"})
	b := &browser{t: t, s: s}

	resp, _ := b.send("GET", "/experiments", "", "")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
		t.Errorf("page without a session: status %d, Location %q; want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := b.send("GET", "/login", "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /login: status %d, want 200 with a password field", resp.StatusCode)
	}
	form := url.Values{"username": {"alice"}, "password": {alice.password}}.Encode()
	if resp, _ := b.send("POST", "/login", "", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login post with neither Origin nor Sec-Fetch-Site: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.send("POST", "/login", "http://evil.example", form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login post from a foreign origin: status %d, want 403", resp.StatusCode)
	}
	bad := url.Values{"username": {"alice"}, "password": {"wrong-password"}}.Encode()
	if resp, body := b.send("POST", "/login", s.url, bad); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Wrong username or password") {
		t.Errorf("wrong password: status %d, want 401 with a message", resp.StatusCode)
	}

	b.login("alice", alice.password)
	resp, body := b.send("GET", "/experiments", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("experiments page with a session: status %d", resp.StatusCode)
	}
	if !strings.Contains(body, "alices-own") || strings.Contains(body, "owners-secret") {
		t.Errorf("alice's experiments page: shows her own %v, shows the owner's %v; want true, false",
			strings.Contains(body, "alices-own"), strings.Contains(body, "owners-secret"))
	}
	if !strings.Contains(body, "Log out") || strings.Contains(body, `href="/admin"`) {
		t.Error("alice's header lacks Log out or shows the admin link")
	}
	create := `{"name": "from-the-browser"}`
	if resp, _ := b.send("POST", "/ajax-api/2.0/mlflow/experiments/create", "http://evil.example", create); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site ajax write with the session cookie: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := b.send("POST", "/ajax-api/2.0/mlflow/experiments/create", "", create); resp.StatusCode != http.StatusForbidden {
		t.Errorf("ajax write with the cookie and no Origin: status %d, want 403", resp.StatusCode)
	}
	if resp, body := b.send("POST", "/ajax-api/2.0/mlflow/experiments/create", s.url, create); resp.StatusCode != http.StatusOK {
		t.Errorf("same-origin ajax write: status %d, want 200 (%s)", resp.StatusCode, body)
	}
	if resp, _ := b.send("POST", "/ajax-api/2.0/mlflow/experiments/create", "", `{"name": "fetch"}`, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusOK {
		t.Errorf("ajax write with Sec-Fetch-Site same-origin: status %d, want 200", resp.StatusCode)
	}
	if resp, _ := b.send("GET", "/admin", "", ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin page as alice: status %d, want 403", resp.StatusCode)
	}
	session := b.cookie
	if resp, _ := b.send("POST", "/logout", s.url, "x=1"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: status %d, want 303", resp.StatusCode)
	}
	b.cookie = session
	if resp, _ := b.send("GET", "/api/2.0/mlflow/experiments/search?max_results=1", "", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the session cookie after logout: status %d, want 401", resp.StatusCode)
	}

	admin := &browser{t: t, s: s}
	admin.login("admin", adminPassword)
	if resp, body := admin.send("GET", "/admin", "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(body, "alice") {
		t.Errorf("admin page as admin: status %d, lists alice %v", resp.StatusCode, strings.Contains(body, "alice"))
	}
	grant := url.Values{"type": {"experiment"}, "id": {"1"}, "username": {"alice"}, "permission": {"READ"}}.Encode()
	if resp, _ := admin.send("POST", "/admin/grants", s.url, grant); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("grant from the admin page: status %d, want 303", resp.StatusCode)
	}
	if resp, _ := admin.send("POST", "/admin/grants", "http://evil.example", grant); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post to the admin page: status %d, want 403", resp.StatusCode)
	}
	p := s.must(adminCred, "GET", "/api/3.0/mlflow/users/permissions/get?username=alice&resource_type=experiment&resource_id=1", nil)
	if p["permission"] != "READ" {
		t.Errorf("after the admin page's grant alice has %v on experiment 1, want READ", p["permission"])
	}
}
