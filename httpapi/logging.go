package httpapi

import (
	"net/http"
	"strconv"

	"github.com/weir-ml/weir/tracking"
)

func (s *Server) logMetric(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		wireMetricFields
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	m := tracking.Metric{
		Key:           v.reqStr("key", req.Key),
		Value:         v.reqF64("value", req.Value),
		Timestamp:     v.reqI64("timestamp", req.Timestamp),
		Step:          v.i64("step", req.Step),
		ModelID:       v.str("model_id", req.ModelID),
		DatasetName:   v.str("dataset_name", req.DatasetName),
		DatasetDigest: v.str("dataset_digest", req.DatasetDigest),
	}
	if v.err != nil {
		return v.err
	}
	return s.Tracking.LogMetric(r.Context(), id, m)
}

// wireMetricFields is a metric in log-metric and log-batch requests (a
// log-metric's run ID comes from runRef, which also knows run_uuid).
type wireMetricFields struct {
	Key           str `json:"key"`
	Value         f64 `json:"value"`
	Timestamp     i64 `json:"timestamp"`
	Step          i64 `json:"step"`
	ModelID       str `json:"model_id"`
	DatasetName   str `json:"dataset_name"`
	DatasetDigest str `json:"dataset_digest"`
}

func (s *Server) logParam(w *jsonWriter, r *http.Request) error {
	id, kv, err := runKeyValue(r)
	if err != nil {
		return err
	}
	return s.Tracking.LogParam(r.Context(), id, tracking.Param{Key: kv.Key, Value: kv.Value})
}

func (s *Server) setTag(w *jsonWriter, r *http.Request) error {
	id, kv, err := runKeyValue(r)
	if err != nil {
		return err
	}
	return s.Tracking.SetTag(r.Context(), id, kv)
}

