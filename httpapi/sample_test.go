package httpapi

import (
	"math"

	"github.com/weir-ml/weir/tracking"
)

// Sample entities with every field set (and NaN/±Inf values), so golden
// files show the whole wire encoding.

func sampleExperiment() *tracking.Experiment {
	return &tracking.Experiment{
		ID:               "1",
		Name:             "bank \"marketing\" <2008>",
		ArtifactLocation: "mlflow-artifacts:/1",
		LifecycleStage:   tracking.StageActive,
		CreationTime:     1700000000000,
		LastUpdateTime:   1700000000123,
		Tags:             []tracking.Tag{{Key: "team", Value: "risk"}, {Key: "note", Value: "line1\nline2\t\u00e9"}},
	}
}

func sampleMetrics() []tracking.Metric {
	return []tracking.Metric{
		{Key: "auc", Value: 0.8123456789, Timestamp: 1700000000001, Step: 0, RunID: "r1"},
		{Key: "auc", Value: math.NaN(), Timestamp: 1700000000002, Step: 1, RunID: "r1"},
		{Key: "auc", Value: math.Inf(1), Timestamp: 1700000000003, Step: 2, RunID: "r1"},
		{Key: "auc", Value: math.Inf(-1), Timestamp: 1700000000004, Step: 3, RunID: "r1"},
		{Key: "auc", Value: 1e-9, Timestamp: 1700000000005, Step: 4, RunID: "r1", ModelID: "m-1",
			DatasetName: "train", DatasetDigest: "abc"},
		{Key: "auc", Value: 3, Timestamp: 1700000000006, Step: 5, RunID: "r1"},
	}
}

func sampleRun() *tracking.Run {
	end := int64(1700000009999)
	return &tracking.Run{
		Info: tracking.RunInfo{
			RunID:          "0123456789abcdef0123456789abcdef",
			RunName:        "calm-hare-158",
			ExperimentID:   "1",
			UserID:         "",
			Status:         tracking.StatusFinished,
			StartTime:      1700000000000,
			EndTime:        &end,
			ArtifactURI:    "mlflow-artifacts:/1/0123456789abcdef0123456789abcdef/artifacts",
			LifecycleStage: tracking.StageActive,
		},
		Data: tracking.RunData{
			Metrics: []tracking.Metric{
				{Key: "loss", Value: 0.25, Timestamp: 1700000000100, Step: 10},
				{Key: "bad", Value: math.NaN(), Timestamp: 1700000000200, Step: 0},
			},
			Params: []tracking.Param{{Key: "lr", Value: "0.1"}, {Key: "empty", Value: ""}},
			Tags:   []tracking.Tag{{Key: "mlflow.runName", Value: "calm-hare-158"}},
		},
		Inputs: tracking.RunInputs{
			DatasetInputs: []tracking.DatasetInput{{
				Tags: []tracking.Tag{{Key: "mlflow.data.context", Value: "train"}},
				Dataset: tracking.Dataset{Name: "bank", Digest: "d1g3st", SourceType: "local",
					Source: `{"uri": "bank-full.csv"}`, Schema: `{"mlflow_colspec": []}`},
			}},
			ModelInputs: []tracking.ModelInput{{ModelID: "m-0"}},
		},
		Outputs: tracking.RunOutputs{ModelOutputs: []tracking.ModelOutput{{ModelID: "m-1", Step: 3}}},
	}
}

// bareRun is a run that is still running with nothing logged: end_time and
// every list must be absent.
func bareRun() *tracking.Run {
	return &tracking.Run{Info: tracking.RunInfo{
		RunID: "r2", RunName: "r", ExperimentID: "0", Status: tracking.StatusRunning,
		StartTime: 5, ArtifactURI: "mlflow-artifacts:/0/r2/artifacts", LifecycleStage: tracking.StageActive,
	}}
}
