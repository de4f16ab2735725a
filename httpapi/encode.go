package httpapi

import "github.com/weir-ml/weir/tracking"

// This file writes tracking entities as MLflow's server does: the fields
// MLflow always sets are always written (even when empty, like user_id),
// optional ones only when set, and empty repeated fields never.

func (w *jsonWriter) experiment(e *tracking.Experiment) {
	w.openObject()
	w.stringField("experiment_id", e.ID)
	w.stringField("name", e.Name)
	w.stringField("artifact_location", e.ArtifactLocation)
	w.stringField("lifecycle_stage", e.LifecycleStage)
	if e.LastUpdateTime != 0 {
		w.intField("last_update_time", e.LastUpdateTime)
	}
	if e.CreationTime != 0 {
		w.intField("creation_time", e.CreationTime)
	}
	w.tags("tags", e.Tags)
	w.closeObject()
}

func (w *jsonWriter) tags(k string, tags []tracking.Tag) {
	if len(tags) == 0 {
		return
	}
	w.arrayField(k)
	for _, t := range tags {
		w.element()
		w.stringField("key", t.Key)
		w.stringField("value", t.Value)
		w.closeObject()
	}
	w.closeArray()
}

func (w *jsonWriter) params(k string, params []tracking.Param) {
	if len(params) == 0 {
		return
	}
	w.arrayField(k)
	for _, p := range params {
		w.element()
		w.stringField("key", p.Key)
		w.stringField("value", p.Value)
		w.closeObject()
	}
	w.closeArray()
}

func (w *jsonWriter) metrics(k string, metrics []tracking.Metric) {
	if len(metrics) == 0 {
		return
	}
	w.arrayField(k)
	for i := range metrics {
		w.comma()
		w.metric(&metrics[i])
	}
	w.closeArray()
}

func (w *jsonWriter) metric(m *tracking.Metric) {
	w.openObject()
	w.stringField("key", m.Key)
	w.floatField("value", m.Value)
	w.intField("timestamp", m.Timestamp)
	w.intField("step", m.Step)
	w.optStringField("dataset_name", m.DatasetName)
	w.optStringField("dataset_digest", m.DatasetDigest)
	w.optStringField("model_id", m.ModelID)
	w.optStringField("run_id", m.RunID)
	w.closeObject()
}

func (w *jsonWriter) runInfo(ri *tracking.RunInfo) {
	w.openObject()
	w.stringField("run_uuid", ri.RunID)
	w.stringField("experiment_id", ri.ExperimentID)
	w.stringField("run_name", ri.RunName)
	w.stringField("user_id", ri.UserID)
	w.optStringField("status", string(ri.Status))
	w.intField("start_time", ri.StartTime)
	if ri.EndTime != nil {
		w.intField("end_time", *ri.EndTime)
	}
	w.stringField("artifact_uri", ri.ArtifactURI)
	w.stringField("lifecycle_stage", ri.LifecycleStage)
	w.stringField("run_id", ri.RunID)
	w.closeObject()
}

func (w *jsonWriter) run(r *tracking.Run) {
	w.openObject()
	w.key("info")
	w.runInfo(&r.Info)

	w.objectField("data")
	w.metrics("metrics", r.Data.Metrics)
	w.params("params", r.Data.Params)
	w.tags("tags", r.Data.Tags)
	w.closeObject()

	w.objectField("inputs")
	if len(r.Inputs.DatasetInputs) > 0 {
		w.arrayField("dataset_inputs")
		for i := range r.Inputs.DatasetInputs {
			w.comma()
			w.datasetInput(&r.Inputs.DatasetInputs[i])
		}
		w.closeArray()
	}
	if len(r.Inputs.ModelInputs) > 0 {
		w.arrayField("model_inputs")
		for _, m := range r.Inputs.ModelInputs {
			w.element()
			w.stringField("model_id", m.ModelID)
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()

	w.objectField("outputs")
	if len(r.Outputs.ModelOutputs) > 0 {
		w.arrayField("model_outputs")
		for _, m := range r.Outputs.ModelOutputs {
			w.element()
			w.stringField("model_id", m.ModelID)
			w.intField("step", m.Step)
			w.closeObject()
		}
		w.closeArray()
	}
	w.closeObject()
	w.closeObject()
}

func (w *jsonWriter) datasetInput(d *tracking.DatasetInput) {
	w.openObject()
	w.tags("tags", d.Tags)
	w.objectField("dataset")
	w.stringField("name", d.Dataset.Name)
	w.stringField("digest", d.Dataset.Digest)
	w.stringField("source_type", d.Dataset.SourceType)
	w.stringField("source", d.Dataset.Source)
	w.optStringField("schema", d.Dataset.Schema)
	w.optStringField("profile", d.Dataset.Profile)
	w.closeObject()
	w.closeObject()
}
