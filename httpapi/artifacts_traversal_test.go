package httpapi

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

// traversalURLPaths are attempts to leave the artifact root, written as
// they would appear in a URL path (percent-encoded where a raw byte could
// not be sent).
var traversalURLPaths = []string{
	"..", "../x", "a/../../x", "a/b/../../../x", "./../x",
	"%2e%2e/x", "%2E%2E/x", ".%2e/x", "%2e./x", "a/%2e%2e/%2e%2e/x",
	"%252e%252e/x", "%25252e%25252e/x",
	"a%2f..%2f..%2fx", "a%2fb", "%2fetc%2fpasswd", "a%252fb",
	"%5c..%5cx", "a%5cb", "..%5c..%5cx",
	"/etc/passwd", "//etc/passwd",
	"file:/etc/passwd", "file:%2f%2f%2fetc/passwd", "s3:%2f%2fbucket/x", "s3://bucket/x",
	"mlflow-artifacts:/x", "C:%5cwindows", "a%00b", "%00",
}

// traversalValues are the same attempts as a decoded query value.
var traversalValues = []string{
	"..", "../x", "a/../../x", "./../x", "%2e%2e/x", "%252e%252e/x", "a%2fb",
	`a\b`, `..\x`, `C:\x`, "/etc/passwd", "//x", "file:///etc/passwd", "file:x",
	"s3://bucket/x", "mlflow-artifacts:/x", "a\x00b", "\x00",
}

// TestTraversalIsRejected sends every traversal attempt to every endpoint
// that takes an artifact path, and wants 400 INVALID_PARAMETER_VALUE from
// each, with nothing written anywhere.
func TestTraversalIsRejected(t *testing.T) {
	s, tmp := newTraversalServer(t)
	before := mustTree(t, tmp)
	h := s.Handler()
	const api = "/api/2.0/mlflow-artifacts"
	for _, p := range traversalURLPaths {
		requests := []struct{ method, target, body string }{
			{"PUT", api + "/artifacts/" + p, "data"},
			{"GET", api + "/artifacts/" + p, ""},
			{"DELETE", api + "/artifacts/" + p, ""},
			{"PUT", "/ajax-api/2.0/mlflow-artifacts/artifacts/" + p, "data"},
			{"POST", api + "/mpu/create/" + p, `{"path":"f.bin","num_parts":1}`},
			{"POST", api + "/mpu/complete/" + p, `{"path":"f.bin","upload_id":"u","parts":[]}`},
			{"POST", api + "/mpu/abort/" + p, `{"path":"f.bin","upload_id":"u"}`},
			{"GET", api + "/presigned/" + p, ""},
		}
		for _, rq := range requests {
			checkRejected(t, h, rq.method, rq.target, rq.body)
		}
	}
	for _, p := range traversalValues {
		q := url.QueryEscape(p)
		requests := []struct{ method, target, body string }{
			{"GET", api + "/artifacts?path=" + q, ""},
			{"GET", "/api/2.0/mlflow/artifacts/list?run_id=r1&path=" + q, ""},
			{"GET", "/get-artifact?run_id=r1&path=" + q, ""},
			{"GET", "/model-versions/get-artifact?name=m&version=1&path=" + q, ""},
			{"POST", "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=r1&path=" + q, "data"},
			{"POST", api + "/mpu/create/dir", `{"path":` + jsonString(p) + `,"num_parts":1}`},
		}
		for _, rq := range requests {
			if rq.target == api+"/mpu/create/dir" && !badBaseName(p) {
				continue // only the base name of the client's file counts
			}
			checkRejected(t, h, rq.method, rq.target, rq.body)
		}
	}
	if after := mustTree(t, tmp); !slices.Equal(after, before) {
		t.Errorf("files changed:\n got %v\nwant %v", after, before)
	}
}

// badBaseName reports whether the base name that mpu takes from a client
// path is itself unacceptable.
func badBaseName(p string) bool {
	name := p[strings.LastIndexAny(p, `/\`)+1:]
	_, err := artifact.CleanPath(name)
	return err != nil || name == "" || name == "." || name == ".."
}

func checkRejected(t *testing.T, h http.Handler, method, target, body string) {
	t.Helper()
	rec := doRaw(t, h, method, target, body)
	var got struct {
		ErrorCode string `json:"error_code"`
	}
	json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != http.StatusBadRequest || got.ErrorCode != weir.ErrInvalidParameterValue {
		t.Errorf("%s %s: got %d %s, want 400 %s", method, target, rec.Code, rec.Body, weir.ErrInvalidParameterValue)
	}
}

// doRaw sends target as it would arrive on the wire, without any
// client-side cleaning of the path.
func doRaw(t testing.TB, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("target %q: %v", target, err)
	}
	req.URL, req.RequestURI = u, target
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// newTraversalServer serves artifacts from tmp/root, with a file beside
// the root that a traversal would reach, a run r1 and a model version whose
// artifacts are proxied.
func newTraversalServer(t *testing.T) (*Server, string) {
	t.Helper()
	tmp := t.TempDir()
	root := filepath.Join(tmp, "root")
	for _, f := range []string{filepath.Join(tmp, "x"), filepath.Join(root, "a", "b"), filepath.Join(tmp, "etc", "passwd")} {
		os.MkdirAll(filepath.Dir(f), 0o755)
		if err := os.WriteFile(f, []byte("secret"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fake := &fakeTracking{GetRunFn: func(context.Context, string) (*tracking.Run, error) { return sampleRun(), nil }}
	s := newTestServer(t, fake)
	s.Artifacts = artifact.NewDir(root)
	s.ArtifactsDestination = root
	s.Registry = &fakeRegistry{recorder: &recorder{}}
	return s, tmp
}

// mustTree lists every file and directory under dir with its size.
func mustTree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out = append(out, rel+"/")
		} else {
			out = append(out, rel+" "+itoa64(info.Size()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
