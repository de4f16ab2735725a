package oci

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// mustBase returns a two-layer Docker-format image for arch with an
// environment and a label of its own, standing in for a base image.
func mustBase(tb testing.TB, arch string) v1.Image {
	tb.Helper()
	img, err := random.Image(256, 2)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		tb.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Config.Env = []string{"PATH=/usr/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}
	cfg.Config.Labels = map[string]string{"base.vendor": "example"}
	cfg.Config.Cmd = []string{"/bin/sh"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		tb.Fatal(err)
	}
	return img
}

func TestBuildOnBase(t *testing.T) {
	base := mustBase(t, "amd64")
	img, err := Build(context.Background(), Spec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Base: base, Model: ModelInfo{Name: "bank"}})
	if err != nil {
		t.Fatal(err)
	}
	baseLayers := mustLayerDigests(t, base)
	got := mustLayerDigests(t, img.Image)
	// The base's layers, then the binary and the model: no root file
	// system of ours on top of the base's.
	if len(got) != len(baseLayers)+2 || !reflect.DeepEqual(got[:len(baseLayers)], baseLayers) {
		t.Fatalf("layers: got %v, want the base's %v then two", got, baseLayers)
	}
	m, err := img.Image.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	// A Docker-format base keeps Docker media types throughout.
	if m.MediaType != types.DockerManifestSchema2 || m.Layers[len(m.Layers)-1].MediaType != types.DockerLayer {
		t.Errorf("media types: manifest %s, last layer %s; want Docker's", m.MediaType, m.Layers[len(m.Layers)-1].MediaType)
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	if !reflect.DeepEqual(c.Env, []string{"PATH=/usr/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}) {
		t.Errorf("env: got %v, want the base's", c.Env)
	}
	if c.Labels["base.vendor"] != "example" || c.Labels[LabelModelName] != "bank" {
		t.Errorf("labels: got %v, want the base's and ours", c.Labels)
	}
	if len(c.Cmd) != 0 || !reflect.DeepEqual(c.Entrypoint, Entrypoint) || c.User != "65532:65532" {
		t.Errorf("cmd %v entrypoint %v user %q: want no cmd, our entrypoint and user", c.Cmd, c.Entrypoint, c.User)
	}

	if _, err := Build(context.Background(), Spec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Base: mustBase(t, "arm64")}); err == nil ||
		!strings.Contains(err.Error(), "base image is linux/arm64") {
		t.Errorf("arm64 base for an amd64 image: got %v, want a platform error", err)
	}
}

// TestPullBaseFromRegistry pulls a base image from the loopback registry,
// as build-image --base does.
func TestPullBaseFromRegistry(t *testing.T) {
	host := testRegistry(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := mustBase(t, "amd64")
	ref := fmt.Sprintf("%s/weir-oci-test/base:%d", host, time.Now().UnixNano())
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, base, remote.WithContext(ctx)); err != nil {
		t.Fatal(err)
	}
	pulled, err := Registry{Insecure: true}.Pull(ctx, ref, DefaultPlatform)
	if err != nil {
		t.Fatal(err)
	}
	img, err := Build(ctx, Spec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Base: pulled})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustLayerDigests(t, img.Image)[:2], mustLayerDigests(t, base); !reflect.DeepEqual(got, want) {
		t.Errorf("first layers: got %v, want the base's %v", got, want)
	}
	if _, err := (Registry{Insecure: true}).Pull(ctx, host+"/weir-oci-test/none:1", DefaultPlatform); err == nil {
		t.Error("pulling a missing image: no error")
	}
}
