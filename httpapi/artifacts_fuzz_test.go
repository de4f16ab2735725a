package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzArtifactPaths sends arbitrary paths to the artifact proxy, in the
// URL path and as the ?path= query value: no answer may be a server error,
// nothing outside the artifact root may change, and an upload that
// succeeded must be readable back by the same URL.
//
//	go test ./httpapi -run '^$' -fuzz FuzzArtifactPaths -fuzztime 30s
func FuzzArtifactPaths(f *testing.F) {
	for _, p := range traversalURLPaths {
		f.Add(p)
	}
	for _, p := range traversalValues {
		f.Add(p)
	}
	for _, p := range []string{"a", "a/b/c", "model/MLmodel", "a b/c.txt", "%20x", "ünïcode/ß.bin", "a/./b", "a//b", "x/", "?", "#"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		s, tmp := newTraversalServer(t)
		outside := func() []string {
			tree := mustTree(t, tmp)
			return slices.DeleteFunc(tree, func(e string) bool { return strings.HasPrefix(e, "root"+string(filepath.Separator)) })
		}
		before := outside()
		h := s.Handler()
		const base = "/api/2.0/mlflow-artifacts/artifacts/"
		if u, err := url.ParseRequestURI(base + p); err == nil && u.RawQuery == "" && u.Fragment == "" {
			put := fuzzDo(t, h, "PUT", base+p, "content")
			get := fuzzDo(t, h, "GET", base+p, "")
			if put.Code == http.StatusOK && (get.Code != http.StatusOK || get.Body.String() != "content") {
				t.Errorf("PUT %q succeeded but GET gives %d %.100s", p, get.Code, get.Body)
			}
			fuzzDo(t, h, "DELETE", base+p, "")
		}
		q := url.QueryEscape(p)
		fuzzDo(t, h, "GET", "/api/2.0/mlflow-artifacts/artifacts?path="+q, "")
		fuzzDo(t, h, "GET", "/get-artifact?run_id=r1&path="+q, "")
		fuzzDo(t, h, "POST", "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r1&path="+q, "data")
		if after := outside(); !slices.Equal(after, before) {
			t.Errorf("path %q changed files outside the root:\n got %v\nwant %v", p, after, before)
		}
		for _, f := range []string{"x", filepath.Join("etc", "passwd")} {
			if b, err := os.ReadFile(filepath.Join(tmp, f)); err != nil || string(b) != "secret" {
				t.Errorf("path %q: %s changed: %q, %v", p, f, b, err)
			}
		}
	})
}

// fuzzDo sends one request and fails on a server error.
func fuzzDo(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return httptest.NewRecorder()
	}
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.URL, req.RequestURI = u, target
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Errorf("%s %q: got %d %s", method, target, rec.Code, rec.Body)
	}
	return rec
}
