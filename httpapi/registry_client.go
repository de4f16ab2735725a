package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/weir-ml/weir/registry"
)

var _ registry.Service = (*Client)(nil)

// Response shapes of the registry, decoded leniently like wireRun.

type wireModelVersion struct {
	Name                 string   `json:"name"`
	Version              string   `json:"version"`
	CreationTimestamp    i64      `json:"creation_timestamp"`
	LastUpdatedTimestamp i64      `json:"last_updated_timestamp"`
	UserID               string   `json:"user_id"`
	CurrentStage         string   `json:"current_stage"`
	Description          string   `json:"description"`
	Source               string   `json:"source"`
	RunID                string   `json:"run_id"`
	Status               string   `json:"status"`
	StatusMessage        string   `json:"status_message"`
	Tags                 []wireKV `json:"tags"`
	RunLink              string   `json:"run_link"`
	Aliases              []string `json:"aliases"`
	ModelID              string   `json:"model_id"`
}

func (v *wireModelVersion) version() *registry.ModelVersion {
	return &registry.ModelVersion{
		Name:                 v.Name,
		Version:              v.Version,
		CreationTimestamp:    v.CreationTimestamp.V,
		LastUpdatedTimestamp: v.LastUpdatedTimestamp.V,
		UserID:               v.UserID,
		CurrentStage:         v.CurrentStage,
		Description:          v.Description,
		Source:               v.Source,
		RunID:                v.RunID,
		Status:               v.Status,
		StatusMessage:        v.StatusMessage,
		Tags:                 tagsFromWire(v.Tags),
		RunLink:              v.RunLink,
		Aliases:              v.Aliases,
		ModelID:              v.ModelID,
	}
}

func versionsFromWire(ws []wireModelVersion) []*registry.ModelVersion {
	out := make([]*registry.ModelVersion, len(ws))
	for i := range ws {
		out[i] = ws[i].version()
	}
	return out
}

type wireRegisteredModel struct {
	Name                 string             `json:"name"`
	CreationTimestamp    i64                `json:"creation_timestamp"`
	LastUpdatedTimestamp i64                `json:"last_updated_timestamp"`
	UserID               string             `json:"user_id"`
	Description          string             `json:"description"`
	LatestVersions       []wireModelVersion `json:"latest_versions"`
	Tags                 []wireKV           `json:"tags"`
	Aliases              []struct {
		Alias   string `json:"alias"`
		Version string `json:"version"`
	} `json:"aliases"`
}

func (m *wireRegisteredModel) model() *registry.RegisteredModel {
	rm := &registry.RegisteredModel{
		Name:                 m.Name,
		CreationTimestamp:    m.CreationTimestamp.V,
		LastUpdatedTimestamp: m.LastUpdatedTimestamp.V,
		UserID:               m.UserID,
		Description:          m.Description,
		Tags:                 tagsFromWire(m.Tags),
	}
	for i := range m.LatestVersions {
		rm.LatestVersions = append(rm.LatestVersions, *m.LatestVersions[i].version())
	}
	for _, a := range m.Aliases {
		rm.Aliases = append(rm.Aliases, registry.Alias{Alias: a.Alias, Version: a.Version})
	}
	return rm
}

// registeredModelCall sends a request answered with a registered model.
func (c *Client) registeredModelCall(ctx context.Context, method, path string, query url.Values, body []byte) (*registry.RegisteredModel, error) {
	var out struct {
		RegisteredModel wireRegisteredModel `json:"registered_model"`
	}
	if err := c.do(ctx, method, path, query, body, &out); err != nil {
		return nil, err
	}
	return out.RegisteredModel.model(), nil
}

// modelVersionCall sends a request answered with a model version.
func (c *Client) modelVersionCall(ctx context.Context, method, path string, query url.Values, body []byte) (*registry.ModelVersion, error) {
	var out struct {
		ModelVersion wireModelVersion `json:"model_version"`
	}
	if err := c.do(ctx, method, path, query, body, &out); err != nil {
		return nil, err
	}
	return out.ModelVersion.version(), nil
}

