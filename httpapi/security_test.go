package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

func TestHostAllowlist(t *testing.T) {
	cases := []struct {
		patterns []string
		host     string
		want     bool
	}{
		{[]string{"localhost"}, "localhost:5000", true},
		{[]string{"localhost"}, "LOCALHOST", true},
		{[]string{"localhost"}, "localhost.evil.example", false},
		{[]string{"localhost"}, "", false},
		{[]string{"mlflow.example.com:5000"}, "mlflow.example.com:5000", true},
		{[]string{"mlflow.example.com:5000"}, "mlflow.example.com:5001", false},
		{[]string{"mlflow.example.com:5000"}, "mlflow.example.com", false},
		{[]string{"mlflow.example.com:*"}, "mlflow.example.com:80", true},
		{[]string{"*.example.com"}, "a.example.com:443", true},
		{[]string{"*.example.com"}, "example.com", false},
		{[]string{"*.example.com"}, "a.example.com.evil.example", false},
		{[]string{"192.168.*"}, "192.168.1.7:5000", true},
		{[]string{"192.168.*"}, "192.168.evil.example", false},
		{[]string{"[::1]"}, "[::1]:5000", true},
		{[]string{"::1"}, "[::1]", true},
		{[]string{"[::1]:5000"}, "[::1]:5001", false},
		{[]string{"*"}, "anything.example", true},
		{[]string{privateAddresses}, "10.1.2.3:5000", true},
		{[]string{privateAddresses}, "[fd00::1]:5000", true},
		{[]string{privateAddresses}, "8.8.8.8", false},
		{[]string{privateAddresses}, "10.evil.example", false},
	}
	for _, c := range cases {
		if got := compileHosts(c.patterns).allows(c.host); got != c.want {
			t.Errorf("hosts %s allow %q: got %v, want %v", strings.Join(c.patterns, ","), c.host, got, c.want)
		}
	}
}

func TestDefaultAllowedHosts(t *testing.T) {
	cases := []struct {
		configured string
		bound      net.IP
		host       string
		want       bool
	}{
		{"127.0.0.1", net.IPv4(127, 0, 0, 1), "localhost:5000", true},
		{"127.0.0.1", net.IPv4(127, 0, 0, 1), "127.0.0.1:8080", true}, // a forwarded port
		{"127.0.0.1", net.IPv4(127, 0, 0, 1), "[::1]:5000", true},
		{"127.0.0.1", net.IPv4(127, 0, 0, 1), "evil.example:5000", false},
		{"127.0.0.1", net.IPv4(127, 0, 0, 1), "10.0.0.5:5000", false},
		{"mlbox", net.IPv4(10, 0, 0, 5), "mlbox:5000", true},
		{"mlbox", net.IPv4(10, 0, 0, 5), "10.0.0.5:5000", true},
		{"mlbox", net.IPv4(10, 0, 0, 5), "10.0.0.6:5000", false},
		{"0.0.0.0", net.IPv4zero, "192.168.1.20:5000", true},
		{"0.0.0.0", net.IPv4zero, "evil.example:5000", false},
	}
	for _, c := range cases {
		hl := compileHosts(DefaultAllowedHosts(c.configured, c.bound))
		if got := hl.allows(c.host); got != c.want {
			t.Errorf("defaults for %s bound to %s allow %q: got %v, want %v", c.configured, c.bound, c.host, got, c.want)
		}
	}
}

// secureServer returns a server whose checks are on as after Open on
// 127.0.0.1:5000.
func secureServer(t *testing.T, configure func(s *Server)) *Server {
	t.Helper()
	s := newTestServer(t, &fakeTracking{})
	if configure != nil {
		configure(s)
	}
	s.configureHosts("127.0.0.1", net.IPv4(127, 0, 0, 1))
	return s
}

func send(s *Server, method, target, host string, header map[string]string, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = host
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// TestDNSRebinding sends what a rebinding page would: the API's reads and
// writes with the attacker's name as Host. None may reach a handler.
func TestDNSRebinding(t *testing.T) {
	s := secureServer(t, nil)
	calls := 0
	s.Tracking = &fakeTracking{
		SearchExperimentsFn: func(context.Context, tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
			calls++
			return nil, "", nil
		},
		CreateExperimentFn: func(context.Context, string, string, []tracking.Tag) (string, error) {
			calls++
			return "1", nil
		},
		DeleteExperimentFn: func(context.Context, string) error { calls++; return nil },
	}
	json := map[string]string{"Content-Type": "application/json"}
	for _, rq := range []struct{ method, target, body string }{
		{"POST", "/api/2.0/mlflow/experiments/search", `{}`},
		{"GET", "/api/2.0/mlflow/experiments/search?max_results=10", ""},
		{"POST", "/api/2.0/mlflow/experiments/create", `{"name":"x"}`},
		{"POST", "/api/2.0/mlflow/experiments/delete", `{"experiment_id":"1"}`},
		{"DELETE", "/api/2.0/mlflow/registered-models/delete", `{"name":"m"}`},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model.pkl", "x"},
		{"GET", "/", ""},
	} {
		for _, host := range []string{"evil.example:5000", "evil.example", "127.0.0.1.evil.example:5000"} {
			rec := send(s, rq.method, rq.target, host, json, rq.body)
			if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "PERMISSION_DENIED") {
				t.Errorf("%s %s with Host %s: got %d %s, want 403 PERMISSION_DENIED", rq.method, rq.target, host, rec.Code, rec.Body)
			}
		}
	}
	if calls != 0 {
		t.Errorf("handlers ran %d times for foreign hosts", calls)
	}
	if rec := send(s, "GET", "/health", "evil.example", nil, ""); rec.Code != http.StatusOK {
		t.Errorf("health with a foreign Host: got %d, want 200", rec.Code)
	}
	if rec := send(s, "POST", "/api/2.0/mlflow/experiments/search", "localhost:5000", json, `{}`); rec.Code != http.StatusOK {
		t.Errorf("search with Host localhost:5000: got %d %s, want 200", rec.Code, rec.Body)
	}
}

