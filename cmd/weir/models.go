//go:build !weir_serve

package main

import (
	"strings"

	"github.com/weir-ml/weir/registry"
)

type modelsCmd struct {
	List     modelsListCmd     `cmd:"" help:"List registered models with their aliases and latest versions."`
	Versions modelsVersionsCmd `cmd:"" help:"List the versions of a registered model."`
	Alias    modelsAliasCmd    `cmd:"" help:"Set or delete a model alias (e.g. champion)."`
	Download modelsDownloadCmd `cmd:"" help:"Download a model directory by URI."`
	Serve    modelsServeCmd    `cmd:"" help:"Serve a model: MLflow /invocations and the Open Inference Protocol."`

	BuildImage         modelsBuildImageCmd         `cmd:"" help:"Build a container image of a model without Docker: OCI layout, docker tarball or push."`
	GenerateDockerfile modelsGenerateDockerfileCmd `cmd:"" help:"Write a Docker build context (Dockerfile, weir binary, model) for a model."`
	Ping               modelsPingCmd               `cmd:"" help:"Exit 0 if a scoring server's /ping answers 200 (the images' health check)."`
}

type modelsListCmd struct {
	trackingFlags
	Filter string `help:"Registry search filter, e.g. \"name LIKE 'bank%'\"."`
	Max    int    `help:"Maximum number of models." default:"100"`
}

func (c *modelsListCmd) Run(g *globals) error {
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	models, _, err := b.registry.SearchRegisteredModels(g.ctx, registry.Search{Filter: c.Filter, MaxResults: c.Max})
	if err != nil {
		return err
	}
	if c.Output == "json" {
		out := make([]any, len(models))
		for i, m := range models {
			out[i] = registeredModelJSON(m)
		}
		return writeJSON(g.stdout, map[string]any{"registered_models": out})
	}
	t := newTable(g.stdout, "NAME", "ALIASES", "LATEST VERSIONS", "UPDATED")
	for _, m := range models {
		var aliases, latest []string
		for _, a := range m.Aliases {
			aliases = append(aliases, a.Alias+"→"+a.Version)
		}
		for _, v := range m.LatestVersions {
			latest = append(latest, v.Version+" ("+v.CurrentStage+")")
		}
		t.row(m.Name, strings.Join(aliases, " "), strings.Join(latest, " "), formatMillis(m.LastUpdatedTimestamp))
	}
	return t.flush()
}

type modelsVersionsCmd struct {
	trackingFlags
	Name string `arg:"" help:"Registered model name."`
	Max  int    `help:"Maximum number of versions." default:"1000"`
}

func (c *modelsVersionsCmd) Run(g *globals) error {
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	// Check the model exists so a typo is an error rather than an empty list.
	if _, err := b.registry.GetRegisteredModel(g.ctx, c.Name); err != nil {
		return err
	}
	versions, _, err := b.registry.SearchModelVersions(g.ctx, registry.Search{
		Filter:     "name = '" + strings.ReplaceAll(c.Name, "'", "\\'") + "'",
		OrderBy:    []string{"version_number DESC"},
		MaxResults: c.Max,
	})
	if err != nil {
		return err
	}
	if c.Output == "json" {
		out := make([]any, len(versions))
		for i, v := range versions {
			out[i] = modelVersionJSON(v)
		}
		return writeJSON(g.stdout, map[string]any{"model_versions": out})
	}
	t := newTable(g.stdout, "VERSION", "STAGE", "ALIASES", "STATUS", "RUN ID", "SOURCE", "CREATED")
	for _, v := range versions {
		t.row(v.Version, v.CurrentStage, strings.Join(v.Aliases, " "), v.Status, v.RunID, v.Source,
			formatMillis(v.CreationTimestamp))
	}
	return t.flush()
}

type modelsAliasCmd struct {
	Set    modelsAliasSetCmd    `cmd:"" help:"Point an alias at a version."`
	Delete modelsAliasDeleteCmd `cmd:"" help:"Delete an alias."`
}

type modelsAliasSetCmd struct {
	trackingFlags
	Name    string `arg:"" help:"Registered model name."`
	Alias   string `arg:"" help:"Alias, e.g. champion."`
	Version string `arg:"" help:"Version number."`
}

func (c *modelsAliasSetCmd) Run(g *globals) error {
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.registry.SetRegisteredModelAlias(g.ctx, c.Name, c.Alias, c.Version); err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"name": c.Name, "alias": c.Alias, "version": c.Version})
	}
	return nil
}

type modelsAliasDeleteCmd struct {
	trackingFlags
	Name  string `arg:"" help:"Registered model name."`
	Alias string `arg:"" help:"Alias to delete."`
}

func (c *modelsAliasDeleteCmd) Run(g *globals) error {
	b, err := c.openBackend(g.ctx)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.registry.DeleteRegisteredModelAlias(g.ctx, c.Name, c.Alias); err != nil {
		return err
	}
	if c.Output == "json" {
		return writeJSON(g.stdout, map[string]any{"name": c.Name, "alias": c.Alias, "deleted": true})
	}
	return nil
}

func registeredModelJSON(m *registry.RegisteredModel) map[string]any {
	out := map[string]any{
		"name":                   m.Name,
		"creation_timestamp":     m.CreationTimestamp,
		"last_updated_timestamp": m.LastUpdatedTimestamp,
		"description":            m.Description,
	}
	var aliases []any
	for _, a := range m.Aliases {
		aliases = append(aliases, map[string]any{"alias": a.Alias, "version": a.Version})
	}
	out["aliases"] = aliases
	var latest []any
	for i := range m.LatestVersions {
		latest = append(latest, modelVersionJSON(&m.LatestVersions[i]))
	}
	out["latest_versions"] = latest
	out["tags"] = tagsJSON(m.Tags)
	return out
}

func modelVersionJSON(v *registry.ModelVersion) map[string]any {
	return map[string]any{
		"name":                   v.Name,
		"version":                v.Version,
		"current_stage":          v.CurrentStage,
		"status":                 v.Status,
		"source":                 v.Source,
		"run_id":                 v.RunID,
		"model_id":               v.ModelID,
		"aliases":                v.Aliases,
		"description":            v.Description,
		"creation_timestamp":     v.CreationTimestamp,
		"last_updated_timestamp": v.LastUpdatedTimestamp,
		"tags":                   tagsJSON(v.Tags),
	}
}