// CreateRegisteredModel implements registry.Service.
func (c *Client) CreateRegisteredModel(ctx context.Context, name, description string, tags []registry.Tag) (*registry.RegisteredModel, error) {
	return c.registeredModelCall(ctx, http.MethodPost, "/mlflow/registered-models/create", nil, body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.tags("tags", tags)
		w.optStringField("description", description)
	}))
}

// GetRegisteredModel implements registry.Service.
func (c *Client) GetRegisteredModel(ctx context.Context, name string) (*registry.RegisteredModel, error) {
	return c.registeredModelCall(ctx, http.MethodGet, "/mlflow/registered-models/get", url.Values{"name": {name}}, nil)
}

// RenameRegisteredModel implements registry.Service.
func (c *Client) RenameRegisteredModel(ctx context.Context, name, newName string) (*registry.RegisteredModel, error) {
	return c.registeredModelCall(ctx, http.MethodPost, "/mlflow/registered-models/rename", nil, body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("new_name", newName)
	}))
}

// UpdateRegisteredModel implements registry.Service.
func (c *Client) UpdateRegisteredModel(ctx context.Context, name, description string) (*registry.RegisteredModel, error) {
	return c.registeredModelCall(ctx, http.MethodPatch, "/mlflow/registered-models/update", nil, body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("description", description)
	}))
}

// DeleteRegisteredModel implements registry.Service.
func (c *Client) DeleteRegisteredModel(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/mlflow/registered-models/delete", nil,
		body(func(w *jsonWriter) { w.stringField("name", name) }), nil)
}

// searchQuery is a registry search as a GET query.
func searchQuery(s registry.Search) url.Values {
	q := url.Values{}
	if s.Filter != "" {
		q.Set("filter", s.Filter)
	}
	if s.MaxResults != 0 {
		q.Set("max_results", strconv.Itoa(s.MaxResults))
	}
	for _, o := range s.OrderBy {
		q.Add("order_by", o)
	}
	if s.PageToken != "" {
		q.Set("page_token", s.PageToken)
	}
	return q
}

// SearchRegisteredModels implements registry.Service.
func (c *Client) SearchRegisteredModels(ctx context.Context, s registry.Search) ([]*registry.RegisteredModel, string, error) {
	var out struct {
		RegisteredModels []wireRegisteredModel `json:"registered_models"`
		NextPageToken    string                `json:"next_page_token"`
	}
	if err := c.get(ctx, "/mlflow/registered-models/search", searchQuery(s), &out); err != nil {
		return nil, "", err
	}
	models := make([]*registry.RegisteredModel, len(out.RegisteredModels))
	for i := range out.RegisteredModels {
		models[i] = out.RegisteredModels[i].model()
	}
	return models, out.NextPageToken, nil
}

// GetLatestVersions implements registry.Service.
func (c *Client) GetLatestVersions(ctx context.Context, name string, stages []string) ([]*registry.ModelVersion, error) {
	var out struct {
		ModelVersions []wireModelVersion `json:"model_versions"`
	}
	err := c.post(ctx, "/mlflow/registered-models/get-latest-versions", body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringList("stages", stages)
	}), &out)
	if err != nil {
		return nil, err
	}
	return versionsFromWire(out.ModelVersions), nil
}

// SetRegisteredModelTag implements registry.Service.
func (c *Client) SetRegisteredModelTag(ctx context.Context, name string, t registry.Tag) error {
	return c.post(ctx, "/mlflow/registered-models/set-tag", body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("key", t.Key)
		w.stringField("value", t.Value)
	}), nil)
}

// DeleteRegisteredModelTag implements registry.Service.
func (c *Client) DeleteRegisteredModelTag(ctx context.Context, name, key string) error {
	return c.do(ctx, http.MethodDelete, "/mlflow/registered-models/delete-tag", nil, body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("key", key)
	}), nil)
}

// CreateModelVersion implements registry.Service.
func (c *Client) CreateModelVersion(ctx context.Context, vc registry.VersionCreate) (*registry.ModelVersion, error) {
	return c.modelVersionCall(ctx, http.MethodPost, "/mlflow/model-versions/create", nil, body(func(w *jsonWriter) {
		w.stringField("name", vc.Name)
		w.stringField("source", vc.Source)
		w.optStringField("run_id", vc.RunID)
		w.tags("tags", vc.Tags)
		w.optStringField("run_link", vc.RunLink)
		w.optStringField("description", vc.Description)
		w.optStringField("model_id", vc.ModelID)
	}))
}

