//go:build !weir_serve

package main

import (
	"fmt"
	"os"

	"github.com/weir-ml/weir/pipeline"
)

// pipelineExportCmd is `weir pipeline export`.
type pipelineExportCmd struct {
	Argo           string `required:"" placeholder:"FILE" help:"Write an Argo Workflows Workflow (and the ConfigMap holding the spec) to FILE; - is standard output."`
	Image          string `required:"" placeholder:"IMAGE" help:"Container image with the full weir binary at --binary (deploy/kubernetes/image/Dockerfile makes one)."`
	Binary         string `placeholder:"PATH" help:"The weir binary's path in --image (default: /weir)." default:"/weir"`
	StateDir       string `name:"state-dir" required:"" placeholder:"URI" help:"The step cache the pods share, s3://bucket/prefix."`
	Secret         string `placeholder:"NAME" help:"Secret with the tracking URI and S3 credentials (keys: tracking-uri, aws-access-key-id, aws-secret-access-key; optional aws-region, s3-endpoint-url, s3-path-style; default: weir)." default:"weir"`
	ServiceAccount string `name:"service-account" placeholder:"NAME" help:"Service account the pods run as (default: the Workflow's default)."`
	Namespace      string `placeholder:"NAME" help:"Namespace of the Workflow and the ConfigMap (default: kubectl's)."`
	Spec           string `arg:"" optional:"" help:"Pipeline YAML file (default: pipeline.yaml)." type:"existingfile" default:"pipeline.yaml"`
}

// Run checks the spec as weir pipeline check does, then writes the
// workflow.
func (c *pipelineExportCmd) Run(g *globals) error {
	spec, err := readSpec(g, c.Spec)
	if err != nil {
		return err
	}
	source, err := os.ReadFile(c.Spec)
	if err != nil {
		return err
	}
	b, err := pipeline.ArgoWorkflow(spec, source, pipeline.ArgoOptions{
		Image: c.Image, Binary: c.Binary, StateDir: c.StateDir, Secret: c.Secret,
		ServiceAccount: c.ServiceAccount, Namespace: c.Namespace,
	})
	if err != nil {
		return usagef("%v", safeMessage(err))
	}
	if spec.Data.Path != "" {
		fmt.Fprintf(g.stderr, "warning: %s: data.path %s is a file on this machine; the pods read it at that path, so put it in the image or a volume, or give data.url\n", c.Spec, spec.Data.Path)
	}
	if c.Argo == "-" {
		_, err := g.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(c.Argo, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(g.stderr, "wrote %s: %d steps, state in %s; submit it with kubectl create -f %s\n", c.Argo, len(pipeline.Steps), c.StateDir, c.Argo)
	return nil
}