func TestCrossSiteWrites(t *testing.T) {
	upload := "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r&path=model/model.pkl"
	cases := []struct {
		name      string
		configure func(s *Server)
		method    string
		target    string
		header    map[string]string
		wantDeny  bool
	}{
		{"text/plain upload from another site", nil, "POST", upload,
			map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, true},
		{"upload marked cross-site without Origin", nil, "POST", upload,
			map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}, true},
		{"upload from another localhost port", nil, "POST", upload,
			map[string]string{"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, true},
		{"upload from a null origin", nil, "POST", upload,
			map[string]string{"Origin": "null"}, true},
		{"form post to the UI from another site", nil, "POST", "/experiments/1/delete",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, true},
		{"JSON API write from another site", nil, "POST", "/api/2.0/mlflow/experiments/create",
			map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, true},
		{"artifact PUT from another site", nil, "PUT", "/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/model.pkl",
			map[string]string{"Origin": "https://evil.example"}, true},
		{"delete from another site", nil, "DELETE", "/api/2.0/mlflow/registered-models/delete",
			map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, true},
		{"same origin", nil, "POST", upload,
			map[string]string{"Origin": "http://127.0.0.1:5000", "Sec-Fetch-Site": "same-origin"}, false},
		{"a client that is not a browser", nil, "POST", upload, nil, false},
		{"reads from another site are not writes", nil, "GET", "/api/2.0/mlflow/experiments/search?max_results=1",
			map[string]string{"Origin": "https://evil.example"}, false},
		{"a listed host behind a proxy", func(s *Server) { s.AllowedHosts = []string{"127.0.0.1", "mlflow.example.com"} },
			"POST", upload, map[string]string{"Origin": "https://mlflow.example.com"}, false},
		{"an allowed CORS origin", func(s *Server) { s.CORSAllowedOrigins = []string{"https://*.example.com"} },
			"POST", upload, map[string]string{"Origin": "https://nb.example.com"}, false},
		{"an origin CORS does not allow", func(s *Server) { s.CORSAllowedOrigins = []string{"https://*.example.com"} },
			"POST", upload, map[string]string{"Origin": "https://nb.example.org"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := secureServer(t, c.configure)
			rec := send(s, c.method, c.target, "127.0.0.1:5000", c.header, "payload")
			denied := rec.Code == http.StatusForbidden && strings.Contains(rec.Body.String(), "Cross-site")
			if denied != c.wantDeny {
				t.Errorf("got %d %s, want denied %v", rec.Code, rec.Body, c.wantDeny)
			}
		})
	}
}

func TestCORS(t *testing.T) {
	s := secureServer(t, func(s *Server) { s.CORSAllowedOrigins = []string{"https://app.example.com"} })
	pre := map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "content-type"}
	rec := send(s, "OPTIONS", "/api/2.0/mlflow/runs/create", "127.0.0.1:5000", pre, "")
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		rec.Header().Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight from an allowed origin: got %d %v", rec.Code, rec.Header())
	}
	pre["Origin"] = "https://evil.example"
	rec = send(s, "OPTIONS", "/api/2.0/mlflow/runs/create", "127.0.0.1:5000", pre, "")
	if rec.Code != http.StatusForbidden || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: got %d %v, want 403 without CORS headers", rec.Code, rec.Header())
	}
	rec = send(s, "GET", "/api/2.0/mlflow/experiments/search?max_results=1", "127.0.0.1:5000",
		map[string]string{"Origin": "https://app.example.com"}, "")
	if rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" || rec.Header().Get("Vary") != "Origin" {
		t.Errorf("read from an allowed origin: got headers %v", rec.Header())
	}
	def := secureServer(t, nil)
	rec = send(def, "GET", "/api/2.0/mlflow/experiments/search?max_results=1", "127.0.0.1:5000",
		map[string]string{"Origin": "http://localhost:3000"}, "")
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("default CORS: got Access-Control-Allow-Origin %q, want none", got)
	}
}
