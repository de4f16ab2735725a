//go:build !weir_serve

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/oci"
	"github.com/weir-ml/weir/pipeline"
)

// pipelineCmd is `weir pipeline`.
type pipelineCmd struct {
	RunCmd    pipelineRunCmd    `cmd:"" name:"run" help:"Run a pipeline YAML file step by step, replaying cached steps."`
	CheckCmd  pipelineCheckCmd  `cmd:"" name:"check" help:"Check a pipeline YAML file without running it: every problem with its line and column."`
	InitCmd   pipelineInitCmd   `cmd:"" name:"init" help:"Write a starter pipeline for a CSV file, inferring the task and the split."`
	SchemaCmd pipelineSchemaCmd `cmd:"" name:"schema" help:"Print the JSON Schema of pipeline files, for editors."`
	GCCmd     pipelineGCCmd     `cmd:"" name:"gc" help:"Prune the step cache: keep each step's newest results, within a size cap."`
	ExportCmd pipelineExportCmd `cmd:"" name:"export" help:"Write a pipeline as an Argo Workflows Workflow whose pods run its steps in the Weir image."`
}

// pipelineCheckCmd is `weir pipeline check`.
type pipelineCheckCmd struct {
	Spec string `arg:"" help:"Pipeline YAML file." type:"existingfile"`
}

// Run checks the file and says what it holds.
func (c *pipelineCheckCmd) Run(g *globals) error {
	spec, err := readSpec(g, c.Spec)
	if err != nil {
		return err
	}
	task := spec.Task
	if task == "" {
		task = "from the target"
	}
	n := len(spec.Model.Candidates)
	fmt.Fprintf(g.stdout, "ok: %s, %d %s, task %s, split %s\n", spec.Name, n, plural(n, "candidate", "candidates"), task, spec.Split.Kind)
	return nil
}

// readSpec reads a pipeline file; when it has several problems, they are
// printed one per line and the error counts them (main prints only an
// error's first line).
func readSpec(g *globals, path string) (*pipeline.Spec, error) {
	spec, err := pipeline.ReadSpec(path)
	var se *pipeline.SpecError
	if !errors.As(err, &se) {
		return spec, err
	}
	lines := se.Lines()
	if len(lines) == 1 {
		return nil, usagef("%s", lines[0])
	}
	for _, l := range lines {
		fmt.Fprintln(g.stderr, l)
	}
	n := len(se.Problems) + se.More
	return nil, usagef("%s: %d problems in the pipeline spec", path, n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pipelineInitCmd is `weir pipeline init`.
type pipelineInitCmd struct {
	Data   string `required:"" placeholder:"FILE" help:"The CSV file." type:"existingfile"`
	Target string `required:"" placeholder:"COLUMN" help:"The column to predict."`
	Task   string `placeholder:"TASK" help:"binary, multiclass or regression (default: inferred from the target)."`
	Split  string `placeholder:"KIND" help:"time, random or group (default: time on the first date column, else random)."`
	Output string `short:"o" placeholder:"FILE" help:"Write the spec here instead of to standard output (never over an existing file)."`
}

// Run writes the starter spec; what it inferred goes to standard error.
func (c *pipelineInitCmd) Run(g *globals) error {
	b, err := pipeline.Init(pipeline.InitOptions{Data: c.Data, Target: c.Target, Task: c.Task, Split: c.Split}, g.stderr)
	if err != nil {
		return err
	}
	if c.Output == "" {
		_, err := g.stdout.Write(b)
		return err
	}
	f, err := os.OpenFile(c.Output, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return usagef("-o %s: the file exists; remove it or pick another name", c.Output)
		}
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "wrote %s: check it with `weir pipeline check %s`\n", c.Output, c.Output)
	return nil
}

// pipelineSchemaCmd is `weir pipeline schema`.
type pipelineSchemaCmd struct{}

// Run prints the schema.
func (c *pipelineSchemaCmd) Run(g *globals) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(pipeline.Schema())
}

// pipelineGCCmd is `weir pipeline gc`.
type pipelineGCCmd struct {
	StateDir string `placeholder:"DIR" help:"The step cache to prune." default:".weir-pipeline"`
	Keep     int    `help:"Results kept per step, newest first." default:"1"`
	MaxSize  string `name:"max-size" placeholder:"SIZE" help:"Then remove the oldest results until the cache is at most this size (e.g. 500MB, 2GB)."`
}

