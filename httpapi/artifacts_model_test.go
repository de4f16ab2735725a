package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/weir-ml/weir/artifact"
)

// uriRegistry is the fake registry with a model version download URI of
// the test's choosing.
type uriRegistry struct {
	*fakeRegistry
	uri string
}

func (f *uriRegistry) GetModelVersionDownloadURI(context.Context, string, string) (string, error) {
	return f.uri, nil
}

// TestModelVersionArtifactProxiedRoots sends a model version's file when
// its source is the proxied artifact root itself or a folder of it, in
// every form MLflow's clients write (what MLflow's
// test_rest_get_model_version_artifact_api_proxied_artifact_root asks,
// with the version created through the server), and refuses to climb out.
func TestModelVersionArtifactProxiedRoots(t *testing.T) {
	store := artifact.NewDir(t.TempDir())
	mustPut(t, store, "a.txt", "abcdefg")
	mustPut(t, store, "sub/a.txt", "in sub")
	tests := []struct {
		uri, path, want string
		status          int
	}{
		{"mlflow-artifacts:", "a.txt", "abcdefg", 200},
		{"mlflow-artifacts:/", "a.txt", "abcdefg", 200},
		{"mlflow-artifacts:/sub", "a.txt", "in sub", 200},
		{"mlflow-artifacts://127.0.0.1:5000/sub", "a.txt", "in sub", 200},
		{"http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts", "a.txt", "abcdefg", 200},
		{"https://mlflow.example/api/2.0/mlflow-artifacts/artifacts/sub", "a.txt", "in sub", 200},
		{"mlflow-artifacts:/sub", "../a.txt", "", 400},
		{"mlflow-artifacts:/sub/../..", "a.txt", "", 400},
		{"mlflow-artifacts:", "nope.txt", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.uri+" "+tt.path, func(t *testing.T) {
			s := newTestServer(t, &fakeTracking{})
			s.Artifacts = store
			s.Registry = &uriRegistry{fakeRegistry: &fakeRegistry{recorder: &recorder{}}, uri: tt.uri}
			rec := do(t, s.Handler(), "GET", "/model-versions/get-artifact?name=m&version=1&path="+tt.path, "", "")
			if rec.Code != tt.status || (tt.status == http.StatusOK && rec.Body.String() != tt.want) {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.want)
			}
		})
	}
}
