package oci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/weir-ml/weir"
)

// Spec says what goes into an image.
type Spec struct {
	// Binary is the path of a static Linux weir binary for Platform; see
	// BuildBinary, and CheckBinary for what Build requires of it.
	Binary string
	// ModelDir is the local model directory (holding an MLmodel file) that
	// becomes /model.
	ModelDir string
	// Platform is the image's platform; zero means DefaultPlatform.
	Platform Platform
	// Base is the image to build on; nil means an empty base (FROM scratch).
	Base v1.Image
	// Model identifies the model in the image's labels.
	Model ModelInfo
	// Labels are added to the labels Build computes, and win over them.
	Labels map[string]string
	// Created is the creation time written in the config, the SBOM and as
	// every file's mtime; zero means the Unix epoch. Pass
	// SourceDateEpoch's result to honour SOURCE_DATE_EPOCH.
	Created time.Time
	// Python says the model is served through its own Python (a pyfunc
	// model no native adapter reads): the image runs PythonEntrypoint, and
	// Base, which must be set, provides the interpreter, mlflow and the
	// model's packages (see InspectPython).
	Python bool
	// PythonPackages is an optional local directory of installed Python
	// packages (pip install --target DIR) added as its own layer at
	// PythonPackagesPath and put on PYTHONPATH; only with Python.
	PythonPackages string
}

// ModelInfo identifies the model an image serves. Empty fields are left
// out of the labels.
type ModelInfo struct {
	Name    string // registered model name, or a name derived from the URI
	Version string // registered model version
	RunID   string // run that logged the model
	ModelID string // MLflow 3 logged model ID (m-...)
	URI     string // the URI the model was resolved from
}

// Image is a built image with the SBOM of its binary.
type Image struct {
	// Image is the runnable image.
	Image v1.Image
	// SBOM is the SPDX 2.3 JSON document of the binary's Go modules.
	SBOM []byte
	// Created is the creation time recorded in the image.
	Created time.Time
}

// Digest returns the digest of the image's manifest.
func (img *Image) Digest() (v1.Hash, error) { return img.Image.Digest() }

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH convention
// (reproducible-builds.org): seconds since the Unix epoch, given by the
// caller's environment value; the epoch itself when value is empty.
func SourceDateEpoch(value string) (time.Time, error) {
	if value == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, weir.Errorf(weir.ErrInvalidParameterValue, "SOURCE_DATE_EPOCH=%q: want seconds since 1970 as a non-negative integer", value)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Build assembles the image that Spec describes. Nothing is written or
// pushed; see WriteLayout, WriteTarball and Push.
func Build(ctx context.Context, spec Spec) (img *Image, err error) {
	defer weir.Wrap(&err, "oci: building image")
	p := spec.Platform
	if p.OS == "" {
		p = DefaultPlatform
	}
	created := spec.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC().Truncate(time.Second)
	if err := checkModelDir(spec.ModelDir); err != nil {
		return nil, err
	}
	if spec.Binary == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "no weir binary given")
	}
	bi, err := CheckBinary(spec.Binary, p)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(spec.Binary)
	if err != nil {
		return nil, err
	}
	sbom, err := SBOM(bi, sum, created)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	base := spec.Base
	scratch := base == nil
	if scratch {
		if spec.Python {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "a model served through its own Python needs a base image with Python and mlflow")
		}
		base = empty.Image
	}
	if spec.PythonPackages != "" && !spec.Python {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Python packages given for a model Weir scores natively")
	}
	mt, err := base.MediaType()
	if err != nil {
		return nil, err
	}
	docker := !scratch && mt == types.DockerManifestSchema2
	layerType := types.OCILayer
	if docker {
		layerType = types.DockerLayer
	}
	adds, err := layers(spec, scratch, created, layerType)
	if err != nil {
		return nil, err
	}
	out, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, err
	}
	labels := computeLabels(spec.Model, Revision(bi), bi.Main.Version, created)
	if spec.Python {
		labels[LabelRuntime] = RuntimePython
	}
	maps.Copy(labels, spec.Labels)
	cfg, err := out.ConfigFile()
	if err != nil {
		return nil, err
	}
	if err := configure(cfg, p, created, labels, scratch); err != nil {
		return nil, err
	}
	if spec.Python {
		configurePython(cfg, spec.PythonPackages != "")
	}
	if out, err = mutate.ConfigFile(out, cfg); err != nil {
		return nil, err
	}
	if !docker {
		out = mutate.MediaType(out, types.OCIManifestSchema1)
		out = mutate.ConfigMediaType(out, types.OCIConfigJSON)
		out = mutate.Annotations(out, labels).(v1.Image)
	}
	return &Image{Image: out, SBOM: sbom, Created: created}, nil
}