// Run prunes the cache.
func (c *pipelineGCCmd) Run(g *globals) error {
	if c.Keep < 0 {
		return usagef("--keep %d: want 0 or more", c.Keep)
	}
	var max int64
	if c.MaxSize != "" {
		n, err := parseSize(c.MaxSize)
		if err != nil {
			return usagef("--max-size %q: %v", c.MaxSize, err)
		}
		max = n
	}
	_, _, err := pipeline.GC(c.StateDir, c.Keep, max, g.stdout)
	return err
}

// parseSize reads a size such as 500MB, 2GB, 1.5G or 4096.
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.m
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return 0, fmt.Errorf("not a size: write a number with an optional unit (B, KB, MB, GB, TB)")
	}
	return int64(f * float64(mult)), nil
}

// pipelineFlags are shared by `weir pipeline run` and `weir demo`.
type pipelineFlags struct {
	trackingFlags
	Data        string `placeholder:"PATH" help:"Local copy of the data; skips the download (weir demo: default $WEIR_BANK_DATA)."`
	Force       string `placeholder:"STEP" help:"Rerun this step and every later one, even when cached."`
	StateDir    string `placeholder:"DIR" help:"Where step results and reports are kept (weir pipeline run: also s3://bucket/prefix, which the steps of a workflow share)." default:".weir-pipeline"`
	SummaryJSON string `name:"summary-json" placeholder:"FILE" help:"Also write the summary as JSON."`
	NoImage     bool   `name:"no-image" help:"Skip building the container image."`
	WeirBinary  string `name:"weir-binary" placeholder:"PATH" help:"Static Linux weir binary for the image (default: the serving build of the source tree, compiled once and cached; without a source tree, this weir when static, else the serving build from the Go module cache)."`
	Serve       bool   `help:"Serve the registered model when the pipeline ends (until Ctrl-C); the monitoring replay goes through this server."`
	ServeAddr   string `name:"serve-addr" placeholder:"HOST:PORT" help:"Where --serve listens." default:"127.0.0.1:5001"`

	// step and shared are weir pipeline run's --step and --pipeline-run.
	step, shared string
	// stateURI is an s3:// --state-dir, whose local copy StateDir now is.
	stateURI string
}

// pipelineRunCmd is `weir pipeline run`.
type pipelineRunCmd struct {
	pipelineFlags
	stateFlags
	Step        string `placeholder:"STEP" help:"Run only this step, from the cached results of the steps before it (run them first, in order): one step per process, as a workflow on a cluster runs them."`
	PipelineRun string `name:"pipeline-run" placeholder:"NAME" help:"Log to the pipeline run named NAME, which the first invocation naming it creates, so that steps run one by one share one run (weir pipeline export passes the workflow's name)."`
	Spec        string `arg:"" help:"Pipeline YAML file." type:"existingfile"`
}

// Run runs the pipeline file.
func (c *pipelineRunCmd) Run(g *globals) error {
	spec, err := readSpec(g, c.Spec)
	if err != nil {
		return err
	}
	if c.Step != "" && !slices.Contains(pipeline.Steps, c.Step) {
		return usagef("--step %q is not a step: the steps are %s", c.Step, strings.Join(pipeline.Steps, ", "))
	}
	c.step, c.shared = c.Step, c.PipelineRun
	mirror, err := c.openState(g, &c.pipelineFlags)
	if err != nil {
		return err
	}
	if mirror == nil {
		return c.run(g, spec, c.Spec)
	}
	if err := mirror.Pull(g.ctx); err != nil {
		return fmt.Errorf("--state-dir %s: %w", c.stateURI, err)
	}
	runErr := c.run(g, spec, c.Spec)
	// What the steps finished is stored even when a later one failed, so
	// that a retry resumes from it.
	if err := mirror.Push(context.WithoutCancel(g.ctx)); err != nil {
		return errors.Join(runErr, fmt.Errorf("--state-dir %s: %w", c.stateURI, err))
	}
	return runErr
}

