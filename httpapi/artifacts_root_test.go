package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

func TestUnderDestination(t *testing.T) {
	tests := []struct {
		uri, dest string
		rel       string
		local, ok bool
	}{
		{"s3://b/p/1/r/artifacts", "s3://b/p", "1/r/artifacts", false, true},
		{"s3://b/p/1/r/artifacts", "s3://b/p/", "1/r/artifacts", false, true},
		{"s3://b/p", "s3://b/p", "", false, true},
		{"s3://b/pq/1", "s3://b/p", "", false, false},
		{"s3://other/p/1", "s3://b/p", "", false, false},
		{"/srv/art/1/r/artifacts", "/srv/art", "1/r/artifacts", true, true},
		{"file:///srv/art/1/r", "/srv/art", "1/r", true, true},
		{"file://localhost/srv/art/1", "/srv/art/", "1", true, true},
		{"file://evil.example/srv/art/1", "/srv/art", "", true, false},
		{"/srv/art/../etc", "/srv/art", "", true, false},
		{"/srv/artwork/x", "/srv/art", "", true, false},
		{"/etc/passwd", "/srv/art", "", true, false},
		{"s3://b/p/1", "/srv/art", "", true, false},
		{"/srv/art/1", "", "", false, false},
	}
	for _, tt := range tests {
		rel, local, ok := underDestination(tt.uri, tt.dest)
		if rel != tt.rel || local != tt.local || ok != tt.ok {
			t.Errorf("underDestination(%q, %q): got %q, %v, %v; want %q, %v, %v", tt.uri, tt.dest, rel, local, ok, tt.rel, tt.local, tt.ok)
		}
	}
}

