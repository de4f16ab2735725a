package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// memMultipart is an in-memory MultipartStore and PresignStore: an
// artifact.Dir for the files, and uploads whose parts the test puts
// directly, as a client would PUT them to the presigned URLs.
type memMultipart struct {
	*artifact.Dir
	mu      sync.Mutex
	uploads map[string]map[int]string // upload id -> part number -> content
	paths   map[string]string         // upload id -> path
	aborted []string
}

var (
	_ MultipartStore = (*memMultipart)(nil)
	_ PresignStore   = (*memMultipart)(nil)
)

func (m *memMultipart) CreateMultipartUpload(_ context.Context, p string, n int) (string, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := fmt.Sprintf("up-%d", len(m.paths)+1)
	m.uploads[id], m.paths[id] = map[int]string{}, p
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://storage.example/%s?uploadId=%s&partNumber=%d", p, id, i+1)
	}
	return id, urls, nil
}

// sendPart stores a part, returning its ETag: the content itself.
func (m *memMultipart) sendPart(id string, num int, content string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.uploads[id][num] = content
	return `"` + content + `"`
}

func (m *memMultipart) CompleteMultipartUpload(ctx context.Context, p, id string, etags map[int]string) error {
	m.mu.Lock()
	parts, ok := m.uploads[id]
	m.mu.Unlock()
	if !ok || m.paths[id] != p {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Multipart upload %q does not exist.", id)
	}
	var b strings.Builder
	for i := 1; i <= len(etags); i++ {
		if etags[i] != `"`+parts[i]+`"` {
			return weir.Errorf(weir.ErrInvalidParameterValue, "part %d: etag %s", i, etags[i])
		}
		b.WriteString(parts[i])
	}
	return m.Put(ctx, p, strings.NewReader(b.String()))
}

func (m *memMultipart) AbortMultipartUpload(_ context.Context, p, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.uploads[id]; !ok {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "Multipart upload %q does not exist.", id)
	}
	delete(m.uploads, id)
	m.aborted = append(m.aborted, p)
	return nil
}

func (m *memMultipart) PresignGet(ctx context.Context, p string) (string, int64, error) {
	rc, err := m.Open(ctx, p)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	n, _ := io.Copy(io.Discard, rc)
	return "https://storage.example/" + p + "?signed", n, nil
}

func TestMultipartUpload(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	store := &memMultipart{Dir: artifact.NewDir(t.TempDir()), uploads: map[string]map[int]string{}, paths: map[string]string{}}
	s.Artifacts = store
	h := s.Handler()
	const mpu = "/api/2.0/mlflow-artifacts/mpu"

	rec := do(t, h, "POST", mpu+"/create/1/run/artifacts/model", "application/json", `{"path":"/tmp/client/model.bin","num_parts":2}`)
	want := `{"upload_id":"up-1","credentials":[` +
		`{"url":"https://storage.example/1/run/artifacts/model/model.bin?uploadId=up-1&partNumber=1","part_number":1,"headers":{}},` +
		`{"url":"https://storage.example/1/run/artifacts/model/model.bin?uploadId=up-1&partNumber=2","part_number":2,"headers":{}}]}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("create: got %d %s\nwant 200 %s", rec.Code, rec.Body, want)
	}
	e1, e2 := store.sendPart("up-1", 1, "hello "), store.sendPart("up-1", 2, "parts")
	body := fmt.Sprintf(`{"path":"/tmp/client/model.bin","upload_id":"up-1","parts":[{"part_number":1,"etag":%q,"url":"u1"},{"part_number":2,"etag":%q}]}`, e1, e2)
	if rec := do(t, h, "POST", mpu+"/complete/1/run/artifacts/model", "application/json", body); rec.Code != 200 || rec.Body.String() != "{}" {
		t.Fatalf("complete: got %d %s", rec.Code, rec.Body)
	}
	if got := mustGet(t, h, "/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/model/model.bin"); got != "hello parts" {
		t.Errorf("uploaded file: got %q", got)
	}
	rec = do(t, h, "GET", "/api/2.0/mlflow-artifacts/presigned/1/run/artifacts/model/model.bin", "", "")
	if want := `{"url":"https://storage.example/1/run/artifacts/model/model.bin?signed","headers":{},"file_size":11}`; rec.Code != 200 || rec.Body.String() != want {
		t.Errorf("presigned: got %d %s, want %s", rec.Code, rec.Body, want)
	}

	if got, want := mustGet(t, h, "/api/3.0/mlflow/server-info"),
		`{"store_type":"SqlStore","workspaces_enabled":false,"multipart_uploads_enabled":true,"multipart_downloads_enabled":true}`; got != want {
		t.Errorf("server-info: got %s, want %s", got, want)
	}

	tests := []struct {
		name, target, body string
		wantStatus         int
		wantBody           string
	}{
		{"abort", mpu + "/abort/d", `{"path":"C:\\Users\\me\\big.bin","upload_id":"up-1"}`, 200, `{}`},
		{"abort again", mpu + "/abort/d", `{"path":"big.bin","upload_id":"up-1"}`, 404,
			`{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Multipart upload \"up-1\" does not exist."}`},
		{"create without path", mpu + "/create/d", `{"num_parts":2}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Missing value for required parameter 'path'. See the API docs for more information about request parameters."}`},
		{"create with zero parts", mpu + "/create/d", `{"path":"f","num_parts":0}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"num_parts must be between 1 and 10000, got 0."}`},
		{"create with a string for parts", mpu + "/create/d", `{"path":"f","num_parts":"many"}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid value \"many\" for parameter 'num_parts' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters."}`},
		{"create for a directory name", mpu + "/create/d", `{"path":"/tmp/","num_parts":1}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Invalid path: \"/tmp/\" names no file."}`},
		{"complete without parts", mpu + "/complete/d", `{"path":"f","upload_id":"x"}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Missing value for required parameter 'parts'. See the API docs for more information about request parameters."}`},
		{"complete with a part twice", mpu + "/complete/d", `{"path":"f","upload_id":"x","parts":[{"part_number":1,"etag":"a"},{"part_number":1,"etag":"b"}]}`, 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Part number 1 appears more than once."}`},
	}
	for _, tt := range tests {
		rec := do(t, h, "POST", tt.target, "application/json", tt.body)
		if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
			t.Errorf("%s: got %d %s, want %d %s", tt.name, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
		}
	}
	if len(store.aborted) != 1 || store.aborted[0] != "d/big.bin" {
		t.Errorf("aborted: got %v, want [d/big.bin] (a Windows client path's base name)", store.aborted)
	}
}

