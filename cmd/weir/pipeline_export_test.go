//go:build !weir_serve

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/weir-ml/weir/pipeline"
)

// wineSpec writes the wine example with its data path made absolute, so
// that it runs from any directory.
func wineSpec(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/wine/pipeline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := filepath.Abs("../../tests/reference/fixtures/datasets/wine.csv")
	if err != nil {
		t.Fatal(err)
	}
	const rel = "path: tests/reference/fixtures/datasets/wine.csv"
	if !bytes.Contains(src, []byte(rel)) {
		t.Fatalf("examples/wine/pipeline.yaml no longer has %q", rel)
	}
	p := filepath.Join(dir, "wine.yaml")
	if err := os.WriteFile(p, bytes.Replace(src, []byte(rel), []byte("path: "+data), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// exported is what the test reads back from an exported workflow.
type exported struct {
	spec  []byte   // the ConfigMap's pipeline file
	tasks []string // the DAG's tasks, in the order their dependencies run them
	args  []string // the step template's container arguments
}

func readExport(t *testing.T, path string) exported {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Kind string            `yaml:"kind"`
		Data map[string]string `yaml:"data"`
	}
	var wf struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Entrypoint string `yaml:"entrypoint"`
			Templates  []struct {
				Name string `yaml:"name"`
				DAG  struct {
					Tasks []struct {
						Name         string   `yaml:"name"`
						Dependencies []string `yaml:"dependencies"`
					} `yaml:"tasks"`
				} `yaml:"dag"`
				Container struct {
					Args []string `yaml:"args"`
				} `yaml:"container"`
			} `yaml:"templates"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&cm); err != nil {
		t.Fatal(err)
	}
	if err := dec.Decode(&wf); err != nil {
		t.Fatal(err)
	}
	if cm.Kind != "ConfigMap" || wf.Kind != "Workflow" {
		t.Fatalf("exported kinds %s, %s; want ConfigMap, Workflow", cm.Kind, wf.Kind)
	}
	var out exported
	out.spec = []byte(cm.Data["pipeline.yaml"])
	done := map[string]bool{}
	for _, tpl := range wf.Spec.Templates {
		switch tpl.Name {
		case wf.Spec.Entrypoint:
			// Order the tasks as Argo would run them: each once its
			// dependencies are done.
			for len(out.tasks) < len(tpl.DAG.Tasks) {
				n := len(out.tasks)
				for _, task := range tpl.DAG.Tasks {
					ready := !done[task.Name]
					for _, d := range task.Dependencies {
						ready = ready && done[d]
					}
					if ready {
						out.tasks = append(out.tasks, task.Name)
						done[task.Name] = true
						break
					}
				}
				if len(out.tasks) == n {
					t.Fatalf("the DAG's dependencies leave tasks never ready after %v", out.tasks)
				}
			}
		case "step":
			out.args = tpl.Container.Args
		}
	}
	return out
}

// TestPipelineExportRunsStepByStep exports the wine pipeline, runs the
// workflow's steps one by one as its pods would, each from an empty local
// state restored from the shared store, and checks the outcome is that of a
// whole `weir pipeline run`.
func TestPipelineExportRunsStepByStep(t *testing.T) {
	dir := t.TempDir()
	spec := wineSpec(t, dir)
	wfPath := filepath.Join(dir, "wine.argo.yaml")
	stateURI := "s3://weir-state/wine"
	endpoint, bucket := os.Getenv("WEIR_TEST_S3_ENDPOINT"), os.Getenv("WEIR_TEST_S3_BUCKET")
	if endpoint != "" && bucket != "" {
		var id [6]byte
		rand.Read(id[:])
		stateURI = "s3://" + bucket + "/weir-test/pipeline-export-" + hex.EncodeToString(id[:])
	}
	if _, _, err := runMainErr(t, "pipeline", "export", "--argo", wfPath, "--image", "registry.example/weir:test", "--state-dir", stateURI, spec); err != nil {
		t.Fatal(err)
	}
	ex := readExport(t, wfPath)
	if !slices.Equal(ex.tasks, pipeline.Steps) {
		t.Fatalf("workflow tasks %v, want the pipeline's steps in order", ex.tasks)
	}
	src, _ := os.ReadFile(spec)
	if !bytes.Equal(ex.spec, src) {
		t.Errorf("the ConfigMap's pipeline.yaml differs from the spec file")
	}
	// The pods read the spec from the ConfigMap: run that copy.
	podSpec := filepath.Join(dir, "configmap", "pipeline.yaml")
	os.MkdirAll(filepath.Dir(podSpec), 0o755)
	if err := os.WriteFile(podSpec, ex.spec, 0o644); err != nil {
		t.Fatal(err)
	}

	whole, split := filepath.Join(dir, "whole"), filepath.Join(dir, "split")
	os.Mkdir(whole, 0o755)
	os.Mkdir(split, 0o755)
	if _, _, err := runMainErr(t, "pipeline", "run", spec, "--no-image",
		"--tracking-uri", "sqlite:///"+filepath.Join(whole, "weir.db"), "--artifacts-destination", filepath.Join(whole, "artifacts"),
		"--state-dir", filepath.Join(whole, "state"), "--summary-json", filepath.Join(whole, "summary.json")); err != nil {
		t.Fatal(err)
	}

	cache := filepath.Join(split, "state")
	for _, step := range ex.tasks {
		args := podArgs(t, ex.args, step, podSpec)
		// The pod's environment, from the Secret: the tracking store...
		args = append(args, "--tracking-uri", "sqlite:///"+filepath.Join(split, "weir.db"), "--artifacts-destination", filepath.Join(split, "artifacts"),
			"--summary-json", filepath.Join(split, "summary.json"))
		// ...and the shared step cache, in S3 when a server is configured.
		if endpoint != "" && bucket != "" {
			args = append(args, "--s3-endpoint-url", endpoint, "--s3-path-style", "--state-cache", cache)
		} else {
			args = localState(t, args, cache)
		}
		if _, stderr, err := runMainErr(t, args...); err != nil {
			t.Fatalf("step %s: %v\n%s", step, err, stderr)
		}
	}
	if g, w := normalSummaryFile(t, filepath.Join(split, "summary.json"), split), normalSummaryFile(t, filepath.Join(whole, "summary.json"), whole); g != w {
		t.Errorf("step by step:\n%s\nwant the whole run's:\n%s", g, w)
	}
}

// podArgs are the step template's arguments as Argo fills them in for one
// step, with the ConfigMap's mount replaced by its local copy.
func podArgs(t *testing.T, tmpl []string, step, specPath string) []string {
	t.Helper()
	var args []string
	for _, a := range tmpl {
		a = strings.ReplaceAll(a, "{{inputs.parameters.step}}", step)
		a = strings.ReplaceAll(a, "{{workflow.name}}", "wine-x7k2p")
		if a == "/etc/weir/pipeline/pipeline.yaml" {
			a = specPath
		}
		if strings.Contains(a, "{{") {
			t.Fatalf("argument %q is not filled in", a)
		}
		args = append(args, a)
	}
	return args
}

// localState replaces the s3:// --state-dir by a local directory, for a
// machine without an S3 server.
func localState(t *testing.T, args []string, dir string) []string {
	t.Helper()
	i := slices.Index(args, "--state-dir")
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("no --state-dir in %v", args)
	}
	out := slices.Clone(args)
	out[i+1] = dir
	return out
}

var cacheKey = regexp.MustCompile(`/[0-9a-f]{16}/`)

func normalSummaryFile(t *testing.T, path, dir string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.Steps, s.PipelineRunID, s.Seconds, s.TrackingURI = nil, "", 0, ""
	s.Champion.ModelID = ""
	out, _ := json.MarshalIndent(s, "", " ")
	// Cache keys hash the tracking URI, which differs.
	return cacheKey.ReplaceAllString(strings.ReplaceAll(string(out), dir, "DIR"), "/KEY/")
}

func TestPipelineExportBadInput(t *testing.T) {
	dir := t.TempDir()
	spec := wineSpec(t, dir)
	bad := filepath.Join(dir, "bad.yaml")
	src, _ := os.ReadFile(spec)
	os.WriteFile(bad, bytes.Replace(src, []byte("kind: column"), []byte("kind: colum"), 1), 0o644)
	out := filepath.Join(dir, "wf.yaml")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown step", []string{"pipeline", "run", "--step", "modle", spec}, `--step "modle" is not a step: the steps are business, acquire`},
		{"missing spec", []string{"pipeline", "export", "--argo", out, "--image", "i", "--state-dir", "s3://b/p", filepath.Join(dir, "nope.yaml")}, "nope.yaml: no such file"},
		{"bad spec", []string{"pipeline", "export", "--argo", out, "--image", "i", "--state-dir", "s3://b/p", bad}, bad + ":"},
		{"local state", []string{"pipeline", "export", "--argo", out, "--image", "i", "--state-dir", "/shared", spec}, `state dir "/shared": the pods share the step cache through object storage`},
		{"other scheme", []string{"pipeline", "run", "--state-dir", "gs://b/p", spec}, `--state-dir "gs://b/p": a local directory or s3://bucket/prefix`},
	} {
		_, _, err := runMainErr(t, tc.args...)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want a usage error (exit 2) containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a failed export wrote %s", out)
	}
	// A bad spec's message has the line and column.
	_, _, err := runMainErr(t, "pipeline", "export", "--argo", out, "--image", "i", "--state-dir", "s3://b/p", bad)
	if err == nil || !strings.Contains(err.Error(), "split.kind") || !strings.HasPrefix(err.Error(), bad+":") {
		t.Errorf("bad spec: %v, want file:line:column: split.kind ...", err)
	}
}
