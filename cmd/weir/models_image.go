//go:build !weir_serve

package main

import (
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/oci"
)

// imageFlags are shared by build-image and generate-dockerfile: which model,
// which binary, which platform, and what to call the model in labels.
type imageFlags struct {
	trackingFlags
	Model        string            `short:"m" required:"" help:"Model URI: a model directory, runs:/<run_id>/<path>, models:/<name>/<version|stage|latest>, models:/<name>@<alias>."`
	Platform     string            `help:"Image platform, linux/<arch>[/<variant>]." default:"linux/amd64"`
	WeirBinary   string            `name:"weir-binary" placeholder:"PATH" help:"Static Linux weir binary to put in the image. Default: build the serving build (-tags weir_serve: models serve and ping only, a third of the size) from the source tree around the working directory when a Go toolchain is present, else use this weir if it is static and for the platform. A full weir binary works too, in a bigger image."`
	Label        map[string]string `help:"Extra image label KEY=VALUE (repeatable); wins over the labels weir sets."`
	ModelName    string            `help:"Model name for the labels. Default: from a models:/ URI, else the directory's name."`
	ModelVersion string            `help:"Model version for the labels. Default: from a models:/ URI."`
}

// preparedModel is a resolved model, a binary for the platform, and what
// to remove afterwards.
type preparedModel struct {
	dir      string
	file     *mlmodel.File
	binary   string
	platform oci.Platform
	info     oci.ModelInfo
	// python says the model is served through its own Python: no native
	// adapter reads it, and mlflow.pyfunc can load it.
	python  bool
	tmp     string
	cleanup []string
}

func (p *preparedModel) close() {
	for _, d := range p.cleanup {
		os.RemoveAll(d)
	}
}

// prepare resolves the model and finds or builds the binary, calling
// check (when not nil) in between, so that a model the command cannot
// build is refused before a binary is compiled. The caller must call close
// on the result, even with an error.
func (f *imageFlags) prepare(g *globals, check func(*preparedModel) error) (*preparedModel, error) {
	p := &preparedModel{}
	platform, err := oci.ParsePlatform(f.Platform)
	if err != nil {
		return p, usagef("--platform: %v", err)
	}
	p.platform = platform
	tmp, err := os.MkdirTemp("", "weir-image-")
	if err != nil {
		return p, err
	}
	p.cleanup = append(p.cleanup, tmp)
	p.tmp = tmp
	if p.dir, p.info, err = f.resolveModel(g.ctx, tmp); err != nil {
		return p, err
	}
	if p.file, err = mlmodel.ReadMLmodel(p.dir); err != nil {
		return p, err
	}
	p.python = servesWithPython(p.file, "")
	if check != nil {
		if err := check(p); err != nil {
			return p, err
		}
	}
	p.binary, err = f.binary(g, platform, tmp)
	return p, err
}

// resolveModel returns the local directory of the model and its identity.
// Only runs:/ and models:/ URIs open the tracking backend, so building from
// a directory never creates or needs a store.
func (f *imageFlags) resolveModel(ctx context.Context, tmp string) (string, oci.ModelInfo, error) {
	info := oci.ModelInfo{URI: f.Model}
	var src mlmodel.Sources
	if s := uriScheme(f.Model); s == "runs" || s == "models" {
		b, err := f.openBackend(ctx)
		if err != nil {
			return "", info, err
		}
		defer b.close()
		src = mlmodel.Sources{Runs: b.tracking, LoggedModels: b.loggedModels, Registry: b.registry, Artifacts: b.artifacts, DownloadDir: tmp}
		if s == "models" {
			info.Name, info.Version = registryIdentity(ctx, b, f.Model)
		}
	}
	dir, err := mlmodel.Resolve(ctx, f.Model, src)
	if err != nil {
		return "", info, err
	}
	if raw, err := os.ReadFile(filepath.Join(dir, mlmodel.MLmodelFile)); err == nil {
		if file, err := mlmodel.ParseFile(raw); err == nil {
			info.RunID, info.ModelID = file.RunID, file.ModelID
		}
	}
	if info.Name == "" {
		switch uriScheme(f.Model) {
		case "":
			info.Name = filepath.Base(dir)
		case "runs": // runs:/<run_id>/<path>: the path's last segment names the model
			if _, p, ok := strings.Cut(strings.TrimLeft(strings.TrimPrefix(f.Model, "runs:"), "/"), "/"); ok && strings.Trim(p, "/") != "" {
				info.Name = filepath.Base(strings.Trim(p, "/"))
			}
		}
	}
	if f.ModelName != "" {
		info.Name = f.ModelName
	}
	if f.ModelVersion != "" {
		info.Version = f.ModelVersion
	}
	return dir, info, nil
}

