package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

func TestUIUploadArtifact(t *testing.T) {
	fake := &fakeTracking{GetRunFn: func(_ context.Context, id string) (*tracking.Run, error) {
		if id != "0123456789abcdef0123456789abcdef" {
			return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Run with id=%s not found", id)
		}
		return sampleRun(), nil
	}}
	s := newTestServer(t, fake)
	store := artifact.NewDir(t.TempDir())
	s.Artifacts = store
	h := s.Handler()
	const up = "/ajax-api/2.0/mlflow/upload-artifact?run_uuid="
	const run = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, target, body string
		wantStatus         int
		wantBody           string
	}{
		{"upload", up + run + "&path=notes/readme.md", "# hi\n", 200, "{}"},
		{"no run", "/ajax-api/2.0/mlflow/upload-artifact?path=x", "x", 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Request must specify run_uuid."}`},
		{"no path", up + run, "x", 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Request must specify path."}`},
		{"no data", up + run + "&path=x", "", 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Request must specify data."}`},
		{"too large", up + run + "&path=big", strings.Repeat("x", maxUIUpload+1), 400,
			`{"error_code":"INVALID_PARAMETER_VALUE","message":"Artifact size is too large. Max size is 10MB."}`},
		{"unknown run", up + "nope&path=x", "x", 404,
			`{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=nope not found"}`},
	}
	for _, tt := range tests {
		rec := do(t, h, "POST", tt.target, "application/octet-stream", tt.body)
		if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
			t.Errorf("%s: got %d %.200s, want %d %s", tt.name, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
		}
	}
	rc, err := store.Open(context.Background(), "1/"+run+"/artifacts/notes/readme.md")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := store.Open(context.Background(), "1/"+run+"/artifacts/big"); weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("too large upload stored something: %v", err)
	}
}
