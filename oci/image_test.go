package oci

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/weir-ml/weir"
)

func TestBuildIsReproducible(t *testing.T) {
	dir := mustModelDir(t, `{"w": [1, 2]}`)
	a, b := mustBuild(t, dir), mustBuild(t, dir)
	da, err := a.Digest()
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if da != db {
		t.Errorf("two builds of the same inputs: digests %s and %s, want equal", da, db)
	}

	// Touching the files changes their mtimes on disk but not in the image.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "predictor.json"), later, later); err != nil {
		t.Fatal(err)
	}
	if dc, _ := mustBuild(t, dir).Digest(); dc != da {
		t.Errorf("after touching a model file: digest %s, want %s", dc, da)
	}
}

func TestNewModelReusesBinaryLayer(t *testing.T) {
	a := mustBuild(t, mustModelDir(t, `{"w": [1, 2]}`))
	b := mustBuild(t, mustModelDir(t, `{"w": [1, 3]}`))
	la, lb := mustLayerDigests(t, a.Image), mustLayerDigests(t, b.Image)
	if len(la) != 3 || len(lb) != 3 {
		t.Fatalf("layers: got %d and %d, want 3 (root, binary, model)", len(la), len(lb))
	}
	if la[0] != lb[0] || la[1] != lb[1] {
		t.Errorf("root and binary layers differ between models: %v vs %v", la[:2], lb[:2])
	}
	if la[2] == lb[2] {
		t.Errorf("model layers of different models are equal: %s", la[2])
	}
}

func mustLayerDigests(tb testing.TB, img v1.Image) []v1.Hash {
	tb.Helper()
	ls, err := img.Layers()
	if err != nil {
		tb.Fatal(err)
	}
	var out []v1.Hash
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestBuildConfig(t *testing.T) {
	img := mustBuild(t, mustModelDir(t, "{}"))
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Config
	checks := []struct {
		name      string
		got, want any
	}{
		{"os", cfg.OS, "linux"},
		{"architecture", cfg.Architecture, "amd64"},
		{"created", cfg.Created.Time.UTC(), time.Unix(0, 0).UTC()},
		{"user", c.User, "65532:65532"},
		{"entrypoint", c.Entrypoint, []string{"/weir", "models", "serve", "-m", "/model", "--host", "0.0.0.0", "--port", "8080"}},
		{"cmd", len(c.Cmd), 0},
		{"exposed ports", c.ExposedPorts, map[string]struct{}{"8080/tcp": {}}},
		{"healthcheck", c.Healthcheck.Test, []string{"CMD", "/weir", "models", "ping", "--url", "http://127.0.0.1:8080/ping"}},
		{"healthcheck interval", c.Healthcheck.Interval, 10 * time.Second},
		{"model name label", c.Labels[LabelModelName], "bank"},
		{"model version label", c.Labels[LabelModelVersion], "3"},
		{"run id label", c.Labels[LabelModelRunID], "abc"},
		{"uri label", c.Labels[LabelModelURI], "models:/bank/3"},
		{"title label", c.Labels[LabelTitle], "weir model bank version 3"},
		{"created label", c.Labels[LabelCreated], "1970-01-01T00:00:00Z"},
		{"history", len(cfg.History), 3},
	}
	for _, tc := range checks {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if _, ok := c.Labels[LabelModelID]; ok {
		t.Errorf("empty model ID written as label %q", c.Labels[LabelModelID])
	}
	m, err := img.Image.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("media types: manifest %s config %s, want OCI", m.MediaType, m.Config.MediaType)
	}
	if m.Annotations[LabelModelName] != "bank" {
		t.Errorf("manifest annotation %s: got %q, want bank", LabelModelName, m.Annotations[LabelModelName])
	}
	for _, l := range m.Layers {
		if l.MediaType != types.OCILayer {
			t.Errorf("layer %s: media type %s, want %s", l.Digest, l.MediaType, types.OCILayer)
		}
	}
}

// tarEntry is what the tests check of one layer entry.
type tarEntry struct {
	name     string
	mode     int64
	uid, gid int
	mtime    int64
}

func mustLayerEntries(tb testing.TB, l v1.Layer) []tarEntry {
	tb.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	var out []tarEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, tarEntry{h.Name, h.Mode, h.Uid, h.Gid, h.ModTime.Unix()})
	}
}

func TestLayerContents(t *testing.T) {
	img := mustBuild(t, mustModelDir(t, "{}"))
	ls, err := img.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]tarEntry{
		{
			{"etc/", 0o755, 0, 0, 0},
			{"etc/group", 0o444, 0, 0, 0},
			{"etc/passwd", 0o444, 0, 0, 0},
			{"tmp/", 0o1777, 0, 0, 0},
		},
		{
			{"weir", 0o555, UID, GID, 0},
		},
		{
			{"model/", 0o555, UID, GID, 0},
			{"model/MLmodel", 0o444, UID, GID, 0},
			{"model/predictor.json", 0o444, UID, GID, 0},
			{"model/serving_input_example.json", 0o444, UID, GID, 0},
			{"model/sub/", 0o555, UID, GID, 0},
			{"model/sub/notes.txt", 0o444, UID, GID, 0},
		},
	}
	if len(ls) != len(want) {
		t.Fatalf("layers: got %d, want %d", len(ls), len(want))
	}
	for i, l := range ls {
		if got := mustLayerEntries(t, l); !reflect.DeepEqual(got, want[i]) {
			t.Errorf("layer %d entries:\ngot  %v\nwant %v", i, got, want[i])
		}
	}
}

