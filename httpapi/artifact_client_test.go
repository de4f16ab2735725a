package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/httpapi"
)

func TestClientUploadListDownload(t *testing.T) {
	ctx := context.Background()
	srv, _ := MustOpenServer(t)
	c := httpapi.NewClient(srv.URL())
	root := "mlflow-artifacts:/1/models/m-0123/artifacts"
	files := map[string]string{
		"MLmodel":             "flavors:\n  weir: {}\n",
		"predictor.json":      `{"format_version":1}`,
		"data/nested/a b.txt": "spaces survive",
		"empty":               "",
	}
	for p, body := range files {
		if err := c.Upload(ctx, root, p, strings.NewReader(body)); err != nil {
			t.Fatalf("Upload(%q): %v", p, err)
		}
	}
	list, err := c.ListArtifacts(ctx, root, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range list {
		names = append(names, f.Path)
	}
	if got, want := strings.Join(names, ","), "MLmodel,data,empty,predictor.json"; got != want {
		t.Errorf("ListArtifacts = %s, want %s", got, want)
	}
	dest := t.TempDir()
	if err := c.Download(ctx, root, dest); err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(dest, filepath.FromSlash(p)))
		if err != nil || string(got) != want {
			t.Errorf("downloaded %s = %q, %v; want %q", p, got, err, want)
		}
	}
	// Only the directory asked for comes down.
	sub := t.TempDir()
	if err := c.Download(ctx, root+"/data", sub); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sub, "nested", "a b.txt")); err != nil {
		t.Errorf("sub-directory download: %v", err)
	}
}

func TestClientArtifactErrors(t *testing.T) {
	ctx := context.Background()
	srv, _ := MustOpenServer(t)
	c := httpapi.NewClient(srv.URL())
	for _, tt := range []struct {
		name string
		err  error
		code string
	}{
		{"traversal in path", c.Upload(ctx, "mlflow-artifacts:/1", "../x", strings.NewReader("x")), weir.ErrInvalidParameterValue},
		{"traversal in URI", c.Upload(ctx, "mlflow-artifacts:/../x", "f", strings.NewReader("x")), weir.ErrInvalidParameterValue},
		{"not proxied", c.Upload(ctx, "s3://bucket/x", "f", strings.NewReader("x")), weir.ErrInvalidParameterValue},
		{"empty path", c.Upload(ctx, "mlflow-artifacts:/1", "", strings.NewReader("x")), weir.ErrInvalidParameterValue},
		{"nothing to download", c.Download(ctx, "mlflow-artifacts:/9/none", t.TempDir()), weir.ErrResourceDoesNotExist},
	} {
		if got := weir.ErrorCode(tt.err); got != tt.code {
			t.Errorf("%s: %v (code %s), want %s", tt.name, tt.err, got, tt.code)
		}
	}
}
