package oci

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestWriteLayout(t *testing.T) {
	img := mustBuild(t, mustModelDir(t, "{}"))
	dir := filepath.Join(t.TempDir(), "layout")
	if err := WriteLayout(dir, "bank:3", img); err != nil {
		t.Fatal(err)
	}
	// Writing again replaces rather than duplicates.
	if err := WriteLayout(dir, "bank:3", img); err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("index.json lists %d manifests, want 2 (image, SBOM)", len(im.Manifests))
	}
	want, _ := img.Digest()
	var gotImage, gotSBOM bool
	for _, d := range im.Manifests {
		switch {
		case d.Digest == want:
			gotImage = true
			if d.Annotations[refNameAnnotation] != "bank:3" {
				t.Errorf("image ref name: got %q, want bank:3", d.Annotations[refNameAnnotation])
			}
		case d.ArtifactType == SBOMMediaType:
			gotSBOM = true
			art, err := p.Image(d.Digest)
			if err != nil {
				t.Fatal(err)
			}
			checkSBOMArtifact(t, art, want, img.SBOM)
		default:
			t.Errorf("unexpected manifest %+v", d)
		}
	}
	if !gotImage || !gotSBOM {
		t.Errorf("index.json: image listed %v, SBOM listed %v; want both", gotImage, gotSBOM)
	}
	got, err := os.ReadFile(filepath.Join(dir, SBOMFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, img.SBOM) {
		t.Errorf("%s differs from the image's SBOM", SBOMFile)
	}

	notLayout := t.TempDir()
	if err := os.WriteFile(filepath.Join(notLayout, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteLayout(notLayout, "bank:3", img); err == nil {
		t.Error("WriteLayout into a non-empty directory that is not a layout: no error")
	}
}

// checkSBOMArtifact checks that art carries sbom and refers to subject.
func checkSBOMArtifact(tb testing.TB, art v1.Image, subject v1.Hash, sbom []byte) {
	tb.Helper()
	m, err := art.Manifest()
	if err != nil {
		tb.Fatal(err)
	}
	if m.ArtifactType != SBOMMediaType {
		tb.Errorf("artifactType: got %q, want %q", m.ArtifactType, SBOMMediaType)
	}
	if m.Subject == nil || m.Subject.Digest != subject {
		tb.Errorf("subject: got %+v, want digest %s", m.Subject, subject)
	}
	if m.Config.MediaType != emptyConfigMediaType || m.Config.Size != 2 {
		tb.Errorf("config: got %+v, want the empty descriptor", m.Config)
	}
	ls, err := art.Layers()
	if err != nil {
		tb.Fatal(err)
	}
	if len(ls) != 1 {
		tb.Fatalf("artifact layers: got %d, want 1", len(ls))
	}
	rc, err := ls[0].Compressed()
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(got, sbom) {
		tb.Error("artifact layer differs from the SBOM")
	}
}

func TestWriteTarball(t *testing.T) {
	img := mustBuild(t, mustModelDir(t, "{}"))
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := WriteTarball(path, "bank:3", img); err != nil {
		t.Fatal(err)
	}
	back, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Image.ConfigName()
	if got != want {
		t.Errorf("config digest read back: got %s, want %s", got, want)
	}
	if got, want := mustLayerDigests(t, back), mustLayerDigests(t, img.Image); len(got) != len(want) || got[2] != want[2] {
		t.Errorf("layers read back: got %v, want %v", got, want)
	}
	if err := WriteTarball(path, "Not A Tag!", img); err == nil {
		t.Error("WriteTarball with a bad tag: no error")
	}
}
