package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/weir-ml/weir/auth"
)

// collect pages through a search, one result a page, and returns the
// values of field in every result.
func collect(t *testing.T, s *authServer, c cred, method, path string, body map[string]any, list string, field func(map[string]any) string) []string {
	t.Helper()
	var out []string
	token := ""
	for range 100 {
		p, b := path, body
		if method == "GET" {
			p += "&page_token=" + url.QueryEscape(token)
		} else {
			b = map[string]any{}
			for k, v := range body {
				b[k] = v
			}
			b["page_token"] = token
		}
		res := s.must(c, method, p, b)
		items, _ := res[list].([]any)
		for _, it := range items {
			out = append(out, field(it.(map[string]any)))
		}
		token, _ = res["next_page_token"].(string)
		if token == "" {
			sort.Strings(out)
			return out
		}
	}
	t.Fatalf("%s %s: more than 100 pages", method, path)
	return nil
}

// TestSearchFiltering checks that every search answers only what the
// caller may read, page after page, and that an admin sees everything.
func TestSearchFiltering(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	owner := s.mustUser("owner")
	reader := s.mustUser("reader")
	var fs []fixture
	for i := range 4 {
		fs = append(fs, s.mustFixture(owner, i))
	}
	// reader may read fixtures 1 and 3, but of fixture 3 only the model.
	for _, i := range []int{1} {
		s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/permissions/create",
			map[string]any{"experiment_id": fs[i].exp, "username": "reader", "permission": "READ"})
	}
	for _, i := range []int{1, 3} {
		s.must(adminCred, "POST", "/api/2.0/mlflow/registered-models/permissions/create",
			map[string]any{"name": fs[i].model, "username": "reader", "permission": "READ"})
	}
	s.must(adminCred, "POST", "/api/2.0/mlflow/experiments/permissions/create",
		map[string]any{"experiment_id": fs[2].exp, "username": "reader", "permission": "NO_PERMISSIONS"})
	var allExps []any
	for _, f := range fs {
		allExps = append(allExps, f.exp)
	}
	name := func(k string) func(map[string]any) string {
		return func(m map[string]any) string { return fmt.Sprint(m[k]) }
	}
	info := func(k string) func(map[string]any) string {
		return func(m map[string]any) string { return fmt.Sprint(m["info"].(map[string]any)[k]) }
	}
	tests := []struct {
		name      string
		method    string
		path      string
		body      map[string]any
		list      string
		field     func(map[string]any) string
		want, all []string
	}{
		{"experiments", "POST", "/api/2.0/mlflow/experiments/search", map[string]any{"max_results": 1}, "experiments", name("experiment_id"),
			[]string{fs[1].exp}, []string{"0", fs[0].exp, fs[1].exp, fs[2].exp, fs[3].exp}},
		{"runs", "POST", "/api/2.0/mlflow/runs/search", map[string]any{"max_results": 1, "experiment_ids": allExps}, "runs",
			func(m map[string]any) string { return fmt.Sprint(m["info"].(map[string]any)["run_id"]) },
			[]string{fs[1].run}, []string{fs[0].run, fs[1].run, fs[2].run, fs[3].run}},
		{"registered models", "GET", "/api/2.0/mlflow/registered-models/search?max_results=1", nil, "registered_models", name("name"),
			[]string{fs[1].model, fs[3].model}, []string{fs[0].model, fs[1].model, fs[2].model, fs[3].model}},
		{"model versions", "GET", "/api/2.0/mlflow/model-versions/search?max_results=1", nil, "model_versions", name("name"),
			[]string{fs[1].model, fs[3].model}, []string{fs[0].model, fs[1].model, fs[2].model, fs[3].model}},
		{"logged models", "POST", "/api/2.0/mlflow/logged-models/search", map[string]any{"max_results": 1, "experiment_ids": allExps}, "models",
			info("model_id"), []string{fs[1].loggedModel}, []string{fs[0].loggedModel, fs[1].loggedModel, fs[2].loggedModel, fs[3].loggedModel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.tb = t
			for _, c := range []struct {
				who  cred
				want []string
			}{{reader, tt.want}, {adminCred, tt.all}} {
				got := collect(t, s, c.who, tt.method, tt.path, tt.body, tt.list, tt.field)
				want := slices.Clone(c.want)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s sees %q, want %q", c.who.user, got, want)
				}
			}
		})
	}
}

