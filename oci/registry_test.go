package oci

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"
)

// testRegistry returns the host:port of the loopback registry that
// tests/docker/registry.sh started, or skips.
func testRegistry(tb testing.TB) string {
	tb.Helper()
	host := os.Getenv("WEIR_TEST_REGISTRY")
	if host == "" {
		tb.Skip("WEIR_TEST_REGISTRY is not set: start a registry with tests/docker/registry.sh start DIR PORT (CI does)")
	}
	return host
}

// TestRegistryRoundTrip pushes an image to a real registry (Debian's
// docker-registry, which has no referrers API, so the SBOM goes through
// the referrers tag), pulls it back and checks what came back.
func TestRegistryRoundTrip(t *testing.T) {
	host := testRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	img := mustBuild(t, mustModelDir(t, "{}"))
	ref := fmt.Sprintf("%s/weir-oci-test/bank:%d", host, time.Now().UnixNano())
	reg := Registry{Insecure: true}
	d, err := reg.Push(ctx, ref, img)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()
	if d.DigestStr() != want.String() {
		t.Errorf("pushed digest: got %s, want %s", d.DigestStr(), want)
	}

	back, err := reg.Pull(ctx, ref, DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.Digest(); got != want {
		t.Errorf("pulled digest: got %s, want %s", got, want)
	}
	if got, want := mustLayerDigests(t, back), mustLayerDigests(t, img.Image); !reflect.DeepEqual(got, want) {
		t.Errorf("pulled layers: got %v, want %v", got, want)
	}
	cfg, err := back.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantCfg, _ := img.Image.ConfigFile()
	if !reflect.DeepEqual(cfg.Config, wantCfg.Config) {
		t.Errorf("pulled config:\ngot  %+v\nwant %+v", cfg.Config, wantCfg.Config)
	}
	if cfg.Config.Labels[LabelModelName] != "bank" || cfg.Config.User != "65532:65532" {
		t.Errorf("pulled labels %v user %q", cfg.Config.Labels, cfg.Config.User)
	}
	ls, _ := back.Layers()
	if got := mustLayerEntries(t, ls[1]); len(got) != 1 || got[0].name != "weir" {
		t.Errorf("pulled binary layer: got %v, want just weir", got)
	}

	idx, err := reg.Referrers(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].ArtifactType != SBOMMediaType {
		t.Fatalf("referrers of %s: got %+v, want one SBOM", d, im.Manifests)
	}
	art, err := reg.Pull(ctx, d.Context().Digest(im.Manifests[0].Digest.String()).String(), DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	checkSBOMArtifact(t, art, want, img.SBOM)

	// A second push of the same image adds no second referrer.
	if _, err := reg.Push(ctx, ref, img); err != nil {
		t.Fatal(err)
	}
	idx, err = reg.Referrers(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if im, _ := idx.IndexManifest(); len(im.Manifests) != 1 {
		t.Errorf("referrers after pushing twice: got %d, want 1", len(im.Manifests))
	}
}
