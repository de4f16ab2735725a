package mlmodel

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
)

// resolveFixture is a fake server holding one logged model ("churn", from
// run1) in the artifact store, a plain copy of the model among run1's
// artifacts at "exported", and registry versions 1 (None, via the logged
// model's URI), 2 (Production) and 3 (Staging), both via the artifact
// location; model "loop" has a version whose source names itself.
func resolveFixture(t *testing.T) (*fakeServer, Sources, string) {
	t.Helper()
	s, store := newLogServer(t)
	lm, err := Log(context.Background(), mustSaved(t), "run1", "churn", sinks(s))
	if err != nil {
		t.Fatal(err)
	}
	files := Files{Proxied: store}
	dir := mustSaved(t)
	for _, name := range []string{MLmodelFile, PredictorFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		err = files.Upload(context.Background(), "mlflow-artifacts:/1/run1/artifacts/exported", name, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	s.versions["churn"] = []*registry.ModelVersion{
		{Name: "churn", Version: "1", CurrentStage: registry.StageNone},
		{Name: "churn", Version: "2", CurrentStage: registry.StageProduction},
		{Name: "churn", Version: "3", CurrentStage: registry.StageStaging},
	}
	s.versions["empty"] = nil
	s.downloads["churn/1"] = "models:/" + lm.ModelID
	s.downloads["churn/2"] = lm.ArtifactURI
	s.downloads["churn/3"] = lm.ArtifactURI
	s.versions["loop"] = []*registry.ModelVersion{{Name: "loop", Version: "1", CurrentStage: registry.StageNone}}
	s.downloads["loop/1"] = "models:/loop/1"
	s.aliases["churn@champion"] = "2"
	src := Sources{Runs: s, LoggedModels: s, Registry: s, Artifacts: files, DownloadDir: t.TempDir()}
	return s, src, lm.ModelID
}

func TestResolve(t *testing.T) {
	s, src, id := resolveFixture(t)
	local := mustSaved(t)
	for _, tc := range []struct {
		uri       string
		wantModel string // model_id in the resolved MLmodel ("" for a plain copy)
		wantCalls []string
	}{
		{local, "", nil},
		{"file://" + local, "", nil},
		{"runs:/run1/churn", id, []string{"GetRun run1", "SearchLoggedModels [1] name = 'churn'"}},
		{"runs:/run1/exported", "", []string{"GetRun run1", "SearchLoggedModels [1] name = 'exported'"}},
		{"models:/" + id, id, []string{"GetLoggedModel " + id}},
		{"models:/churn/1", id, []string{"GetModelVersionDownloadURI churn 1", "GetLoggedModel " + id}},
		{"models:/churn/latest", id, []string{"GetLatestVersions churn []", "GetModelVersionDownloadURI churn 3"}},
		{"models:/churn/Production", id, []string{"GetLatestVersions churn [Production]", "GetModelVersionDownloadURI churn 2"}},
		{"models:/churn/production", id, []string{"GetLatestVersions churn [production]", "GetModelVersionDownloadURI churn 2"}},
		{"models:/churn@champion", id, []string{"GetModelVersionByAlias churn champion", "GetModelVersionDownloadURI churn 2"}},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			s.calls = nil
			dir, err := Resolve(context.Background(), tc.uri, src)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if m.MLmodel.ModelID != tc.wantModel {
				t.Errorf("resolved model_id %q, want %q", m.MLmodel.ModelID, tc.wantModel)
			}
			if tc.wantCalls != nil && strings.Join(s.calls, "\n") != strings.Join(tc.wantCalls, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(s.calls, "\n"), strings.Join(tc.wantCalls, "\n"))
			}
			if strings.HasPrefix(tc.uri, "/") || strings.HasPrefix(tc.uri, "file:") {
				if dir != local {
					t.Errorf("local model resolved to %s, want %s itself", dir, local)
				}
			} else if filepath.Dir(dir) != src.DownloadDir {
				t.Errorf("downloaded to %s, want a directory in %s", dir, src.DownloadDir)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	_, src, _ := resolveFixture(t)
	file := filepath.Join(mustSaved(t), MLmodelFile)
	for _, tc := range []struct {
		uri, code, want string
		src             *Sources
	}{
		{"", weir.ErrInvalidParameterValue, "empty model path", nil},
		{filepath.Join(t.TempDir(), "nope"), weir.ErrResourceDoesNotExist, "no model directory", nil},
		{file, weir.ErrInvalidParameterValue, "is a file", nil},
		{"runs:/", weir.ErrInvalidParameterValue, "no run ID", nil},
		{"runs:/run1/model", weir.ErrInvalidParameterValue, "need a tracking server", &Sources{}},
		{"runs:/nope/model", weir.ErrResourceDoesNotExist, "run nope not found", nil},
		{"runs:/run1/missing", weir.ErrResourceDoesNotExist, "no artifacts", nil},
		{"models:/a/b/c", weir.ErrInvalidParameterValue, "not a models URI", nil},
		{"models:churn/1", weir.ErrInvalidParameterValue, "not a models URI", nil},
		{"models://churn/1", weir.ErrInvalidParameterValue, "not a models URI", nil},
		{"models:/churn@", weir.ErrInvalidParameterValue, "not a models URI", nil},
		{"models:/churn/", weir.ErrInvalidParameterValue, "not a models URI", nil},
		{"models:/churn/7", weir.ErrResourceDoesNotExist, "model version churn/7", nil},
		{"models:/churn@nope", weir.ErrResourceDoesNotExist, "alias nope", nil},
		{"models:/empty/Production", weir.ErrResourceDoesNotExist, `has no versions in stage "Production"`, nil},
		{"models:/churn/1", weir.ErrInvalidParameterValue, "need a model registry", &Sources{}},
		{"models:/m-1", weir.ErrInvalidParameterValue, "need a tracking server", &Sources{}},
		{"models:/loop/latest", weir.ErrInvalidParameterValue, "more than 4 URIs", nil},
		{"models:/m-404", weir.ErrResourceDoesNotExist, "logged model m-404", nil},
		{"s3://bucket/model", weir.ErrInvalidParameterValue, `scheme "s3" is not supported`, nil},
		{"mlflow-artifacts:/1/run1/artifacts/exported", weir.ErrInvalidParameterValue, "no artifact downloader", &Sources{}},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			s := src
			if tc.src != nil {
				s = *tc.src
			}
			_, err := Resolve(context.Background(), tc.uri, s)
			if got := weir.ErrorCode(err); got != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Resolve(%q): %v (code %s), want code %s and %q", tc.uri, err, got, tc.code, tc.want)
			}
		})
	}
	left, err := os.ReadDir(src.DownloadDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("failed downloads left %d directories in %s", len(left), src.DownloadDir)
	}
}

func TestScheme(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b": "", "model": "", `C:\model`: "", "runs:/x": "runs", "Models:/x": "models",
		"file:///x": "file", "mlflow-artifacts:/1": "mlflow-artifacts", "s3://b/k": "s3", "a b:/x": "",
	} {
		if got := scheme(in); got != want {
			t.Errorf("scheme(%q) = %q, want %q", in, got, want)
		}
	}
}