// TestMultipartNotSupported checks the answers that make MLflow's client
// fall back to a single PUT, and to downloading through the server.
func TestMultipartNotSupported(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	s.Artifacts = artifact.NewDir(t.TempDir())
	h := s.Handler()
	const notSupported = `{"error_code":"NOT_IMPLEMENTED","message":"Multipart upload is not supported for the current artifact repository"}`
	tests := []struct{ method, target, body, want string }{
		{"POST", "/api/2.0/mlflow-artifacts/mpu/create/d", `{"path":"f.bin","num_parts":3}`, notSupported},
		{"POST", "/api/2.0/mlflow-artifacts/mpu/complete/d", `{"path":"f.bin","upload_id":"u","parts":[{"part_number":1,"etag":"e"}]}`, notSupported},
		{"POST", "/ajax-api/2.0/mlflow-artifacts/mpu/abort/d", `{"path":"f.bin","upload_id":"u"}`, notSupported},
		{"GET", "/api/2.0/mlflow-artifacts/presigned/d/f.bin", "",
			`{"error_code":"NOT_IMPLEMENTED","message":"Multipart download is not supported for the current artifact repository"}`},
	}
	for _, tt := range tests {
		rec := do(t, h, tt.method, tt.target, ctypeFor(tt.body), tt.body)
		if rec.Code != http.StatusNotImplemented || rec.Body.String() != tt.want {
			t.Errorf("%s %s: got %d %s, want 501 %s", tt.method, tt.target, rec.Code, rec.Body, tt.want)
		}
	}
}

// TestArtifactEndpointsDisabled checks that every proxy endpoint answers
// MLflow's plain-text 503 when the server does not serve artifacts.
func TestArtifactEndpointsDisabled(t *testing.T) {
	s := newTestServer(t, &fakeTracking{})
	s.Artifacts = artifact.NewDir(t.TempDir())
	s.ServeArtifacts = false
	for _, rq := range []struct{ method, target string }{
		{"GET", "/api/2.0/mlflow-artifacts/artifacts?path=x"},
		{"GET", "/api/2.0/mlflow-artifacts/artifacts/x/f"},
		{"PUT", "/api/2.0/mlflow-artifacts/artifacts/x/f"},
		{"DELETE", "/ajax-api/2.0/mlflow-artifacts/artifacts/x/f"},
		{"POST", "/api/2.0/mlflow-artifacts/mpu/create/x"},
		{"POST", "/api/2.0/mlflow-artifacts/mpu/complete/x"},
		{"POST", "/api/2.0/mlflow-artifacts/mpu/abort/x"},
		{"GET", "/api/2.0/mlflow-artifacts/presigned/x/f"},
	} {
		rec := do(t, s.Handler(), rq.method, rq.target, "", "")
		if rec.Code != http.StatusServiceUnavailable || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s %s: got %d %q, want 503 text/plain", rq.method, rq.target, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}

func mustGet(t testing.TB, h http.Handler, target string) string {
	t.Helper()
	rec := do(t, h, "GET", target, "", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: got %d %s", target, rec.Code, rec.Body)
	}
	return rec.Body.String()
}