// registryIdentity returns the registered model name and version a
// models:/ URI points at, as far as the registry says; empty when the URI
// names a logged model (models:/m-...) or the lookup fails (Resolve then
// reports the failure).
func registryIdentity(ctx context.Context, b *backend, uri string) (name, version string) {
	rest := strings.TrimPrefix(strings.TrimPrefix(uri, "models:"), "/")
	if n, alias, ok := strings.Cut(rest, "@"); ok {
		if mv, err := b.registry.GetModelVersionByAlias(ctx, n, alias); err == nil {
			return n, mv.Version
		}
		return n, ""
	}
	n, suffix, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "" // models:/m-<id>, a logged model
	}
	if _, err := strconv.Atoi(suffix); err == nil {
		return n, suffix
	}
	var stages []string
	if !strings.EqualFold(suffix, "latest") {
		stages = []string{suffix}
	}
	versions, err := b.registry.GetLatestVersions(ctx, n, stages)
	if err != nil {
		return n, ""
	}
	best := -1
	for _, v := range versions {
		if i, err := strconv.Atoi(v.Version); err == nil && i > best {
			best = i
		}
	}
	if best < 0 {
		return n, ""
	}
	return n, strconv.Itoa(best)
}

func uriScheme(uri string) string {
	i := strings.Index(uri, ":/")
	if i < 2 {
		return ""
	}
	return strings.ToLower(uri[:i])
}

// binary returns the weir binary to put in the image, saying on stderr
// where it came from.
func (f *imageFlags) binary(g *globals, p oci.Platform, tmp string) (string, error) {
	if f.WeirBinary != "" {
		fmt.Fprintf(g.stderr, "weir binary: %s (--weir-binary)\n", f.WeirBinary)
		noteFullBinary(g, f.WeirBinary)
		return f.WeirBinary, nil
	}
	// The same builder as the demo's deploy step: progress while it
	// compiles, a cached build across runs, and without a source tree the
	// module cache or this weir itself when it is static (servebin.go).
	bin, err := newServeBuilder(g).binary(g.ctx, p)
	if err != nil {
		return "", usagef("%v", err)
	}
	return bin, nil
}

// noteFullBinary says on stderr when a binary for the image is a full weir
// build: it serves the same, but makes the image about three times bigger
// than the serving build would.
func noteFullBinary(g *globals, path string) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil || oci.IsServeBuild(bi) {
		return // CheckBinary reports a binary without build information
	}
	size := ""
	if st, err := os.Stat(path); err == nil {
		size = fmt.Sprintf(" (%.1f MB)", float64(st.Size())/1e6)
	}
	fmt.Fprintf(g.stderr, "weir binary: a full build%s; it serves the same, and the serving build (go build -tags %s ./cmd/weir) makes a smaller image\n", size, oci.ServeTag)
}

// modelsBuildImageCmd is `weir models build-image`.
type modelsBuildImageCmd struct {
	imageFlags
	Tag              string `short:"t" required:"" help:"Image name and tag, e.g. bank:3 or registry.example.com/team/bank:3."`
	OCILayout        string `name:"oci-layout" placeholder:"DIR" help:"Write the image and its SBOM artifact into this OCI image layout directory (and the SBOM as DIR/sbom.spdx.json)."`
	Tar              string `placeholder:"FILE" help:"Write the image as a tarball that docker load reads."`
	Push             bool   `help:"Push the image and its SBOM to the registry named in --tag."`
	InsecureRegistry bool   `name:"insecure-registry" help:"Allow plain HTTP and unverified TLS for --push and --base."`
	Base             string `placeholder:"IMAGE|PATH" help:"Base image: an OCI image layout directory, a docker save tarball or an OCI archive on disk, or an image in a registry. Default: none (an empty base). Required for a model served through its own Python: the base must hold python3 on PATH with mlflow and the model's requirements installed."`
	PythonPackages   string `name:"python-packages" placeholder:"DIR" help:"For a model served through its own Python: a directory of installed packages (pip install --target DIR -r requirements.txt, for the base's Python and platform) added as a layer at /opt/weir/python and put on PYTHONPATH."`
	SBOM             string `name:"sbom" placeholder:"FILE" help:"Also write the SPDX SBOM to this file."`
}

