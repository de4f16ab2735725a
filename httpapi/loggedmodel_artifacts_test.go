package httpapi

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// TestLoggedModelArtifactsDefaultRoot lists and sends a logged model's
// files under the server's local default artifact root when artifacts are
// not proxied, as MLflow does, and refuses every way out of that root:
// "..", absolute paths, encoded traversal, a symbolic link inside the
// model's folder, and a model whose artifact URI lies elsewhere.
func TestLoggedModelArtifactsDefaultRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	const id = "m-0123456789abcdef0123456789abcdef"
	s, d := newRegistryServer(t)
	s.ServeArtifacts = false
	s.ArtifactsDestination = t.TempDir() // not where the models are
	s.DefaultArtifactRoot = "file://" + root
	model := sampleLoggedModel()
	model.ArtifactURI = "file://" + filepath.Join(root, "1", "models", id, "artifacts")
	d.models.model = model
	dir := artifact.NewDir(root)
	mustPut(t, dir, "1/models/"+id+"/artifacts/MLmodel", "model_id: "+id+"\n")
	mustPut(t, dir, "1/models/"+id+"/artifacts/python_model.pkl", "pickle")
	if err := os.Symlink(outside, filepath.Join(root, "1", "models", id, "artifacts", "link")); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	base := "/ajax-api/2.0/mlflow/logged-models/" + id + "/artifacts/"

	if got := mustGet(t, h, base+"files?artifact_file_path=MLmodel"); got != "model_id: "+id+"\n" {
		t.Errorf("get MLmodel: got %q", got)
	}
	rec := do(t, h, "GET", base+"directories", "", "")
	var list struct {
		RootURI string `json:"root_uri"`
		Files   []struct {
			Path  string `json:"path"`
			IsDir bool   `json:"is_dir"`
		} `json:"files"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("list: got %d %s (%v)", rec.Code, rec.Body, err)
	}
	var paths []string
	for _, f := range list.Files {
		paths = append(paths, f.Path)
	}
	if got, want := strings.Join(paths, " "), "MLmodel link python_model.pkl"; got != want {
		t.Errorf("list: got %s, want %s", got, want)
	}
	if list.RootURI != model.ArtifactURI {
		t.Errorf("root_uri: got %s, want %s", list.RootURI, model.ArtifactURI)
	}

	tests := []struct {
		name, target string
		status       int
		code, msg    string
	}{
		{"climbing file", "files?artifact_file_path=../../../../etc/passwd", 400, weir.ErrInvalidParameterValue, "Invalid path"},
		{"encoded climb", "files?artifact_file_path=%252e%252e/x", 400, weir.ErrInvalidParameterValue, "Invalid path"},
		{"absolute file", "files?artifact_file_path=/etc/passwd", 400, weir.ErrInvalidParameterValue, "Invalid path"},
		{"file through a link out", "files?artifact_file_path=link/secret", 400, weir.ErrInvalidParameterValue, "outside the artifact root"},
		{"missing file", "files?artifact_file_path=nope", 404, weir.ErrResourceDoesNotExist, "does not exist"},
		{"no file path", "files", 400, weir.ErrInvalidParameterValue, "artifact_file_path"},
		{"climbing listing", "directories?artifact_directory_path=../..", 400, weir.ErrInvalidParameterValue, "Invalid path"},
		{"absolute listing", "directories?artifact_directory_path=/etc", 400, weir.ErrInvalidParameterValue, "Invalid path"},
		{"listing through a link out", "directories?artifact_directory_path=link", 400, weir.ErrInvalidParameterValue, "outside the artifact root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, "GET", base+tt.target, "", "")
			var e struct {
				ErrorCode string `json:"error_code"`
				Message   string `json:"message"`
			}
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != tt.status || e.ErrorCode != tt.code || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got %d %s, want %d %s mentioning %q", rec.Code, rec.Body, tt.status, tt.code, tt.msg)
			}
			if strings.Contains(rec.Body.String(), "secret") && !strings.Contains(tt.target, "secret") {
				t.Errorf("the answer shows a file outside the root: %s", rec.Body)
			}
		})
	}

	// A model whose artifacts lie outside every served root is not read.
	model.ArtifactURI = "file://" + outside
	if rec := do(t, h, "GET", base+"files?artifact_file_path=secret", "", ""); rec.Code != http.StatusBadRequest || strings.Contains(rec.Body.String(), `"secret"`) {
		t.Errorf("file of a model outside the root: got %d %s, want 400", rec.Code, rec.Body)
	}
	rec = do(t, h, "GET", base+"directories", "", "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), "files") {
		t.Errorf("listing of a model outside the root: got %d %s, want no files", rec.Code, rec.Body)
	}
}
