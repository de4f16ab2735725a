package httpapi

import (
	"context"
	"net/url"

	"github.com/weir-ml/weir/tracking"
)

// defaultSearchResults is sent when a search leaves MaxResults at 0: MLflow's
// server rejects an absent max_results on experiment search.
const defaultSearchResults = 1000

// CreateExperiment implements tracking.Service.
func (c *Client) CreateExperiment(ctx context.Context, name, artifactLocation string, tags []tracking.Tag) (string, error) {
	var out struct {
		ExperimentID string `json:"experiment_id"`
	}
	err := c.post(ctx, "/mlflow/experiments/create", body(func(w *jsonWriter) {
		w.stringField("name", name)
		w.optStringField("artifact_location", artifactLocation)
		w.tags("tags", tags)
	}), &out)
	return out.ExperimentID, err
}

// GetExperiment implements tracking.Service.
func (c *Client) GetExperiment(ctx context.Context, id string) (*tracking.Experiment, error) {
	var out struct {
		Experiment wireExperiment `json:"experiment"`
	}
	if err := c.get(ctx, "/mlflow/experiments/get", url.Values{"experiment_id": {id}}, &out); err != nil {
		return nil, err
	}
	return out.Experiment.experiment(), nil
}

// GetExperimentByName implements tracking.Service.
func (c *Client) GetExperimentByName(ctx context.Context, name string) (*tracking.Experiment, error) {
	var out struct {
		Experiment wireExperiment `json:"experiment"`
	}
	if err := c.get(ctx, "/mlflow/experiments/get-by-name", url.Values{"experiment_name": {name}}, &out); err != nil {
		return nil, err
	}
	return out.Experiment.experiment(), nil
}

// SearchExperiments implements tracking.Service.
func (c *Client) SearchExperiments(ctx context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
	var out struct {
		Experiments   []wireExperiment `json:"experiments"`
		NextPageToken string           `json:"next_page_token"`
	}
	max := s.MaxResults
	if max == 0 {
		max = defaultSearchResults
	}
	err := c.post(ctx, "/mlflow/experiments/search", body(func(w *jsonWriter) {
		w.intField("max_results", int64(max))
		w.optStringField("page_token", s.PageToken)
		w.optStringField("filter", s.Filter)
		w.stringList("order_by", s.OrderBy)
		w.stringField("view_type", viewTypeName(s.ViewType))
	}), &out)
	if err != nil {
		return nil, "", err
	}
	exps := make([]*tracking.Experiment, len(out.Experiments))
	for i := range out.Experiments {
		exps[i] = out.Experiments[i].experiment()
	}
	return exps, out.NextPageToken, nil
}

// viewTypeName names a ViewType on the wire; 0 means ACTIVE_ONLY.
func viewTypeName(v tracking.ViewType) string {
	switch v {
	case tracking.DeletedOnly:
		return "DELETED_ONLY"
	case tracking.AllViews:
		return "ALL"
	}
	return "ACTIVE_ONLY"
}

// UpdateExperiment implements tracking.Service.
func (c *Client) UpdateExperiment(ctx context.Context, id, newName string) error {
	return c.post(ctx, "/mlflow/experiments/update", body(func(w *jsonWriter) {
		w.stringField("experiment_id", id)
		w.stringField("new_name", newName)
	}), nil)
}

// DeleteExperiment implements tracking.Service.
func (c *Client) DeleteExperiment(ctx context.Context, id string) error {
	return c.post(ctx, "/mlflow/experiments/delete", experimentIDBody(id), nil)
}

// RestoreExperiment implements tracking.Service.
func (c *Client) RestoreExperiment(ctx context.Context, id string) error {
	return c.post(ctx, "/mlflow/experiments/restore", experimentIDBody(id), nil)
}

func experimentIDBody(id string) []byte {
	return body(func(w *jsonWriter) { w.stringField("experiment_id", id) })
}

// SetExperimentTag implements tracking.Service.
func (c *Client) SetExperimentTag(ctx context.Context, id, key, value string) error {
	return c.post(ctx, "/mlflow/experiments/set-experiment-tag", body(func(w *jsonWriter) {
		w.stringField("experiment_id", id)
		w.stringField("key", key)
		w.stringField("value", value)
	}), nil)
}

// DeleteExperimentTag implements tracking.Service.
func (c *Client) DeleteExperimentTag(ctx context.Context, id, key string) error {
	return c.post(ctx, "/mlflow/experiments/delete-experiment-tag", body(func(w *jsonWriter) {
		w.stringField("experiment_id", id)
		w.stringField("key", key)
	}), nil)
}