func versionQuery(name, version string) url.Values {
	return url.Values{"name": {name}, "version": {version}}
}

func versionBody(name, version string, more func(w *jsonWriter)) []byte {
	return body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("version", version)
		if more != nil {
			more(w)
		}
	})
}

// GetModelVersion implements registry.Service.
func (c *Client) GetModelVersion(ctx context.Context, name, version string) (*registry.ModelVersion, error) {
	return c.modelVersionCall(ctx, http.MethodGet, "/mlflow/model-versions/get", versionQuery(name, version), nil)
}

// UpdateModelVersion implements registry.Service.
func (c *Client) UpdateModelVersion(ctx context.Context, name, version, description string) (*registry.ModelVersion, error) {
	return c.modelVersionCall(ctx, http.MethodPatch, "/mlflow/model-versions/update", nil,
		versionBody(name, version, func(w *jsonWriter) { w.stringField("description", description) }))
}

// DeleteModelVersion implements registry.Service.
func (c *Client) DeleteModelVersion(ctx context.Context, name, version string) error {
	return c.do(ctx, http.MethodDelete, "/mlflow/model-versions/delete", nil, versionBody(name, version, nil), nil)
}

// SearchModelVersions implements registry.Service.
func (c *Client) SearchModelVersions(ctx context.Context, s registry.Search) ([]*registry.ModelVersion, string, error) {
	var out struct {
		ModelVersions []wireModelVersion `json:"model_versions"`
		NextPageToken string             `json:"next_page_token"`
	}
	if err := c.get(ctx, "/mlflow/model-versions/search", searchQuery(s), &out); err != nil {
		return nil, "", err
	}
	return versionsFromWire(out.ModelVersions), out.NextPageToken, nil
}

// GetModelVersionDownloadURI implements registry.Service.
func (c *Client) GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error) {
	var out struct {
		ArtifactURI string `json:"artifact_uri"`
	}
	err := c.get(ctx, "/mlflow/model-versions/get-download-uri", versionQuery(name, version), &out)
	return out.ArtifactURI, err
}

// TransitionModelVersionStage implements registry.Service.
func (c *Client) TransitionModelVersionStage(ctx context.Context, name, version, stage string, archiveExisting bool) (*registry.ModelVersion, error) {
	return c.modelVersionCall(ctx, http.MethodPost, "/mlflow/model-versions/transition-stage", nil,
		versionBody(name, version, func(w *jsonWriter) {
			w.stringField("stage", stage)
			w.boolField("archive_existing_versions", archiveExisting)
		}))
}

// SetModelVersionTag implements registry.Service.
func (c *Client) SetModelVersionTag(ctx context.Context, name, version string, t registry.Tag) error {
	return c.post(ctx, "/mlflow/model-versions/set-tag", versionBody(name, version, func(w *jsonWriter) {
		w.stringField("key", t.Key)
		w.stringField("value", t.Value)
	}), nil)
}

// DeleteModelVersionTag implements registry.Service.
func (c *Client) DeleteModelVersionTag(ctx context.Context, name, version, key string) error {
	return c.do(ctx, http.MethodDelete, "/mlflow/model-versions/delete-tag", nil,
		versionBody(name, version, func(w *jsonWriter) { w.stringField("key", key) }), nil)
}

// SetRegisteredModelAlias implements registry.Service.
func (c *Client) SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error {
	return c.post(ctx, "/mlflow/registered-models/alias", body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("alias", alias)
		w.stringField("version", version)
	}), nil)
}

// DeleteRegisteredModelAlias implements registry.Service.
func (c *Client) DeleteRegisteredModelAlias(ctx context.Context, name, alias string) error {
	return c.do(ctx, http.MethodDelete, "/mlflow/registered-models/alias", nil, body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.stringField("alias", alias)
	}), nil)
}

// GetModelVersionByAlias implements registry.Service.
func (c *Client) GetModelVersionByAlias(ctx context.Context, name, alias string) (*registry.ModelVersion, error) {
	return c.modelVersionCall(ctx, http.MethodGet, "/mlflow/registered-models/alias",
		url.Values{"name": {name}, "alias": {alias}}, nil)
}