// TestLocalRunArtifacts checks runs whose artifact URI is a local path
// under the destination, as when the server does not proxy artifacts: the
// UI lists and downloads them through the server; a run pointing anywhere
// else gets nothing.
func TestLocalRunArtifacts(t *testing.T) {
	dest := t.TempDir()
	uri := filepath.Join(dest, "1", "r1", "artifacts")
	run := sampleRun()
	fake := &fakeTracking{GetRunFn: func(_ context.Context, id string) (*tracking.Run, error) {
		r := *run
		switch id {
		case "r1":
			r.Info.ArtifactURI = uri
		case "r2":
			r.Info.ArtifactURI = filepath.Join(dest, "..", "elsewhere")
		}
		return &r, nil
	}}
	s := newTestServer(t, fake)
	s.ServeArtifacts = false
	s.ArtifactsDestination = dest
	mustPut(t, artifact.NewDir(dest), "1/r1/artifacts/model/MLmodel", "flavors: {}\n")
	h := s.Handler()

	rec := do(t, h, "GET", "/api/2.0/mlflow/artifacts/list?run_id=r1", "", "")
	want := `{"root_uri":` + jsonString(uri) + `,"files":[{"path":"model","is_dir":true}]}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("list: got %d %s, want %s", rec.Code, rec.Body, want)
	}
	if got := mustGet(t, h, "/get-artifact?run_id=r1&path=model/MLmodel"); got != "flavors: {}\n" {
		t.Errorf("get-artifact: got %q", got)
	}
	rec = do(t, h, "GET", "/api/2.0/mlflow/artifacts/list?run_id=r2", "", "")
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "files") {
		t.Errorf("list outside the destination: got %d %s, want no files", rec.Code, rec.Body)
	}
	rec = do(t, h, "GET", "/get-artifact?run_id=r2&path=x", "", "")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("get-artifact outside the destination: got %d %s, want 400", rec.Code, rec.Body)
	}
}

func TestContentTypes(t *testing.T) {
	tests := []struct{ name, want string }{
		{"MLmodel", "text/plain"},
		{"conda.yaml", "text/plain"},
		{"input_example.json", "text/plain"},
		{"page.js", "text/plain"},
		{"MLPROJECT", "text/plain"},
		{"notes.TXT", "text/plain"},
		{"plot.png", "image/png"},
		{"model.pkl", "application/octet-stream"},
		{"noext", "application/octet-stream"},
	}
	for _, tt := range tests {
		if got := guessContentType(tt.name); got != tt.want {
			t.Errorf("guessContentType(%q): got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestModelVersionArtifact(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	store := artifact.NewDir(t.TempDir())
	s.Artifacts = store
	reg := &fakeRegistry{recorder: &recorder{}}
	s.Registry = reg
	mustPut(t, store, "1/models/m-0123/artifacts/MLmodel", "flavors: {}\n")
	h := s.Handler()
	rec := do(t, h, "GET", "/model-versions/get-artifact?name=m&version=3&path=MLmodel", "", "")
	if rec.Code != 200 || rec.Body.String() != "flavors: {}\n" || rec.Header().Get("Content-Disposition") != "attachment; filename=MLmodel" {
		t.Errorf("got %d %s %v", rec.Code, rec.Body, rec.Header())
	}
	if got, want := reg.first(), callTo("GetModelVersionDownloadURI", "m", "3"); !equalCall(got, want) {
		t.Errorf("registry call: got %v, want %v", got, want)
	}
	for _, q := range []string{"?version=3&path=MLmodel", "?name=m&path=MLmodel", "?name=m&version=3&path=../x"} {
		if rec := do(t, h, "GET", "/model-versions/get-artifact"+q, "", ""); rec.Code != 400 {
			t.Errorf("%s: got %d %s, want 400", q, rec.Code, rec.Body)
		}
	}
	s.Registry = nil
	if rec := do(t, s.Handler(), "GET", "/model-versions/get-artifact?name=m&version=3&path=MLmodel", "", ""); rec.Code != 404 {
		t.Errorf("without a registry: got %d, want 404", rec.Code)
	}
}

func equalCall(got any, want call) bool {
	c, ok := got.(call)
	if !ok || c.Method != want.Method || len(c.Args) != len(want.Args) {
		return false
	}
	for i := range c.Args {
		if c.Args[i] != want.Args[i] {
			return false
		}
	}
	return true
}

func mustPut(t testing.TB, st artifact.Store, p, content string) {
	t.Helper()
	if err := st.Put(context.Background(), p, strings.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}

func TestDownloadRange(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	store := artifact.NewDir(t.TempDir())
	s.Artifacts = store
	mustPut(t, store, "r/data.csv", "a,b\n1,2\n3,4\n")
	req := httptest.NewRequest("GET", "/api/2.0/mlflow-artifacts/artifacts/r/data.csv", nil)
	req.Header.Set("Range", "bytes=4-7")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	h := rec.Header()
	if rec.Code != http.StatusPartialContent || rec.Body.String() != "1,2\n" || h.Get("Content-Range") != "bytes 4-7/12" {
		t.Errorf("range: got %d %q %v", rec.Code, rec.Body, h)
	}
	if h.Get("Content-Type") != "text/plain" || h.Get("Content-Disposition") != "attachment; filename=data.csv" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: got %v", h)
	}
}

// TestDefaultRootArtifacts serves runs under the server's local default
// artifact root (a file: URI) as MLflow does, and still nothing outside it.
func TestDefaultRootArtifacts(t *testing.T) {
	root := t.TempDir()
	uri := "file://" + filepath.Join(root, "1", "r1", "artifacts")
	run := sampleRun()
	fake := &fakeTracking{GetRunFn: func(_ context.Context, id string) (*tracking.Run, error) {
		r := *run
		switch id {
		case "r1":
			r.Info.ArtifactURI = uri
		case "r2":
			r.Info.ArtifactURI = "file://" + filepath.Join(root, "..", "elsewhere")
		}
		return &r, nil
	}}
	s := newTestServer(t, fake)
	s.ServeArtifacts = false
	s.ArtifactsDestination = t.TempDir() // not where the runs are
	s.DefaultArtifactRoot = "file://" + root
	mustPut(t, artifact.NewDir(root), "1/r1/artifacts/notes.txt", "hello")
	h := s.Handler()
	if got := mustGet(t, h, "/get-artifact?run_id=r1&path=notes.txt"); got != "hello" {
		t.Errorf("get-artifact under the default root: got %q", got)
	}
	if rec := do(t, h, "GET", "/get-artifact?run_id=r2&path=x", "", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("get-artifact outside the default root: got %d %s, want 400", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/get-artifact?run_id=r1&path=../../x", "", ""); rec.Code != http.StatusBadRequest {
		t.Errorf("a climbing path under the default root: got %d %s, want 400", rec.Code, rec.Body)
	}
}