// run runs spec, read from source, against the tracking backend and prints
// the summary.
func (c *pipelineFlags) run(g *globals, spec *pipeline.Spec, source string) error {
	if c.Force != "" && !slices.Contains(pipeline.Steps, c.Force) {
		return usagef("--force %q is not a step: the steps are %s", c.Force, strings.Join(pipeline.Steps, ", "))
	}
	if c.Data != "" {
		spec.Data.Path = c.Data
	}
	if strings.Contains(c.StateDir, "://") && c.stateURI == "" {
		return usagef("--state-dir %s: only weir pipeline run keeps its step cache in object storage", c.StateDir)
	}
	if err := fetchPipelineData(g.ctx, spec, c.StateDir); err != nil {
		return err
	}
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	r := &pipeline.Runner{
		Spec: spec,
		Backend: pipeline.Backend{
			Tracking: b.tracking, Registry: b.registry, LoggedModels: b.loggedModels, Artifacts: b.artifacts,
		},
		TrackingURI: c.TrackingURI,
		StateDir:    c.StateDir,
		Force:       c.Force,
		Step:        c.step,
		Shared:      c.shared,
		Progress:    g.stderr,
		GitRevision: gitRevision(g.ctx),
		ReadData:    readDataFile,
	}
	if !c.NoImage {
		r.Deployer = &imageDeployer{g: g, binary: c.WeirBinary}
	}
	var srv *pipelineServer
	if c.Serve {
		srv = &pipelineServer{g: g, addr: c.ServeAddr, name: spec.Registry.ModelName}
		defer srv.close()
		r.Serve = srv.start
	}
	fmt.Fprintf(g.stderr, "pipeline %s → %s\n", spec.Name, c.TrackingURI)
	sum, err := r.Run(g.ctx)
	var se *pipeline.StepError
	if g.ctx.Err() != nil && errors.As(err, &se) {
		return &interruptedError{what: "during step " + se.Step + "; the steps before it are cached, so the same command again resumes there"}
	}
	// A step that finds the spec wrong ("data.target: no column ...")
	// names the file the key is in.
	var we *weir.Error
	if errors.As(err, &se) && errors.As(err, &we) && isCallerError(we.Code) {
		return &usageError{err: fmt.Errorf("%s: %s", source, we.Message), causes: []error{err}}
	}
	if err != nil {
		return err
	}
	if c.Output == "json" {
		if err := writeJSON(g.stdout, sum); err != nil {
			return err
		}
	} else {
		sum.WriteText(g.stdout)
	}
	if c.SummaryJSON != "" {
		if err := writeSummary(c.SummaryJSON, sum); err != nil {
			return err
		}
	}
	if srv == nil {
		return nil
	}
	// A cached monitor step did not start the server: start it now.
	if _, err := srv.start(g.ctx, sum.ModelDir); err != nil {
		return err
	}
	return srv.wait(g.ctx)
}

func writeSummary(path string, sum *pipeline.Summary) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(sum); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// gitRevision returns the commit of the working directory's repository, or
// "" outside one.
func gitRevision(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// imageDeployer builds the model's image as an OCI layout on the oci
// package, as `weir models build-image --oci-layout` does.
type imageDeployer struct {
	g      *globals
	binary string
}

// BuildImage writes the image of modelDir into outDir/image.
func (d *imageDeployer) BuildImage(ctx context.Context, modelDir, tag, outDir string) (pipeline.Image, error) {
	p := oci.DefaultPlatform
	bin := d.binary
	if bin != "" {
		fmt.Fprintf(d.g.stderr, "weir binary: %s (--weir-binary)\n", bin)
		noteFullBinary(d.g, bin)
	} else {
		var err error
		if bin, err = newServeBuilder(d.g).binary(ctx, p); err != nil {
			return pipeline.Image{}, err
		}
	}
	created, err := oci.SourceDateEpoch(d.g.getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return pipeline.Image{}, err
	}
	img, err := oci.Build(ctx, oci.Spec{Binary: bin, ModelDir: modelDir, Platform: p, Model: oci.ModelInfo{URI: modelDir}, Created: created})
	if err != nil {
		return pipeline.Image{}, err
	}
	layout := filepath.Join(outDir, "image")
	if err := oci.WriteLayout(layout, tag, img); err != nil {
		return pipeline.Image{}, err
	}
	res, err := describe(img)
	if err != nil {
		return pipeline.Image{}, err
	}
	return pipeline.Image{Reference: "oci-layout:" + layout, Digest: res.Digest}, nil
}