func checkModelDir(dir string) error {
	if dir == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "no model directory given")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return weir.Errorf(weir.ErrResourceDoesNotExist, "model directory %s: %v", dir, err)
	}
	if !st.IsDir() {
		return weir.Errorf(weir.ErrInvalidParameterValue, "model %s is a file, not a model directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "MLmodel")); err != nil {
		return weir.Errorf(weir.ErrInvalidParameterValue, "%s has no MLmodel file: not a model directory", dir)
	}
	return nil
}

// layers returns the layers Weir adds: on an empty base a tiny root file
// system (users, /tmp), then the binary, then the model, so a new model
// shares every layer but the last with the images before it.
func layers(spec Spec, scratch bool, created time.Time, mt types.MediaType) ([]mutate.Addendum, error) {
	var adds []mutate.Addendum
	add := func(b *layerBuilder, what string) error {
		l, err := b.layer(mt)
		if err != nil {
			return fmt.Errorf("%s layer: %w", what, err)
		}
		adds = append(adds, mutate.Addendum{
			Layer:     l,
			MediaType: mt,
			History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: "weir models build-image: " + what},
		})
		return nil
	}
	if scratch {
		// Root owns /etc so the user cannot rewrite it; /tmp is everyone's
		// (sticky, as usual) and is the user's home.
		root := newLayerBuilder(created)
		root.owner = 0
		for name, data := range rootFiles {
			root.addData(name, 0o444, []byte(data))
		}
		root.addDir("tmp", 0o1777)
		if err := add(root, "root file system"); err != nil {
			return nil, err
		}
	}
	bin := newLayerBuilder(created)
	bin.addFile(BinaryPath, 0o555, spec.Binary)
	if err := add(bin, "weir binary"); err != nil {
		return nil, err
	}
	if spec.PythonPackages != "" {
		pkgs := newLayerBuilder(created)
		if err := pkgs.addTree(PythonPackagesPath, spec.PythonPackages); err != nil {
			return nil, err
		}
		if err := add(pkgs, "Python packages"); err != nil {
			return nil, err
		}
	}
	model := newLayerBuilder(created)
	if err := model.addTree(ModelPath, spec.ModelDir); err != nil {
		return nil, err
	}
	if err := add(model, "model"); err != nil {
		return nil, err
	}
	return adds, nil
}

// rootFiles are the files of the root file system Weir adds on an empty
// base: user and group names for UID and GID, so tools that show users
// show "nonroot" rather than a bare number.
var rootFiles = map[string]string{
	"etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n",
	"etc/group":  "root:x:0:\nnonroot:x:65532:\n",
}

// scratchEnv is the environment of an image on an empty base.
var scratchEnv = []string{"PATH=/", "HOME=/tmp"}

func computeLabels(m ModelInfo, revision, weirVersion string, created time.Time) map[string]string {
	labels := map[string]string{
		LabelCreated: created.Format(time.RFC3339),
	}
	title := "weir model"
	if m.Name != "" {
		title = "weir model " + m.Name
		if m.Version != "" {
			title += " version " + m.Version
		}
	}
	labels[LabelTitle] = title
	labels[LabelDescription] = "Scoring server (MLflow /invocations and Open Inference Protocol v2) for " + title[len("weir "):]
	set := func(k, v string) {
		if v != "" {
			labels[k] = v
		}
	}
	set(LabelVersion, m.Version)
	set(LabelRevision, revision)
	set(LabelModelName, m.Name)
	set(LabelModelVersion, m.Version)
	set(LabelModelRunID, m.RunID)
	set(LabelModelID, m.ModelID)
	set(LabelModelURI, m.URI)
	if weirVersion != "(devel)" {
		set(LabelWeirVersion, weirVersion)
	}
	return labels
}

// configure sets what the image runs and how on cfg, keeping a base image's
// environment and labels that Weir does not set.
func configure(cfg *v1.ConfigFile, p Platform, created time.Time, labels map[string]string, scratch bool) error {
	if !scratch && cfg.OS != "" && (cfg.OS != p.OS || cfg.Architecture != p.Architecture) {
		return weir.Errorf(weir.ErrInvalidParameterValue, "base image is %s/%s, not %s", cfg.OS, cfg.Architecture, p)
	}
	cfg.OS, cfg.Architecture, cfg.Variant = p.OS, p.Architecture, p.Variant
	cfg.Created = v1.Time{Time: created}
	c := &cfg.Config
	c.User = fmt.Sprintf("%d:%d", UID, GID)
	c.Entrypoint = append([]string(nil), Entrypoint...)
	c.Cmd = nil
	c.WorkingDir = "/"
	if c.ExposedPorts == nil {
		c.ExposedPorts = map[string]struct{}{}
	}
	c.ExposedPorts[fmt.Sprintf("%d/tcp", Port)] = struct{}{}
	if scratch {
		c.Env = append([]string(nil), scratchEnv...)
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	maps.Copy(c.Labels, labels)
	c.Healthcheck = &v1.HealthConfig{
		Test:        append([]string(nil), HealthcheckCommand...),
		Interval:    HealthInterval,
		Timeout:     HealthTimeout,
		StartPeriod: HealthStartPeriod,
		Retries:     HealthRetries,
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