// runKeyValue reads the run ID, a required key and an optional string value.
func runKeyValue(r *http.Request) (string, tracking.Tag, error) {
	var req struct {
		runRef
		wireTag
	}
	if err := decode(r, &req); err != nil {
		return "", tracking.Tag{}, err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	kv := tracking.Tag{Key: v.reqStr("key", req.Key), Value: v.str("value", req.Value)}
	return id, kv, v.err
}

func (s *Server) deleteTag(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		Key str `json:"key"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	key := v.reqStr("key", req.Key)
	if v.err != nil {
		return v.err
	}
	return s.Tracking.DeleteTag(r.Context(), id, key)
}

func (s *Server) logBatch(w *jsonWriter, r *http.Request) error {
	var req logBatchRequest
	if err := decodeWith(r, func(body []byte) error {
		if decodeLogBatch(body, &req) {
			return nil
		}
		req = logBatchRequest{}
		return decodeBody(body, &req)
	}); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	metrics := v.batchMetrics(req.Metrics)
	params := v.batchPairs("params", req.Params)
	tags := v.batchPairs("tags", req.Tags)
	if v.err != nil {
		return v.err
	}
	var ps []tracking.Param
	for _, p := range params {
		ps = append(ps, tracking.Param(p))
	}
	return s.Tracking.LogBatch(r.Context(), id, metrics, ps, tags)
}

// batchMetrics converts log-batch metrics; each needs key, value and
// timestamp, reported by index as MLflow does ("metrics[0].value").
func (v *validator) batchMetrics(items []batchMetric) []tracking.Metric {
	if len(items) == 0 {
		return nil
	}
	out := make([]tracking.Metric, len(items))
	for i := range items {
		m := &items[i]
		if m.bad != nil {
			v.badType("metrics["+strconv.Itoa(i)+"]", m.bad)
		}
		if m.Key.V == "" && m.Key.bad == nil {
			v.missing(itemName("metrics", i, "key"))
		}
		if !m.Value.Set && m.Value.bad == nil {
			v.missing(itemName("metrics", i, "value"))
		}
		if !m.Timestamp.Set && m.Timestamp.bad == nil {
			v.missing(itemName("metrics", i, "timestamp"))
		}
		v.itemStr("metrics", i, "key", m.Key)
		v.itemF64("metrics", i, "value", m.Value)
		v.itemI64("metrics", i, "timestamp", m.Timestamp)
		v.itemI64("metrics", i, "step", m.Step)
		v.itemStr("metrics", i, "model_id", m.ModelID)
		v.itemStr("metrics", i, "dataset_name", m.DatasetName)
		v.itemStr("metrics", i, "dataset_digest", m.DatasetDigest)
		out[i] = tracking.Metric{
			Key: m.Key.V, Value: m.Value.V, Timestamp: m.Timestamp.V, Step: m.Step.V,
			ModelID: m.ModelID.V, DatasetName: m.DatasetName.V, DatasetDigest: m.DatasetDigest.V,
		}
	}
	return out
}

// batchPairs converts log-batch params or tags; each needs a key.
func (v *validator) batchPairs(name string, items []batchPair) []tracking.Tag {
	if len(items) == 0 {
		return nil
	}
	out := make([]tracking.Tag, len(items))
	for i, t := range items {
		if t.bad != nil {
			v.badType(name+"["+strconv.Itoa(i)+"]", t.bad)
		}
		if t.Key.V == "" && t.Key.bad == nil {
			v.missing(itemName(name, i, "key"))
		}
		v.itemStr(name, i, "key", t.Key)
		v.itemStr(name, i, "value", t.Value)
		out[i] = tracking.Tag{Key: t.Key.V, Value: t.Value.V}
	}
	return out
}

// wireDatasetInput is a dataset input in a log-inputs request.
type wireDatasetInput struct {
	Tags    []wireTag `json:"tags"`
	Dataset struct {
		Name       str `json:"name"`
		Digest     str `json:"digest"`
		SourceType str `json:"source_type"`
		Source     str `json:"source"`
		Schema     str `json:"schema"`
		Profile    str `json:"profile"`
	} `json:"dataset"`
}

func (s *Server) logInputs(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		Datasets []wireDatasetInput `json:"datasets"`
		Models   []struct {
			ModelID str `json:"model_id"`
		} `json:"models"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	var datasets []tracking.DatasetInput
	for i, d := range req.Datasets {
		ds := d.Dataset
		name := itemName("datasets", i, "dataset.")
		datasets = append(datasets, tracking.DatasetInput{
			Tags: v.tags(name[:len(name)-len("dataset.")]+"tags", d.Tags),
			Dataset: tracking.Dataset{
				Name:       v.reqStr(name+"name", ds.Name),
				Digest:     v.reqStr(name+"digest", ds.Digest),
				SourceType: v.reqStr(name+"source_type", ds.SourceType),
				Source:     v.reqStr(name+"source", ds.Source),
				Schema:     v.str(name+"schema", ds.Schema),
				Profile:    v.str(name+"profile", ds.Profile),
			},
		})
	}
	var models []tracking.ModelInput
	for i, m := range req.Models {
		models = append(models, tracking.ModelInput{ModelID: v.reqStr(itemName("models", i, "model_id"), m.ModelID)})
	}
	if v.err != nil {
		return v.err
	}
	return s.Tracking.LogInputs(r.Context(), id, datasets, models)
}

func (s *Server) logOutputs(w *jsonWriter, r *http.Request) error {
	var req struct {
		runRef
		Models []struct {
			ModelID str `json:"model_id"`
			Step    i64 `json:"step"`
		} `json:"models"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	var v validator
	id := v.runID(req.RunID, req.RunUUID)
	if req.Models == nil {
		v.missing("models")
	}
	var models []tracking.ModelOutput
	for i, m := range req.Models {
		models = append(models, tracking.ModelOutput{
			ModelID: v.reqStr(itemName("models", i, "model_id"), m.ModelID),
			Step:    v.i64(itemName("models", i, "step"), m.Step),
		})
	}
	if v.err != nil {
		return v.err
	}
	return s.Tracking.LogOutputs(r.Context(), id, models)
}