// Run builds the image and writes it where asked.
func (c *modelsBuildImageCmd) Run(g *globals) error {
	if c.OCILayout == "" && c.Tar == "" && !c.Push {
		return usagef("say where the image goes: --oci-layout DIR, --tar FILE and/or --push")
	}
	start := time.Now()
	p, err := c.prepare(g, c.checkPython)
	defer p.close()
	if err != nil {
		return err
	}
	created, err := oci.SourceDateEpoch(g.getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return usagef("%v", err)
	}
	reg := oci.Registry{Insecure: c.InsecureRegistry}
	spec := oci.Spec{Binary: p.binary, ModelDir: p.dir, Platform: p.platform, Model: p.info, Labels: c.Label, Created: created,
		Python: p.python, PythonPackages: c.PythonPackages}
	if c.Base != "" {
		if oci.IsLocalBase(c.Base) {
			spec.Base, err = oci.ReadBase(c.Base, p.platform, p.tmp)
		} else {
			spec.Base, err = reg.Pull(g.ctx, c.Base, p.platform)
		}
		if err != nil {
			return err
		}
	}
	if p.python {
		if err := c.inspectPythonBase(g, p, spec.Base); err != nil {
			return err
		}
	}
	img, err := oci.Build(g.ctx, spec)
	if err != nil {
		return err
	}
	res, err := describe(img)
	if err != nil {
		return err
	}
	res.Tag = c.Tag
	if c.OCILayout != "" {
		if err := oci.WriteLayout(c.OCILayout, c.Tag, img); err != nil {
			return err
		}
		res.Outputs = append(res.Outputs, "oci-layout:"+c.OCILayout)
	}
	if c.Tar != "" {
		if err := oci.WriteTarball(c.Tar, c.Tag, img); err != nil {
			return err
		}
		res.Outputs = append(res.Outputs, "tar:"+c.Tar)
	}
	if c.SBOM != "" {
		if err := os.WriteFile(c.SBOM, img.SBOM, 0o644); err != nil {
			return err
		}
	}
	if c.Push {
		d, err := reg.Push(g.ctx, c.Tag, img)
		if err != nil {
			return err
		}
		res.Outputs = append(res.Outputs, "registry:"+d.String())
	}
	res.Seconds = time.Since(start).Seconds()
	if c.Output == "json" {
		return writeJSON(g.stdout, res)
	}
	fmt.Fprintf(g.stdout, "%s %s\n", c.Tag, res.Digest)
	fmt.Fprintf(g.stdout, "  %d layers, %.1f MB compressed (%.1f MB unpacked), built in %.1fs\n",
		len(res.Layers), float64(res.CompressedBytes)/1e6, float64(res.UncompressedBytes)/1e6, res.Seconds)
	for _, o := range res.Outputs {
		fmt.Fprintf(g.stdout, "  -> %s\n", o)
	}
	return nil
}

// imageResult is what build-image reports (-o json prints it as is).
type imageResult struct {
	Tag               string   `json:"tag"`
	Digest            string   `json:"digest"`
	Layers            []string `json:"layers"`
	CompressedBytes   int64    `json:"compressed_bytes"`
	UncompressedBytes int64    `json:"uncompressed_bytes"`
	Outputs           []string `json:"outputs"`
	Seconds           float64  `json:"seconds"`
}

// describe measures the image: its digest, its layers and their sizes
// (compressed as pushed, and as unpacked on disk).
func describe(img *oci.Image) (*imageResult, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	res := &imageResult{Digest: d.String()}
	ls, err := img.Image.Layers()
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		ld, err := l.Digest()
		if err != nil {
			return nil, err
		}
		size, err := l.Size()
		if err != nil {
			return nil, err
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return nil, err
		}
		n, err := countBytes(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		res.Layers = append(res.Layers, ld.String())
		res.CompressedBytes += size
		res.UncompressedBytes += n
	}
	return res, nil
}

// modelsGenerateDockerfileCmd is `weir models generate-dockerfile`.
type modelsGenerateDockerfileCmd struct {
	imageFlags
	Dir  string `short:"d" required:"" placeholder:"DIR" help:"Directory to write the build context into (must be empty or new)."`
	Base string `placeholder:"IMAGE" aliases:"base-image" help:"FROM image (also --base-image). Default: scratch, or for a model served through its own Python python:<the model's Python version>-slim, with the model's requirements installed by pip."`
}

// Run writes the build context.
func (c *modelsGenerateDockerfileCmd) Run(g *globals) error {
	p, err := c.prepare(g, nil)
	defer p.close()
	if err != nil {
		return err
	}
	spec := oci.DockerfileSpec{
		Binary: p.binary, ModelDir: p.dir, Platform: p.platform, Model: p.info, Labels: c.Label, Base: c.Base,
	}
	if p.python {
		spec.Python, spec.PythonVersion, spec.MLflowVersion = true, modelPythonVersion(p.dir), p.file.MLflowVersion
	}
	err = oci.GenerateDockerfile(c.Dir, spec)
	if err != nil {
		return err
	}
	if c.Output == "json" {
		return json.NewEncoder(g.stdout).Encode(map[string]string{"dockerfile": filepath.Join(c.Dir, "Dockerfile")})
	}
	fmt.Fprintf(g.stdout, "wrote %s; build with: docker build -t NAME:TAG %s\n", filepath.Join(c.Dir, "Dockerfile"), c.Dir)
	return nil
}
