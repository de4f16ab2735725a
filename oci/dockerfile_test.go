package oci

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGenerateDockerfile(t *testing.T) {
	model := mustModelDir(t, "{}")
	dir := filepath.Join(t.TempDir(), "ctx")
	err := GenerateDockerfile(dir, DockerfileSpec{
		Binary:   mustTinyBinary(t),
		ModelDir: model,
		Model:    ModelInfo{Name: "bank", Version: "3", RunID: "abc"},
		Labels:   map[string]string{"team": `risk "A" $HOME \ok`},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "Dockerfile.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Dockerfile:\ngot\n%s\nwant\n%s", got, want)
	}
	for _, name := range []string{"weir", "model/MLmodel", "model/sub/notes.txt", "rootfs/etc/passwd", "rootfs/etc/group"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("context: %v", err)
		}
	}
	st, err := os.Stat(filepath.Join(dir, "rootfs", "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode()&(os.ModePerm|os.ModeSticky), os.ModePerm|os.ModeSticky; got != want {
		t.Errorf("rootfs/tmp mode: got %v, want %v", got, want)
	}

	if err := GenerateDockerfile(dir, DockerfileSpec{Binary: mustTinyBinary(t), ModelDir: model}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("into a non-empty directory: got %v, want a not-empty error", err)
	}
	bad := DockerfileSpec{Binary: mustTinyBinary(t), ModelDir: model, Labels: map[string]string{"x": "two\nlines"}}
	if err := GenerateDockerfile(filepath.Join(t.TempDir(), "c"), bad); err == nil {
		t.Error("label with a newline: no error")
	}
}

func TestGenerateDockerfileOnBase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ctx")
	err := GenerateDockerfile(dir, DockerfileSpec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Base: "gcr.io/distroless/static:nonroot"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "\nFROM gcr.io/distroless/static:nonroot\n") || strings.Contains(string(got), "rootfs") {
		t.Errorf("Dockerfile on a base:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "rootfs")); !os.IsNotExist(err) {
		t.Errorf("rootfs written on a base image: %v", err)
	}
}