func TestSourceDateEpochSetsTimes(t *testing.T) {
	when, err := SourceDateEpoch("1700000000")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Build(context.Background(), Spec{Binary: mustTinyBinary(t), ModelDir: mustModelDir(t, "{}"), Created: when})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Created.Unix(); got != 1700000000 {
		t.Errorf("config created: got %d, want 1700000000", got)
	}
	ls, _ := img.Image.Layers()
	for _, e := range mustLayerEntries(t, ls[1]) {
		if e.mtime != 1700000000 {
			t.Errorf("%s mtime: got %d, want 1700000000", e.name, e.mtime)
		}
	}
}

func TestSourceDateEpoch(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"", 0, false},
		{"1700000000", 1700000000, false},
		{" 42 ", 42, false},
		{"-1", 0, true},
		{"yesterday", 0, true},
	}
	for _, tc := range tests {
		got, err := SourceDateEpoch(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("SourceDateEpoch(%q): error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && got.Unix() != tc.want {
			t.Errorf("SourceDateEpoch(%q) = %d, want %d", tc.in, got.Unix(), tc.want)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	bin := mustTinyBinary(t)
	good := mustModelDir(t, "{}")
	noMLmodel := t.TempDir()
	withLink := mustModelDir(t, "{}")
	if err := os.Symlink("/etc/passwd", filepath.Join(withLink, "link")); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(t.TempDir(), "weir")
	if err := os.WriteFile(text, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		spec    Spec
		wantErr string
	}{
		{"no model", Spec{Binary: bin}, "no model directory"},
		{"missing model", Spec{Binary: bin, ModelDir: filepath.Join(good, "nope")}, "RESOURCE_DOES_NOT_EXIST"},
		{"no MLmodel", Spec{Binary: bin, ModelDir: noMLmodel}, "no MLmodel file"},
		{"symlink in model", Spec{Binary: bin, ModelDir: withLink}, "not a regular file"},
		{"no binary", Spec{ModelDir: good}, "no weir binary"},
		{"script as binary", Spec{Binary: text, ModelDir: good}, "not a Linux (ELF) executable"},
		{"wrong platform", Spec{Binary: bin, ModelDir: good, Platform: Platform{OS: "linux", Architecture: "arm64"}}, "not linux/arm64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(context.Background(), tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
			// The caller's mistakes carry a weir code, so the CLI exits 2.
			if code := weir.ErrorCode(err); code == weir.ErrInternal {
				t.Errorf("error %v has no weir code", err)
			}
		})
	}
}

func TestParsePlatform(t *testing.T) {
	tests := []struct {
		in      string
		want    Platform
		wantErr bool
	}{
		{"", Platform{OS: "linux", Architecture: "amd64"}, false},
		{"linux/amd64", Platform{OS: "linux", Architecture: "amd64"}, false},
		{"linux/arm/v7", Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, false},
		{"windows/amd64", Platform{}, true},
		{"linux", Platform{}, true},
		{"linux/sparc", Platform{}, true},
		{"linux/amd64/v2/x", Platform{}, true},
	}
	for _, tc := range tests {
		got, err := ParsePlatform(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParsePlatform(%q): error %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePlatform(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestComputeLabels(t *testing.T) {
	created := time.Unix(0, 0).UTC()
	tests := []struct {
		name              string
		m                 ModelInfo
		revision, version string
		want              map[string]string
	}{
		{"bare", ModelInfo{}, "", "(devel)", map[string]string{
			LabelCreated:     "1970-01-01T00:00:00Z",
			LabelTitle:       "weir model",
			LabelDescription: "Scoring server (MLflow /invocations and Open Inference Protocol v2) for model",
		}},
		{"full", ModelInfo{Name: "bank", Version: "2", RunID: "r", ModelID: "m-1", URI: "models:/bank/2"}, "abc-dirty", "v1.2.0", map[string]string{
			LabelCreated:      "1970-01-01T00:00:00Z",
			LabelTitle:        "weir model bank version 2",
			LabelDescription:  "Scoring server (MLflow /invocations and Open Inference Protocol v2) for model bank version 2",
			LabelVersion:      "2",
			LabelRevision:     "abc-dirty",
			LabelModelName:    "bank",
			LabelModelVersion: "2",
			LabelModelRunID:   "r",
			LabelModelID:      "m-1",
			LabelModelURI:     "models:/bank/2",
			LabelWeirVersion:  "v1.2.0",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := computeLabels(tc.m, tc.revision, tc.version, created); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestRevision(t *testing.T) {
	tests := []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{nil, ""},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}}, "abc"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "true"}}, "abc-dirty"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}, ""},
	}
	for _, tc := range tests {
		if got := Revision(&debug.BuildInfo{Settings: tc.settings}); got != tc.want {
			t.Errorf("Revision(%v) = %q, want %q", tc.settings, got, tc.want)
		}
	}
}