// TestAuthentication checks the ways in and the ways refused: no or wrong
// credentials get MLflow's 401 challenge, public paths stay open, repeated
// failures lock a user and address out with 429, and tokens work as
// bearer credentials within their scope and lifetime.
func TestAuthentication(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.Read)
	alice := s.mustUser("alice")

	for _, c := range []cred{{}, {user: "alice", password: "wrong-password"}, {user: "nobody", password: "x"}, {token: "weir_nonsense"}} {
		req, _ := http.NewRequest("GET", s.url+"/api/2.0/mlflow/experiments/search?max_results=1", nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		} else if c.user != "" {
			req.SetBasicAuth(c.user, c.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got, want := resp.StatusCode, http.StatusUnauthorized; got != want {
			t.Errorf("credentials %q: status %d, want %d", c.user+c.token, got, want)
		}
		if got, want := resp.Header.Get("WWW-Authenticate"), `Basic realm="mlflow"`; got != want {
			t.Errorf("credentials %q: WWW-Authenticate %q, want %q", c.user+c.token, got, want)
		}
	}
	for _, p := range []string{"/health", "/api/3.0/mlflow/server-info", "/ajax-api/3.0/mlflow/server-info", "/login", "/assets/ui.css"} {
		if code, _ := s.do(cred{}, "GET", p, nil); code != http.StatusOK {
			t.Errorf("GET %s without credentials: status %d, want 200", p, code)
		}
	}
	// MLflow's app asks for credentials on /version, and on paths that
	// merely look like public ones.
	for _, p := range []string{"/version", "/healthz", "/assets/../api/2.0/mlflow/experiments/search", "/login/../api/2.0/mlflow/users/list"} {
		if code, _ := s.do(cred{}, "GET", p, nil); code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: status %d, want 401", p, code)
		}
	}

	// Tokens: a read token reads and cannot write; a token cannot mint
	// tokens; an expired or revoked token is refused.
	ro := s.must(alice, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "ci", "scopes": []string{"read"}, "expires_in_seconds": 3600})
	roCred := cred{token: ro["secret"].(string)}
	if code, b := s.do(roCred, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil); code != http.StatusOK {
		t.Errorf("read with a read token: status %d, want 200 (%s)", code, b)
	}
	if code, _ := s.do(roCred, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": "x"}); code != http.StatusForbidden {
		t.Errorf("write with a read token: status %d, want 403", code)
	}
	rw := s.must(alice, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "rw"})
	rwCred := cred{token: rw["secret"].(string)}
	if code, b := s.do(rwCred, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": "by-token"}); code != http.StatusOK {
		t.Errorf("write with a write token: status %d, want 200 (%s)", code, b)
	}
	if code, _ := s.do(rwCred, "POST", "/api/2.0/weir/tokens/create", map[string]any{"name": "child"}); code != http.StatusForbidden {
		t.Errorf("a token minting a token: status %d, want 403", code)
	}
	list := s.must(alice, "GET", "/api/2.0/weir/tokens/list", nil)
	if n := len(list["tokens"].([]any)); n != 2 {
		t.Errorf("tokens/list: %d tokens, want 2", n)
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), ro["secret"].(string)) {
		t.Errorf("tokens/list shows a secret")
	}
	s.must(alice, "DELETE", "/api/2.0/weir/tokens/delete", map[string]any{"id": rw["token"].(map[string]any)["id"]})
	if code, _ := s.do(rwCred, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil); code != http.StatusUnauthorized {
		t.Errorf("revoked token: status %d, want 401", code)
	}
	s.auth.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if code, _ := s.do(roCred, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=0", nil); code != http.StatusUnauthorized {
		t.Errorf("expired token: status %d, want 401", code)
	}
	s.auth.Now = time.Now

	// Lockout: after MaxFailures wrong passwords even the right one gets
	// 429, for that user only.
	bob := s.mustUser("bob")
	for i := range s.auth.MaxFailures {
		if code, _ := s.do(cred{user: "bob", password: fmt.Sprint("wrong", i)}, "GET", "/api/2.0/mlflow/users/current", nil); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d, want 401", i, code)
		}
	}
	if code, _ := s.do(bob, "GET", "/api/2.0/mlflow/users/current", nil); code != http.StatusTooManyRequests {
		t.Errorf("right password after %d failures: status %d, want 429", s.auth.MaxFailures, code)
	}
	if code, _ := s.do(alice, "GET", "/api/2.0/mlflow/users/current", nil); code != http.StatusOK {
		t.Errorf("another user during bob's lockout: status %d, want 200", code)
	}
}

