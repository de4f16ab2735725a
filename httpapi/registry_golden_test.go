package httpapi

import (
	"bytes"
	"context"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

// TestRegistryEncoding compares registry, webhook and logged-model
// responses with testdata/registry/*.json (go test -update rewrites them).
func TestRegistryEncoding(t *testing.T) {
	store := artifact.NewDir(t.TempDir())
	root := "1/models/m-0123456789abcdef0123456789abcdef/artifacts"
	for _, p := range []string{root + "/MLmodel", root + "/model/tree.json"} {
		if err := store.Put(context.Background(), p, bytes.NewReader([]byte("1234"))); err != nil {
			t.Fatal(err)
		}
	}
	const mv, rm, lm = "/api/2.0/mlflow/model-versions/", "/api/2.0/mlflow/registered-models/", "/api/2.0/mlflow/logged-models"
	cases := []struct {
		name, method, target, body string
		setup                      func(d *registryDoubles)
	}{
		{"registered_model", "GET", rm + "get?name=m", "", nil},
		{"registered_model_bare", "GET", rm + "get?name=m", "", func(d *registryDoubles) { d.registry.model = bareRegisteredModel() }},
		{"registered_models_search", "GET", rm + "search", "", nil},
		{"latest_versions", "GET", rm + "get-latest-versions?name=m", "", nil},
		{"model_version", "GET", mv + "get?name=m&version=3", "", nil},
		{"model_versions_search", "GET", mv + "search", "", nil},
		{"download_uri", "GET", mv + "get-download-uri?name=m&version=3", "", nil},
		{"alias_set", "POST", rm + "alias", `{"name":"m","alias":"a","version":"1"}`, nil},
		{"webhook", "GET", "/api/2.0/mlflow/webhooks/wh-1", "", nil},
		{"webhooks_list", "GET", "/api/2.0/mlflow/webhooks", "", nil},
		{"logged_model", "GET", lm + "/m-0123456789abcdef0123456789abcdef", "", nil},
		{"logged_model_bare", "GET", lm + "/m-1", "", func(d *registryDoubles) {
			d.models.model = &tracking.LoggedModel{ModelID: "m-1", ExperimentID: "0", Name: "n", CreationTimestampMs: 5,
				LastUpdatedTimestampMs: 5, ArtifactURI: "s3://b/m-1", Status: tracking.LoggedModelPending}
		}},
		{"logged_models_search", "POST", lm + "/search", `{"experiment_ids":["1"]}`, nil},
		{"logged_model_artifacts", "GET", lm + "/m-0123456789abcdef0123456789abcdef/artifacts/directories", "", nil},
		{"logged_model_artifacts_dir", "GET", lm + "/m-0123456789abcdef0123456789abcdef/artifacts/directories?artifact_directory_path=model", "", nil},
		{"error_model_missing", "GET", rm + "get?name=nope", "", func(d *registryDoubles) {
			d.rec.err = weir.Errorf(weir.ErrResourceDoesNotExist, "Registered Model with name=nope not found")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, d := newRegistryServer(t)
			s.Artifacts = store
			if tc.setup != nil {
				tc.setup(d)
			}
			rec := do(t, s.Handler(), tc.method, tc.target, ctypeFor(tc.body), tc.body)
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", got)
			}
			checkGolden(t, "registry/"+tc.name, rec.Body.Bytes())
		})
	}
}

// TestLoggedModelFileDownload serves a logged model's file to the UI.
func TestLoggedModelFileDownload(t *testing.T) {
	store := artifact.NewDir(t.TempDir())
	root := "1/models/m-0123456789abcdef0123456789abcdef/artifacts"
	if err := store.Put(context.Background(), root+"/MLmodel", bytes.NewReader([]byte("flavors: {}\n"))); err != nil {
		t.Fatal(err)
	}
	s, _ := newRegistryServer(t)
	s.Artifacts = store
	const base = "/ajax-api/2.0/mlflow/logged-models/m-0123456789abcdef0123456789abcdef/artifacts/files"
	rec := do(t, s.Handler(), "GET", base+"?artifact_file_path=MLmodel", "", "")
	if rec.Code != 200 || rec.Body.String() != "flavors: {}\n" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("download: got %d %q %v", rec.Code, rec.Body, rec.Header())
	}
	for _, q := range []string{"", "?artifact_file_path=../../x"} {
		if rec := do(t, s.Handler(), "GET", base+q, "", ""); rec.Code != 400 {
			t.Errorf("GET %s: got %d %s, want 400", q, rec.Code, rec.Body)
		}
	}
}
