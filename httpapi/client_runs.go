package httpapi

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/weir-ml/weir/tracking"
)

// CreateRun implements tracking.Service. As the contract says, an empty
// ExperimentID means "0" and a zero StartTime means now; both are filled in
// here because MLflow's server would store them as given.
func (c *Client) CreateRun(ctx context.Context, rc tracking.RunCreate) (*tracking.Run, error) {
	if rc.ExperimentID == "" {
		rc.ExperimentID = "0"
	}
	if rc.StartTime == 0 {
		rc.StartTime = time.Now().UnixMilli()
	}
	var out struct {
		Run wireRun `json:"run"`
	}
	err := c.post(ctx, "/mlflow/runs/create", body(func(w *jsonWriter) {
		w.stringField("experiment_id", rc.ExperimentID)
		w.optStringField("user_id", rc.UserID)
		w.optStringField("run_name", rc.RunName)
		w.intField("start_time", rc.StartTime)
		w.tags("tags", rc.Tags)
	}), &out)
	if err != nil {
		return nil, err
	}
	return out.Run.run(), nil
}

// GetRun implements tracking.Service.
func (c *Client) GetRun(ctx context.Context, runID string) (*tracking.Run, error) {
	var out struct {
		Run wireRun `json:"run"`
	}
	if err := c.get(ctx, "/mlflow/runs/get", url.Values{"run_id": {runID}}, &out); err != nil {
		return nil, err
	}
	return out.Run.run(), nil
}

// UpdateRun implements tracking.Service. Only the fields set in u are sent.
func (c *Client) UpdateRun(ctx context.Context, runID string, u tracking.RunUpdate) (*tracking.RunInfo, error) {
	var out struct {
		RunInfo wireRunInfo `json:"run_info"`
	}
	err := c.post(ctx, "/mlflow/runs/update", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		w.stringField("run_uuid", runID)
		if u.Status != nil {
			w.stringField("status", string(*u.Status))
		}
		if u.EndTime != nil {
			w.intField("end_time", *u.EndTime)
		}
		if u.RunName != nil {
			w.stringField("run_name", *u.RunName)
		}
	}), &out)
	if err != nil {
		return nil, err
	}
	info := out.RunInfo.info()
	return &info, nil
}

// DeleteRun implements tracking.Service.
func (c *Client) DeleteRun(ctx context.Context, runID string) error {
	return c.post(ctx, "/mlflow/runs/delete", runIDBody(runID), nil)
}

// RestoreRun implements tracking.Service.
func (c *Client) RestoreRun(ctx context.Context, runID string) error {
	return c.post(ctx, "/mlflow/runs/restore", runIDBody(runID), nil)
}

func runIDBody(runID string) []byte {
	return body(func(w *jsonWriter) { w.stringField("run_id", runID) })
}

// SearchRuns implements tracking.Service.
func (c *Client) SearchRuns(ctx context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error) {
	var out struct {
		Runs          []wireRun `json:"runs"`
		NextPageToken string    `json:"next_page_token"`
	}
	max := s.MaxResults
	if max == 0 {
		max = defaultSearchResults
	}
	err := c.post(ctx, "/mlflow/runs/search", body(func(w *jsonWriter) {
		w.stringList("experiment_ids", s.ExperimentIDs)
		w.optStringField("filter", s.Filter)
		w.stringField("run_view_type", viewTypeName(s.ViewType))
		w.intField("max_results", int64(max))
		w.stringList("order_by", s.OrderBy)
		w.optStringField("page_token", s.PageToken)
	}), &out)
	if err != nil {
		return nil, "", err
	}
	runs := make([]*tracking.Run, len(out.Runs))
	for i := range out.Runs {
		runs[i] = out.Runs[i].run()
	}
	return runs, out.NextPageToken, nil
}

// LogMetric implements tracking.Service.
func (c *Client) LogMetric(ctx context.Context, runID string, m tracking.Metric) error {
	return c.post(ctx, "/mlflow/runs/log-metric", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		w.stringField("run_uuid", runID)
		w.metricFields(&m)
	}), nil)
}

// metricFields writes a metric's fields into the current object.
func (w *jsonWriter) metricFields(m *tracking.Metric) {
	w.stringField("key", m.Key)
	w.floatField("value", m.Value)
	w.intField("timestamp", m.Timestamp)
	w.intField("step", m.Step)
	w.optStringField("model_id", m.ModelID)
	w.optStringField("dataset_name", m.DatasetName)
	w.optStringField("dataset_digest", m.DatasetDigest)
}