// TestUsersAPI checks MLflow's user endpoints: who may call them, their
// answers and their errors.
func TestUsersAPI(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.Read)
	alice := s.mustUser("alice")
	s.mustUser("bob")
	tests := []struct {
		name   string
		c      cred
		method string
		path   string
		body   map[string]any
		want   int
	}{
		{"create as non-admin", alice, "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": "x", "password": "a-long-password"}, 403},
		{"create duplicate", adminCred, "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": "alice", "password": "a-long-password"}, 400},
		{"create short password", adminCred, "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": "c", "password": "short"}, 400},
		{"create empty", adminCred, "POST", "/api/2.0/mlflow/users/create", map[string]any{"username": "", "password": ""}, 400},
		{"get self", alice, "GET", "/api/2.0/mlflow/users/get?username=alice", nil, 200},
		{"get other", alice, "GET", "/api/2.0/mlflow/users/get?username=bob", nil, 403},
		{"get missing", adminCred, "GET", "/api/2.0/mlflow/users/get?username=nobody", nil, 404},
		{"own password without current", alice, "PATCH", "/api/2.0/mlflow/users/update-password", map[string]any{"username": "alice", "password": "another-password"}, 400},
		{"own password wrong current", alice, "PATCH", "/api/2.0/mlflow/users/update-password", map[string]any{"username": "alice", "password": "another-password", "current_password": "nope"}, 400},
		{"other's password", alice, "PATCH", "/api/2.0/mlflow/users/update-password", map[string]any{"username": "bob", "password": "another-password"}, 403},
		{"admin sets password", adminCred, "PATCH", "/api/2.0/mlflow/users/update-password", map[string]any{"username": "bob", "password": "bobs-new-password"}, 200},
		{"update-admin as non-admin", alice, "PATCH", "/api/2.0/mlflow/users/update-admin", map[string]any{"username": "alice", "is_admin": true}, 403},
		{"delete self", adminCred, "DELETE", "/api/2.0/mlflow/users/delete", map[string]any{"username": "admin"}, 400},
		{"delete as non-admin", alice, "DELETE", "/api/2.0/mlflow/users/delete", map[string]any{"username": "bob"}, 403},
		{"delete missing", adminCred, "DELETE", "/api/2.0/mlflow/users/delete", map[string]any{"username": "nobody"}, 404},
		{"permission get, other user", alice, "GET", "/api/3.0/mlflow/users/permissions/get?username=bob&resource_type=experiment&resource_id=0", nil, 403},
		{"permission get, bad type", alice, "GET", "/api/3.0/mlflow/users/permissions/get?username=alice&resource_type=table&resource_id=0", nil, 400},
		{"grant bad permission", adminCred, "POST", "/api/3.0/mlflow/users/permissions/grant", map[string]any{"username": "bob", "resource_type": "experiment", "resource_id": "0", "permission": "ALL"}, 400},
		{"revoke missing grant", adminCred, "POST", "/api/3.0/mlflow/users/permissions/revoke", map[string]any{"username": "bob", "resource_type": "experiment", "resource_id": "0"}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.tb = t
			if code, b := s.do(tt.c, tt.method, tt.path, tt.body); code != tt.want {
				t.Errorf("status %d, want %d (body %s)", code, tt.want, b)
			}
		})
	}
	s.tb = t
	// The new password works, the old one does not, at once (no stale
	// cache).
	if code, _ := s.do(cred{user: "bob", password: "bob-password-1"}, "GET", "/api/2.0/mlflow/users/current", nil); code != http.StatusUnauthorized {
		t.Errorf("old password after a change: status %d, want 401", code)
	}
	got := s.must(cred{user: "bob", password: "bobs-new-password"}, "GET", "/api/2.0/mlflow/users/current", nil)
	if u := got["user"].(map[string]any); u["username"] != "bob" || u["is_admin"] != false {
		t.Errorf("users/current = %v, want bob, not admin", u)
	}
	s.must(alice, "PATCH", "/api/2.0/mlflow/users/update-password", map[string]any{"username": "alice", "password": "alices-new-password", "current_password": "alice-password-1"})
	s.must(adminCred, "PATCH", "/api/2.0/mlflow/users/update-admin", map[string]any{"username": "bob", "is_admin": true})
	bob := cred{user: "bob", password: "bobs-new-password"}
	if got := s.must(bob, "GET", "/api/2.0/mlflow/users/get?username=alice", nil); got["user"].(map[string]any)["username"] != "alice" {
		t.Errorf("bob, made admin, cannot read alice: %v", got)
	}
	s.must(adminCred, "DELETE", "/api/2.0/mlflow/users/delete", map[string]any{"username": "bob"})
	if code, _ := s.do(bob, "GET", "/api/2.0/mlflow/users/current", nil); code != http.StatusUnauthorized {
		t.Errorf("deleted user: status %d, want 401", code)
	}
	// The creator of a resource gets MANAGE on it.
	alice.password = "alices-new-password"
	id := s.must(alice, "POST", "/api/2.0/mlflow/experiments/create", map[string]any{"name": "mine"})["experiment_id"].(string)
	perm := s.must(alice, "GET",
		"/api/3.0/mlflow/users/permissions/get?username=alice&resource_type=experiment&resource_id="+id, nil)
	if perm["permission"] != "MANAGE" || perm["allowed"] != true {
		t.Errorf("creator's permission = %v, want MANAGE, allowed", perm)
	}
	// users/get lists the user's grants, as MLflow before 3.17 did.
	u := s.must(alice, "GET", "/api/2.0/mlflow/users/get?username=alice", nil)["user"].(map[string]any)
	grants, _ := u["experiment_permissions"].([]any)
	if len(grants) != 1 || grants[0].(map[string]any)["experiment_id"] != id || grants[0].(map[string]any)["permission"] != "MANAGE" {
		t.Errorf("users/get experiment_permissions = %v, want MANAGE on %s", grants, id)
	}
}

// TestModelVersionSource checks that a user who may edit a model cannot
// register, as a version of it, a run or artifacts it may not read.
func TestModelVersionSource(t *testing.T) {
	s := MustOpenAuthServer(t, "", auth.NoPermissions)
	owner, mallory := s.mustUser("owner"), s.mustUser("mallory")
	f := s.mustFixture(owner, 0)
	s.must(mallory, "POST", "/api/2.0/mlflow/registered-models/create", map[string]any{"name": "mallorys"})
	for _, body := range []map[string]any{
		{"name": "mallorys", "source": "runs:/" + f.run + "/model"},
		{"name": "mallorys", "source": "s3://elsewhere/model", "run_id": f.run},
		{"name": "mallorys", "source": "mlflow-artifacts:/" + f.exp + "/" + f.run + "/artifacts/model"},
		{"name": "mallorys", "source": "mlflow-artifacts:/somewhere/else"},
	} {
		if code, b := s.do(mallory, "POST", "/api/2.0/mlflow/model-versions/create", body); code != http.StatusForbidden {
			t.Errorf("version of %v: status %d, want 403 (%s)", body["source"], code, b)
		}
	}
}
