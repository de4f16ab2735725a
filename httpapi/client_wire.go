package httpapi

import "github.com/weir-ml/weir/tracking"

// Response shapes the Client decodes. Numbers go through the field types of
// fields.go so that int64 values sent as strings (protobuf's own JSON) and
// doubles sent as "NaN"/"Infinity" decode too.

type wireKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func tagsFromWire(kvs []wireKV) []tracking.Tag {
	if len(kvs) == 0 {
		return nil
	}
	out := make([]tracking.Tag, len(kvs))
	for i, kv := range kvs {
		out[i] = tracking.Tag(kv)
	}
	return out
}

type wireExperiment struct {
	ExperimentID     string   `json:"experiment_id"`
	Name             string   `json:"name"`
	ArtifactLocation string   `json:"artifact_location"`
	LifecycleStage   string   `json:"lifecycle_stage"`
	LastUpdateTime   i64      `json:"last_update_time"`
	CreationTime     i64      `json:"creation_time"`
	Tags             []wireKV `json:"tags"`
}

func (e *wireExperiment) experiment() *tracking.Experiment {
	return &tracking.Experiment{
		ID:               e.ExperimentID,
		Name:             e.Name,
		ArtifactLocation: e.ArtifactLocation,
		LifecycleStage:   e.LifecycleStage,
		CreationTime:     e.CreationTime.V,
		LastUpdateTime:   e.LastUpdateTime.V,
		Tags:             tagsFromWire(e.Tags),
	}
}

type wireMetricOut struct {
	Key           string `json:"key"`
	Value         f64    `json:"value"`
	Timestamp     i64    `json:"timestamp"`
	Step          i64    `json:"step"`
	RunID         string `json:"run_id"`
	ModelID       string `json:"model_id"`
	DatasetName   string `json:"dataset_name"`
	DatasetDigest string `json:"dataset_digest"`
}

func metricsFromWire(ms []wireMetricOut) []tracking.Metric {
	if len(ms) == 0 {
		return nil
	}
	out := make([]tracking.Metric, len(ms))
	for i, m := range ms {
		out[i] = tracking.Metric{
			Key: m.Key, Value: m.Value.V, Timestamp: m.Timestamp.V, Step: m.Step.V,
			RunID: m.RunID, ModelID: m.ModelID, DatasetName: m.DatasetName, DatasetDigest: m.DatasetDigest,
		}
	}
	return out
}

type wireRunInfo struct {
	RunID          string `json:"run_id"`
	RunUUID        string `json:"run_uuid"`
	RunName        string `json:"run_name"`
	ExperimentID   string `json:"experiment_id"`
	UserID         string `json:"user_id"`
	Status         enum   `json:"status"`
	StartTime      i64    `json:"start_time"`
	EndTime        i64    `json:"end_time"`
	ArtifactURI    string `json:"artifact_uri"`
	LifecycleStage string `json:"lifecycle_stage"`
}

func (ri *wireRunInfo) info() tracking.RunInfo {
	info := tracking.RunInfo{
		RunID:          ri.RunID,
		RunName:        ri.RunName,
		ExperimentID:   ri.ExperimentID,
		UserID:         ri.UserID,
		Status:         statusFromWire(ri.Status.V),
		StartTime:      ri.StartTime.V,
		ArtifactURI:    ri.ArtifactURI,
		LifecycleStage: ri.LifecycleStage,
	}
	if info.RunID == "" {
		info.RunID = ri.RunUUID
	}
	if ri.EndTime.Set {
		end := ri.EndTime.V
		info.EndTime = &end
	}
	return info
}

// statusFromWire accepts a status name or its enum number.
func statusFromWire(s string) tracking.RunStatus {
	names := []tracking.RunStatus{tracking.StatusRunning, tracking.StatusScheduled,
		tracking.StatusFinished, tracking.StatusFailed, tracking.StatusKilled}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '5' {
		return names[s[0]-'1']
	}
	return tracking.RunStatus(s)
}

type wireRun struct {
	Info wireRunInfo `json:"info"`
	Data struct {
		Metrics []wireMetricOut `json:"metrics"`
		Params  []wireKV        `json:"params"`
		Tags    []wireKV        `json:"tags"`
	} `json:"data"`
	Inputs struct {
		DatasetInputs []struct {
			Tags    []wireKV `json:"tags"`
			Dataset struct {
				Name       string `json:"name"`
				Digest     string `json:"digest"`
				SourceType string `json:"source_type"`
				Source     string `json:"source"`
				Schema     string `json:"schema"`
				Profile    string `json:"profile"`
			} `json:"dataset"`
		} `json:"dataset_inputs"`
		ModelInputs []struct {
			ModelID string `json:"model_id"`
		} `json:"model_inputs"`
	} `json:"inputs"`
	Outputs struct {
		ModelOutputs []struct {
			ModelID string `json:"model_id"`
			Step    i64    `json:"step"`
		} `json:"model_outputs"`
	} `json:"outputs"`
}

func (r *wireRun) run() *tracking.Run {
	run := &tracking.Run{Info: r.Info.info()}
	run.Data.Metrics = metricsFromWire(r.Data.Metrics)
	for _, p := range r.Data.Params {
		run.Data.Params = append(run.Data.Params, tracking.Param(p))
	}
	run.Data.Tags = tagsFromWire(r.Data.Tags)
	for _, d := range r.Inputs.DatasetInputs {
		run.Inputs.DatasetInputs = append(run.Inputs.DatasetInputs, tracking.DatasetInput{
			Tags:    tagsFromWire(d.Tags),
			Dataset: tracking.Dataset(d.Dataset),
		})
	}
	for _, m := range r.Inputs.ModelInputs {
		run.Inputs.ModelInputs = append(run.Inputs.ModelInputs, tracking.ModelInput{ModelID: m.ModelID})
	}
	for _, m := range r.Outputs.ModelOutputs {
		run.Outputs.ModelOutputs = append(run.Outputs.ModelOutputs, tracking.ModelOutput{ModelID: m.ModelID, Step: m.Step.V})
	}
	return run
}
