package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

func testVersionSource(t *testing.T, f *fixture) {
	ctx := context.Background()
	root := t.TempDir()
	local, err := f.tr.CreateExperiment(ctx, "local", root, nil)
	if err != nil {
		t.Fatal(err)
	}
	run := mustCreateRun(t, f.tr, tracking.RunCreate{ExperimentID: local}).Info
	proxied := mustCreateRun(t, f.tr, tracking.RunCreate{ExperimentID: "0"}).Info
	lm, err := f.lm.CreateLoggedModel(ctx, tracking.LoggedModelCreate{ExperimentID: local, SourceRunID: run.RunID})
	if err != nil {
		t.Fatal(err)
	}
	runDir := filepath.Join(root, run.RunID, "artifacts")
	if run.ArtifactURI != runDir {
		t.Fatalf("run artifact URI = %q, want %q", run.ArtifactURI, runDir)
	}
	mustCreateModel(t, f, "m")
	mustCreateModel(t, f, "src")
	mustCreateVersion(t, f, "src")
	if err := f.reg.SetRegisteredModelAlias(ctx, "src", "champ", "1"); err != nil {
		t.Fatal(err)
	}
	other := "0123456789abcdef0123456789abcdef"
	// A link inside the run's directory to a directory outside it.
	outside := t.TempDir()
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(runDir, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		c             registry.VersionCreate
		code          string
		wantURI       string
		wantRunID     string
		wantModelID   string
		wantRegistred bool
	}{
		{"local in run dir", registry.VersionCreate{Source: filepath.Join(runDir, "model"), RunID: run.RunID}, "", filepath.Join(runDir, "model"), run.RunID, "", false},
		{"file URI in run dir", registry.VersionCreate{Source: "file://" + filepath.Join(runDir, "model"), RunID: run.RunID}, "", "file://" + filepath.Join(runDir, "model"), run.RunID, "", false},
		{"run dir itself", registry.VersionCreate{Source: runDir, RunID: run.RunID}, "", runDir, run.RunID, "", false},
		{"file URI on localhost", registry.VersionCreate{Source: "file://localhost" + filepath.Join(runDir, "model"), RunID: run.RunID}, "", "file://localhost" + filepath.Join(runDir, "model"), run.RunID, "", false},
		// MLflow answers a file: URI naming another host with a 500, which its tests expect.
		{"file URI on another host", registry.VersionCreate{Source: "file://123.456.789.123/path/to/source", RunID: run.RunID}, weir.ErrInternal, "", "", "", false},
		{"local outside run dir", registry.VersionCreate{Source: "/etc/passwd", RunID: run.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"local sibling dir", registry.VersionCreate{Source: runDir + "x/model", RunID: run.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"local without run", registry.VersionCreate{Source: filepath.Join(runDir, "model")}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"local climbing out", registry.VersionCreate{Source: runDir + "/../../x", RunID: run.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		// MLflow resolves a local path before checking it: a ".." that stays in the run's directory is fine.
		{"local dotdot staying in", registry.VersionCreate{Source: runDir + "/sub/../model", RunID: run.RunID}, "", runDir + "/sub/../model", run.RunID, "", false},
		{"local through a link out", registry.VersionCreate{Source: filepath.Join(runDir, "link", "model"), RunID: run.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"local with proxied run", registry.VersionCreate{Source: "/tmp/m", RunID: proxied.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"s3", registry.VersionCreate{Source: "s3://bucket/model"}, "", "s3://bucket/model", "", "", false},
		{"s3 with dotdot", registry.VersionCreate{Source: "s3://bucket/../x"}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"escaped dotdot", registry.VersionCreate{Source: "s3://bucket/%252e%252e/x"}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"NUL", registry.VersionCreate{Source: "s3://bucket/x%00"}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"runs URI", registry.VersionCreate{Source: "runs:/" + run.RunID + "/model", RunID: run.RunID}, "", runDir + "/model", run.RunID, "", false},
		{"runs URI fills run_id", registry.VersionCreate{Source: "runs:/" + run.RunID + "/model"}, "", runDir + "/model", run.RunID, "", false},
		{"runs URI of another run", registry.VersionCreate{Source: "runs:/" + run.RunID + "/model", RunID: proxied.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"runs URI of missing run", registry.VersionCreate{Source: "runs:/" + other + "/model"}, weir.ErrInvalidParameterValue, "", "", "", false},
		// As MLflow: a run of another store, named by the run_id given with it, is taken as it is.
		{"runs URI of missing run with its run_id", registry.VersionCreate{Source: "runs:/" + other + "/model", RunID: other}, "", "runs:/" + other + "/model", other, "", false},
		{"runs URI of missing run, other run_id", registry.VersionCreate{Source: "runs:/" + other + "/model", RunID: run.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"runs URI with host", registry.VersionCreate{Source: "runs://x/" + run.RunID + "/model"}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"proxied in run", registry.VersionCreate{Source: proxied.ArtifactURI + "/model", RunID: proxied.RunID}, "", proxied.ArtifactURI + "/model", proxied.RunID, "", false},
		{"proxied outside run", registry.VersionCreate{Source: "mlflow-artifacts:/0/" + other + "/artifacts/model", RunID: proxied.RunID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"proxied without run", registry.VersionCreate{Source: proxied.ArtifactURI + "/model"}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"logged model", registry.VersionCreate{Source: "models:/" + lm.ModelID, ModelID: lm.ModelID}, "", lm.ArtifactURI, run.RunID, lm.ModelID, true},
		{"logged model fills model_id", registry.VersionCreate{Source: "models:/" + lm.ModelID}, "", lm.ArtifactURI, run.RunID, lm.ModelID, true},
		{"logged model mismatch", registry.VersionCreate{Source: "models:/" + lm.ModelID, ModelID: "m-" + other}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"missing logged model", registry.VersionCreate{Source: "models:/m-" + other}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"local in logged model dir", registry.VersionCreate{Source: filepath.Join(root, "models", lm.ModelID, "artifacts", "MLmodel"), ModelID: lm.ModelID}, "", filepath.Join(root, "models", lm.ModelID, "artifacts", "MLmodel"), run.RunID, lm.ModelID, true},
		{"runs URI with model_id", registry.VersionCreate{Source: "runs:/" + run.RunID + "/model", ModelID: lm.ModelID}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"registered version", registry.VersionCreate{Source: "models:/src/1"}, "", "s3://bucket/src", "", "", false},
		{"registered alias", registry.VersionCreate{Source: "models:/src@champ"}, "", "s3://bucket/src", "", "", false},
		{"registered stage", registry.VersionCreate{Source: "models:/src/None"}, "", "s3://bucket/src", "", "", false},
		{"registered missing version", registry.VersionCreate{Source: "models:/src/7"}, weir.ErrResourceDoesNotExist, "", "", "", false},
		{"models URI with host", registry.VersionCreate{Source: "models://other/src/1"}, weir.ErrInvalidParameterValue, "", "", "", false},
		// A prompt version has no files: MLflow accepts only its own placeholders as its source.
		{"prompt placeholder", registry.VersionCreate{Source: "dummy-source", Tags: []registry.Tag{{Key: promptTag, Value: "true"}}}, "", "dummy-source", "", "", false},
		{"prompt store placeholder", registry.VersionCreate{Source: "prompt-template", Tags: []registry.Tag{{Key: promptTag, Value: "TRUE"}}}, "", "prompt-template", "", "", false},
		{"prompt other source", registry.VersionCreate{Source: "s3://bucket/p", Tags: []registry.Tag{{Key: promptTag, Value: "true"}}}, weir.ErrInvalidParameterValue, "", "", "", false},
		{"prompt tag false", registry.VersionCreate{Source: "dummy-source", Tags: []registry.Tag{{Key: promptTag, Value: "true"}, {Key: promptTag, Value: "false"}}}, weir.ErrInvalidParameterValue, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Name = "m"
			mv, err := f.reg.CreateModelVersion(ctx, tt.c)
			if got := weir.ErrorCode(err); got != tt.code {
				t.Fatalf("CreateModelVersion(%+v) code %q (%v), want %q", tt.c, got, err, tt.code)
			}
			if err != nil {
				return
			}
			if mv.Source != tt.c.Source || mv.RunID != tt.wantRunID || mv.ModelID != tt.wantModelID {
				t.Errorf("version = source %q run %q model %q, want %q %q %q", mv.Source, mv.RunID, mv.ModelID, tt.c.Source, tt.wantRunID, tt.wantModelID)
			}
			uri, err := f.reg.GetModelVersionDownloadURI(ctx, "m", mv.Version)
			if err != nil || uri != tt.wantURI {
				t.Errorf("download URI = %q, %v; want %q", uri, err, tt.wantURI)
			}
			if !tt.wantRegistred {
				return
			}
			got, err := f.lm.GetLoggedModel(ctx, lm.ModelID)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range got.Registrations {
				found = found || r == tracking.ModelRegistration{Name: "m", Version: mv.Version}
			}
			if !found || !strings.Contains(tagMap(got.Tags)[modelVersionsTag], `{"name": "m", "version": `+mv.Version+`}`) {
				t.Errorf("logged model registrations %v, tags %v: want m/%s listed", got.Registrations, got.Tags, mv.Version)
			}
		})
	}
}

// TestAddRegistration checks the mlflow.modelVersions tag when MLflow's
// client or server has written it already.
func TestAddRegistration(t *testing.T) {
	f := newFixture(t, MustOpenDB)
	ctx := context.Background()
	lm := mustCreateLoggedModel(t, f, tracking.LoggedModelCreate{ExperimentID: "0"})
	tests := []struct {
		old     string
		name    string
		version int64
		want    string
	}{
		// Python's json.dumps spacing and escapes, as MLflow's server writes it.
		{"", "a", 1, `[{"name": "a", "version": 1}]`},
		{`[{"name": "a", "version": 1}]`, "a", 1, `[{"name": "a", "version": 1}]`},
		{`[{"name": "a", "version": "1"}]`, "a", 1, `[{"name": "a", "version": "1"}]`},
		{`[{"name": "a", "version": 1}]`, "a", 2, `[{"name": "a", "version": 1}, {"name": "a", "version": 2}]`},
		{`not json`, "b", 3, `[{"name": "b", "version": 3}]`},
		{"", "modèle", 1, `[{"name": "mod\u00e8le", "version": 1}]`},
	}
	for _, tt := range tests {
		err := f.db.writeTx(ctx, func(tx *txn) error {
			if _, err := tx.exec(ctx, `DELETE FROM logged_model_tags WHERE model_id = ?`, lm.ModelID); err != nil {
				return err
			}
			if tt.old != "" {
				if err := putModelTagsLM(ctx, tx, lm.ModelID, []tracking.Tag{{Key: modelVersionsTag, Value: tt.old}}); err != nil {
					return err
				}
			}
			return addRegistration(ctx, tx, lm.ModelID, tt.name, tt.version)
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.lm.GetLoggedModel(ctx, lm.ModelID)
		if v := tagMap(got.Tags)[modelVersionsTag]; v != tt.want {
			t.Errorf("after %q + %s/%d: tag = %s, want %s", tt.old, tt.name, tt.version, v, tt.want)
		}
	}
}
