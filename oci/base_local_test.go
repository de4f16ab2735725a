package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// mustLayoutDir writes imgs into a new OCI layout, each tagged with its
// name, and returns the directory.
func mustLayoutDir(tb testing.TB, imgs map[string]v1.Image) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		tb.Fatal(err)
	}
	names := make([]string, 0, len(imgs))
	for n := range imgs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := p.AppendImage(imgs[n], layout.WithAnnotations(map[string]string{refNameAnnotation: n})); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

// mustTarDir writes the files under dir into a tar file and returns it;
// extra entries are appended as they are.
func mustTarDir(tb testing.TB, dir string, extra ...fsEntry) string {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range extra {
		tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(e.body))
	}
	tw.Close()
	out := filepath.Join(tb.TempDir(), "archive.tar")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustDiffIDs(tb testing.TB, img v1.Image) []v1.Hash {
	tb.Helper()
	cfg, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	return cfg.RootFS.DiffIDs
}

func TestReadBase(t *testing.T) {
	base := mustFSImage(t, []string{"PATH=/usr/local/bin"}, pythonFS)
	arm := mustFSImage(t, nil, []fsEntry{{name: "arm", body: "arm"}})
	armCfg, _ := arm.ConfigFile()
	armCfg = armCfg.DeepCopy()
	armCfg.Architecture = "arm64"
	arm, err := mutate.ConfigFile(arm, armCfg)
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := mustLayoutDir(t, map[string]v1.Image{"python:3.11": base, "python:arm": arm})
	dockerTar := filepath.Join(t.TempDir(), "docker.tar")
	tag, _ := name.NewTag("python:3.11")
	if err := tarball.WriteToFile(dockerTar, tag, base); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, src string
	}{
		{"OCI layout directory (the image for the platform)", layoutDir},
		{"docker save tarball", dockerTar},
		{"OCI archive", mustTarDir(t, layoutDir, fsEntry{name: "../../escaped", body: "x"}, fsEntry{name: "blobs/sha256/../../../escaped", body: "x"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			img, err := ReadBase(tc.src, DefaultPlatform, tmp)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mustDiffIDs(t, img), mustDiffIDs(t, base); !slices.Equal(got, want) {
				t.Errorf("layers: got %v, want %v", got, want)
			}
			pb, err := InspectPython(t.Context(), img)
			if err != nil {
				t.Fatal(err)
			}
			if pb.Python != "/usr/local/bin/python3.11" {
				t.Errorf("python: got %q, want the base's", pb.Python)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(tmp), "escaped")); err == nil {
				t.Error("an archive entry was written outside the directory")
			}
		})
	}
}

func TestReadBaseErrors(t *testing.T) {
	dir := t.TempDir()
	base := mustFSImage(t, nil, pythonFS)
	other := mustFSImage(t, nil, []fsEntry{{name: "other", body: "x"}})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("x"))
	zw.Close()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyDir := filepath.Join(dir, "empty")
	os.Mkdir(emptyDir, 0o755)
	tests := []struct {
		name, src, want string
	}{
		{"missing", filepath.Join(dir, "none.tar"), "no such file"},
		{"gzip", write("image.tar.gz", gz.Bytes()), "gzip-compressed"},
		{"not a tar", write("notes.txt", []byte(strings.Repeat("not a tar ", 100))), "not a tar file"},
		{"a tar of something else", mustTarDir(t, mustWriteDir(t, map[string]string{"a.txt": "a"})), "neither manifest.json"},
		{"a directory that is no layout", emptyDir, "no index.json"},
		{"two images for the platform", mustLayoutDir(t, map[string]v1.Image{"a:1": base, "b:1": other}), "holds 2 images for linux/amd64 (a:1 sha256:"},
		{"index.json is not JSON", mustWriteDir(t, map[string]string{"oci-layout": `{"imageLayoutVersion": "1.0.0"}`, "index.json": "{not json"}),
			"not a readable OCI image layout"},
		{"a manifest that is not there", mustWriteDir(t, map[string]string{"oci-layout": `{"imageLayoutVersion": "1.0.0"}`,
			"index.json": `{"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 10, "digest": "sha256:` + strings.Repeat("ab", 32) + `"}]}`}),
			"image sha256:abab"},
		{"manifest.json is not JSON", mustTarDir(t, mustWriteDir(t, map[string]string{"manifest.json": "[{"})), "not a readable docker save tarball"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBase(tc.src, DefaultPlatform, t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if _, err := ReadBase(mustLayoutDir(t, map[string]v1.Image{"a:1": base}), Platform{OS: "linux", Architecture: "arm64"}, t.TempDir()); err == nil ||
		!strings.Contains(err.Error(), "holds images for linux/amd64, none for linux/arm64") {
		t.Errorf("no image for the platform: got %v", err)
	}
}

func mustWriteDir(tb testing.TB, files map[string]string) string {
	tb.Helper()
	dir := tb.TempDir()
	mustWriteFiles(tb, dir, files)
	return dir
}

func TestIsLocalBase(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{"python:3.11-slim", false},
		{"registry.example.com/team/python:3.11", false},
		{"localhost:5000/python@sha256:abc", false},
		{"./base", true},
		{"/srv/images/python", true},
		{"../python-base.tar", true},
		{"python-base.tar", true},
		{t.TempDir(), true},
	}
	for _, tc := range tests {
		if got := IsLocalBase(tc.ref); got != tc.want {
			t.Errorf("IsLocalBase(%q): got %v, want %v", tc.ref, got, tc.want)
		}
	}
}

// TestInspectCorruptLayer reads a base whose layer blob is neither gzip
// nor tar: an error naming the layers, not a panic.
func TestInspectCorruptLayer(t *testing.T) {
	base := mustFSImage(t, nil, pythonFS)
	dir := mustLayoutDir(t, map[string]v1.Image{"a:1": base})
	l := mustLayerDigests(t, base)[0]
	if err := os.WriteFile(filepath.Join(dir, "blobs", l.Algorithm, l.Hex), bytes.Repeat([]byte("not gzip, not tar "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := ReadBase(dir, DefaultPlatform, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := InspectPython(t.Context(), img); err == nil || !strings.Contains(err.Error(), "reading the layers") {
		t.Errorf("got %v, want an error reading the layers", err)
	}
}
