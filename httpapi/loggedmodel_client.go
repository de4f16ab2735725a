package httpapi

import (
	"context"
	"net/http"
	"net/url"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

var _ tracking.LoggedModelService = (*Client)(nil)

type wireLoggedModel struct {
	Info struct {
		ModelID                string   `json:"model_id"`
		ExperimentID           string   `json:"experiment_id"`
		Name                   string   `json:"name"`
		CreationTimestampMs    i64      `json:"creation_timestamp_ms"`
		LastUpdatedTimestampMs i64      `json:"last_updated_timestamp_ms"`
		ArtifactURI            string   `json:"artifact_uri"`
		Status                 enum     `json:"status"`
		StatusMessage          string   `json:"status_message"`
		CreatorID              i64      `json:"creator_id"`
		ModelType              string   `json:"model_type"`
		SourceRunID            string   `json:"source_run_id"`
		Tags                   []wireKV `json:"tags"`
		Registrations          []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"registrations"`
	} `json:"info"`
	Data struct {
		Params  []wireKV        `json:"params"`
		Metrics []wireMetricOut `json:"metrics"`
	} `json:"data"`
}

func (m *wireLoggedModel) model() *tracking.LoggedModel {
	in := &m.Info
	lm := &tracking.LoggedModel{
		ModelID:                in.ModelID,
		ExperimentID:           in.ExperimentID,
		Name:                   in.Name,
		CreationTimestampMs:    in.CreationTimestampMs.V,
		LastUpdatedTimestampMs: in.LastUpdatedTimestampMs.V,
		ArtifactURI:            in.ArtifactURI,
		Status:                 in.Status.V,
		StatusMessage:          in.StatusMessage,
		CreatorID:              in.CreatorID.V,
		ModelType:              in.ModelType,
		SourceRunID:            in.SourceRunID,
		Tags:                   tagsFromWire(in.Tags),
		Metrics:                metricsFromWire(m.Data.Metrics),
	}
	if st, ok := enumName(in.Status, loggedModelStatuses); ok {
		lm.Status = st
	}
	for _, p := range m.Data.Params {
		lm.Params = append(lm.Params, tracking.Param(p))
	}
	for _, r := range in.Registrations {
		lm.Registrations = append(lm.Registrations, tracking.ModelRegistration{Name: r.Name, Version: r.Version})
	}
	return lm
}

// loggedModelPath is the URL path of one logged model.
func loggedModelPath(id string) string {
	return "/mlflow/logged-models/" + url.PathEscape(id)
}

// loggedModelCall sends a request answered with {"model": ...}. It
// returns nil without error when the answer has no model.
func (c *Client) loggedModelCall(ctx context.Context, method, path string, body []byte) (*tracking.LoggedModel, error) {
	var out struct {
		Model *wireLoggedModel `json:"model"`
	}
	if err := c.do(ctx, method, path, nil, body, &out); err != nil {
		return nil, err
	}
	if out.Model == nil {
		return nil, nil
	}
	return out.Model.model(), nil
}

// CreateLoggedModel implements tracking.LoggedModelService.
func (c *Client) CreateLoggedModel(ctx context.Context, lc tracking.LoggedModelCreate) (*tracking.LoggedModel, error) {
	return c.mustModel(c.loggedModelCall(ctx, http.MethodPost, "/mlflow/logged-models", body(func(w *jsonWriter) {
		w.stringField("experiment_id", lc.ExperimentID)
		w.optStringField("name", lc.Name)
		w.optStringField("model_type", lc.ModelType)
		w.optStringField("source_run_id", lc.SourceRunID)
		w.params("params", lc.Params)
		w.tags("tags", lc.Tags)
	})))
}

// mustModel turns a missing model in an answer that must carry one into
// an error.
func (c *Client) mustModel(m *tracking.LoggedModel, err error) (*tracking.LoggedModel, error) {
	if err == nil && m == nil {
		return nil, errNoModel
	}
	return m, err
}

// GetLoggedModel implements tracking.LoggedModelService.
func (c *Client) GetLoggedModel(ctx context.Context, modelID string) (*tracking.LoggedModel, error) {
	return c.mustModel(c.loggedModelCall(ctx, http.MethodGet, loggedModelPath(modelID), nil))
}

// FinalizeLoggedModel implements tracking.LoggedModelService.
func (c *Client) FinalizeLoggedModel(ctx context.Context, modelID, status string) (*tracking.LoggedModel, error) {
	return c.mustModel(c.loggedModelCall(ctx, http.MethodPatch, loggedModelPath(modelID), body(func(w *jsonWriter) {
		w.stringField("model_id", modelID) // MLflow's server requires it in the body too
		w.stringField("status", status)
	})))
}

// DeleteLoggedModel implements tracking.LoggedModelService.
func (c *Client) DeleteLoggedModel(ctx context.Context, modelID string) error {
	return c.do(ctx, http.MethodDelete, loggedModelPath(modelID), nil,
		body(func(w *jsonWriter) { w.stringField("model_id", modelID) }), nil)
}

// SearchLoggedModels implements tracking.LoggedModelService.
func (c *Client) SearchLoggedModels(ctx context.Context, s tracking.LoggedModelSearch) ([]*tracking.LoggedModel, string, error) {
	var out struct {
		Models        []wireLoggedModel `json:"models"`
		NextPageToken string            `json:"next_page_token"`
	}
	err := c.post(ctx, "/mlflow/logged-models/search", body(func(w *jsonWriter) {
		w.stringList("experiment_ids", s.ExperimentIDs)
		w.optStringField("filter", s.Filter)
		if len(s.Datasets) > 0 {
			w.arrayField("datasets")
			for _, d := range s.Datasets {
				w.element()
				w.stringField("dataset_name", d.Name)
				w.optStringField("dataset_digest", d.Digest)
				w.closeObject()
			}
			w.closeArray()
		}
		if s.MaxResults != 0 {
			w.intField("max_results", int64(s.MaxResults))
		}
		if len(s.OrderBy) > 0 {
			w.arrayField("order_by")
			for _, o := range s.OrderBy {
				w.element()
				w.stringField("field_name", o.FieldName)
				w.boolField("ascending", o.Ascending)
				w.optStringField("dataset_name", o.DatasetName)
				w.optStringField("dataset_digest", o.DatasetDigest)
				w.closeObject()
			}
			w.closeArray()
		}
		w.optStringField("page_token", s.PageToken)
	}), &out)
	if err != nil {
		return nil, "", err
	}
	models := make([]*tracking.LoggedModel, len(out.Models))
	for i := range out.Models {
		models[i] = out.Models[i].model()
	}
	return models, out.NextPageToken, nil
}

// SetLoggedModelTags implements tracking.LoggedModelService. MLflow's
// server answers without the model, so then it is fetched.
func (c *Client) SetLoggedModelTags(ctx context.Context, modelID string, tags []tracking.Tag) (*tracking.LoggedModel, error) {
	m, err := c.loggedModelCall(ctx, http.MethodPatch, loggedModelPath(modelID)+"/tags", body(func(w *jsonWriter) {
		w.stringField("model_id", modelID)
		w.tags("tags", tags)
	}))
	if err != nil || m != nil {
		return m, err
	}
	return c.GetLoggedModel(ctx, modelID)
}

// DeleteLoggedModelTag implements tracking.LoggedModelService.
func (c *Client) DeleteLoggedModelTag(ctx context.Context, modelID, key string) error {
	return c.do(ctx, http.MethodDelete, loggedModelPath(modelID)+"/tags/"+url.PathEscape(key), nil, nil, nil)
}

// LogLoggedModelParams implements tracking.LoggedModelService.
func (c *Client) LogLoggedModelParams(ctx context.Context, modelID string, params []tracking.Param) error {
	return c.post(ctx, loggedModelPath(modelID)+"/params", body(func(w *jsonWriter) {
		w.stringField("model_id", modelID)
		w.params("params", params)
	}), nil)
}

// errNoModel reports an answer without the logged model it must carry.
var errNoModel = weir.Errorf(weir.ErrInternal, "Malformed response from the tracking server: no logged model in the answer.")
