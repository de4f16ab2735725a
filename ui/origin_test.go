package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFormOriginCheck: a form post is refused unless the server's own
// check (SameOrigin, which knows the allowed hosts) accepts it; without
// one, the Origin must name the Host.
func TestFormOriginCheck(t *testing.T) {
	cases := []struct {
		name   string
		same   func(*http.Request) bool
		host   string
		origin string
		want   int
	}{
		{"own origin, default check", nil, "127.0.0.1:5000", "http://127.0.0.1:5000", 303},
		{"foreign origin, default check", nil, "127.0.0.1:5000", "http://evil.example", 403},
		{"server's check refuses the Host's own origin", func(*http.Request) bool { return false },
			"evil.example:5000", "http://evil.example:5000", 403},
		{"server's check accepts a listed host", func(r *http.Request) bool { return r.Header.Get("Origin") == "https://mlflow.example.com" },
			"127.0.0.1:5000", "https://mlflow.example.com", 303},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _, _ := newSample(t)
			h.SameOrigin = c.same
			req := httptest.NewRequest("POST", "/experiments/1/delete", strings.NewReader(""))
			req.Host = c.host
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", c.origin)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Errorf("got %d, want %d: %.200s", rec.Code, c.want, rec.Body)
			}
		})
	}
}
