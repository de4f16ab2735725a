//go:build !weir_serve

package main

import (
	"strconv"

	"github.com/weir-ml/weir/tracking"
)

type experimentsCmd struct {
	List   experimentsListCmd   `cmd:"" help:"List experiments."`
	Create experimentsCreateCmd `cmd:"" help:"Create an experiment and print its ID."`
	Delete experimentsDeleteCmd `cmd:"" help:"Delete an experiment (soft delete; its runs are deleted too)."`
}

type experimentsListCmd struct {
	trackingFlags
	View   string `help:"Which experiments: active, deleted or all." default:"active" enum:"active,deleted,all"`
	Filter string `help:"MLflow search filter, e.g. \"name LIKE 'bank%'\"."`
	Max    int    `help:"Maximum number of experiments." default:"1000"`
}

func (c *experimentsListCmd) Run(g *globals) error {
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	exps, _, err := svc.SearchExperiments(g.ctx, tracking.ExperimentSearch{
		Filter: c.Filter, ViewType: viewType(c.View), MaxResults: c.Max,
	})
	if err != nil {
		return err
	}
	if c.Output == "json" {
		out := make([]any, len(exps))
		for i, e := range exps {
			out[i] = experimentJSON(e)
		}
		return writeJSON(g.stdout, map[string]any{"experiments": out})
	}
	t := newTable(g.stdout, "ID", "NAME", "STAGE", "ARTIFACT LOCATION", "CREATED")
	for _, e := range exps {
		t.row(e.ID, e.Name, e.LifecycleStage, e.ArtifactLocation, formatMillis(e.CreationTime))
	}
	return t.flush()
}

type experimentsCreateCmd struct {
	trackingFlags
	Name             string `arg:"" help:"Experiment name."`
	ArtifactLocation string `help:"Artifact location (default: the server's default artifact root)."`
}

func (c *experimentsCreateCmd) Run(g *globals) error {
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	id, err := svc.CreateExperiment(g.ctx, c.Name, c.ArtifactLocation, nil)
	if err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"experiment_id": id})
	}
	_, err = g.stdout.Write([]byte(id + "\n"))
	return err
}

type experimentsDeleteCmd struct {
	trackingFlags
	ID string `arg:"" help:"Experiment ID."`
}

func (c *experimentsDeleteCmd) Run(g *globals) error {
	if _, err := strconv.ParseInt(c.ID, 10, 64); err != nil {
		return usagef("experiment ID %q is not a number", c.ID)
	}
	svc, done, err := c.open(g.ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.DeleteExperiment(g.ctx, c.ID); err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"experiment_id": c.ID, "lifecycle_stage": "deleted"})
	}
	return nil
}

func viewType(s string) tracking.ViewType {
	switch s {
	case "deleted":
		return tracking.DeletedOnly
	case "all":
		return tracking.AllViews
	}
	return tracking.ActiveOnly
}

func experimentJSON(e *tracking.Experiment) map[string]any {
	m := map[string]any{
		"experiment_id":     e.ID,
		"name":              e.Name,
		"artifact_location": e.ArtifactLocation,
		"lifecycle_stage":   e.LifecycleStage,
		"creation_time":     e.CreationTime,
		"last_update_time":  e.LastUpdateTime,
	}
	if len(e.Tags) > 0 {
		m["tags"] = tagsJSON(e.Tags)
	}
	return m
}