// LogParam implements tracking.Service.
func (c *Client) LogParam(ctx context.Context, runID string, p tracking.Param) error {
	return c.post(ctx, "/mlflow/runs/log-parameter", runKVBody(runID, p.Key, p.Value), nil)
}

// SetTag implements tracking.Service.
func (c *Client) SetTag(ctx context.Context, runID string, t tracking.Tag) error {
	return c.post(ctx, "/mlflow/runs/set-tag", runKVBody(runID, t.Key, t.Value), nil)
}

func runKVBody(runID, key, value string) []byte {
	return body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		w.stringField("run_uuid", runID)
		w.stringField("key", key)
		w.stringField("value", value)
	})
}

// DeleteTag implements tracking.Service.
func (c *Client) DeleteTag(ctx context.Context, runID, key string) error {
	return c.post(ctx, "/mlflow/runs/delete-tag", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		w.stringField("key", key)
	}), nil)
}

// LogBatch implements tracking.Service.
func (c *Client) LogBatch(ctx context.Context, runID string, metrics []tracking.Metric, params []tracking.Param, tags []tracking.Tag) error {
	return c.post(ctx, "/mlflow/runs/log-batch", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		if len(metrics) > 0 {
			w.arrayField("metrics")
			for i := range metrics {
				w.element()
				w.metricFields(&metrics[i])
				w.closeObject()
			}
			w.closeArray()
		}
		w.params("params", params)
		w.tags("tags", tags)
	}), nil)
}

// LogInputs implements tracking.Service.
func (c *Client) LogInputs(ctx context.Context, runID string, datasets []tracking.DatasetInput, models []tracking.ModelInput) error {
	return c.post(ctx, "/mlflow/runs/log-inputs", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		if len(datasets) > 0 {
			w.arrayField("datasets")
			for i := range datasets {
				w.comma()
				w.datasetInput(&datasets[i])
			}
			w.closeArray()
		}
		if len(models) > 0 {
			w.arrayField("models")
			for _, m := range models {
				w.element()
				w.stringField("model_id", m.ModelID)
				w.closeObject()
			}
			w.closeArray()
		}
	}), nil)
}

// LogOutputs implements tracking.Service.
func (c *Client) LogOutputs(ctx context.Context, runID string, models []tracking.ModelOutput) error {
	return c.post(ctx, "/mlflow/runs/outputs", body(func(w *jsonWriter) {
		w.stringField("run_id", runID)
		w.arrayField("models")
		for _, m := range models {
			w.element()
			w.stringField("model_id", m.ModelID)
			w.intField("step", m.Step)
			w.closeObject()
		}
		w.closeArray()
	}), nil)
}

// GetMetricHistory implements tracking.Service.
func (c *Client) GetMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
	v := url.Values{"run_id": {q.RunID}, "metric_key": {q.Key}}
	if q.MaxResults != 0 {
		v.Set("max_results", strconv.Itoa(q.MaxResults))
	}
	if q.PageToken != "" {
		v.Set("page_token", q.PageToken)
	}
	var out struct {
		Metrics       []wireMetricOut `json:"metrics"`
		NextPageToken string          `json:"next_page_token"`
	}
	if err := c.get(ctx, "/mlflow/metrics/get-history", v, &out); err != nil {
		return nil, "", err
	}
	return metricsFromWire(out.Metrics), out.NextPageToken, nil
}

// GetMetricHistoryBulkInterval implements tracking.Service.
func (c *Client) GetMetricHistoryBulkInterval(ctx context.Context, q tracking.BulkIntervalQuery) ([]tracking.Metric, error) {
	v := url.Values{"run_ids": q.RunIDs, "metric_key": {q.Key}}
	if q.StartStep != nil {
		v.Set("start_step", strconv.FormatInt(*q.StartStep, 10))
	}
	if q.EndStep != nil {
		v.Set("end_step", strconv.FormatInt(*q.EndStep, 10))
	}
	if q.MaxResults != 0 {
		v.Set("max_results", strconv.Itoa(q.MaxResults))
	}
	var out struct {
		Metrics []wireMetricOut `json:"metrics"`
	}
	if err := c.get(ctx, "/mlflow/metrics/get-history-bulk-interval", v, &out); err != nil {
		return nil, err
	}
	return metricsFromWire(out.Metrics), nil
}
