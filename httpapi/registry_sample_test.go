package httpapi

import (
	"math"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// Sample registry entities with every field set, and bare ones with only
// what a store always fills, so golden files show the whole encoding.

func sampleModelVersion() *registry.ModelVersion {
	return &registry.ModelVersion{
		Name: "bank \"gbdt\"", Version: "3", CreationTimestamp: 1700000000000, LastUpdatedTimestamp: 1700000000500,
		UserID: "ana", CurrentStage: registry.StageProduction, Description: "line1\nline2",
		Source: "mlflow-artifacts:/1/models/m-0123/artifacts", RunID: "0123456789abcdef0123456789abcdef",
		Status: registry.StatusReady, StatusMessage: "ok", Tags: []registry.Tag{{Key: "auc", Value: "0.93"}},
		RunLink: "http://x/#/runs/1", Aliases: []string{"champion", "prod"}, ModelID: "m-0123",
	}
}

func bareModelVersion() *registry.ModelVersion {
	return &registry.ModelVersion{Name: "m", Version: "1", CreationTimestamp: 5, LastUpdatedTimestamp: 5,
		CurrentStage: registry.StageNone, Source: "s3://b/m", Status: registry.StatusReady}
}

func sampleRegisteredModel() *registry.RegisteredModel {
	return &registry.RegisteredModel{
		Name: "bank \"gbdt\"", CreationTimestamp: 1700000000000, LastUpdatedTimestamp: 1700000000500,
		UserID: "ana", Description: "term deposit <model>",
		LatestVersions: []registry.ModelVersion{*bareModelVersion()},
		Tags:           []registry.Tag{{Key: "team", Value: "risk"}},
		Aliases:        []registry.Alias{{Alias: "champion", Version: "3"}},
	}
}

func bareRegisteredModel() *registry.RegisteredModel {
	return &registry.RegisteredModel{Name: "m", CreationTimestamp: 5}
}

func sampleWebhook() *registry.Webhook {
	return &registry.Webhook{
		ID: "wh-1", Name: "ci", Description: "notify CI", URL: "https://hooks.example.com/x",
		Events: []registry.WebhookEvent{{Entity: "MODEL_VERSION", Action: "CREATED"}, {Entity: "MODEL_VERSION_ALIAS", Action: "DELETED"}},
		Status: registry.WebhookActive, Secret: "never-on-the-wire", CreationTimestamp: 1700000000000, LastUpdatedTimestamp: 1700000000001,
	}
}

func sampleLoggedModel() *tracking.LoggedModel {
	return &tracking.LoggedModel{
		ModelID: "m-0123456789abcdef0123456789abcdef", ExperimentID: "1", Name: "gbdt",
		CreationTimestampMs: 1700000000000, LastUpdatedTimestampMs: 1700000000100,
		ArtifactURI: "mlflow-artifacts:/1/models/m-0123456789abcdef0123456789abcdef/artifacts",
		Status:      tracking.LoggedModelReady, StatusMessage: "done", CreatorID: 7, ModelType: "classifier",
		SourceRunID: "0123456789abcdef0123456789abcdef",
		Tags:        []tracking.Tag{{Key: "mlflow.source.type", Value: "LOCAL"}},
		Params:      []tracking.Param{{Key: "depth", Value: "3"}},
		Metrics: []tracking.Metric{{Key: "auc", Value: 0.93, Timestamp: 1700000000050, Step: 0,
			RunID: "0123456789abcdef0123456789abcdef", ModelID: "m-0123456789abcdef0123456789abcdef", DatasetName: "test", DatasetDigest: "abc"},
			{Key: "loss", Value: math.NaN(), Timestamp: 1700000000060, Step: 1}},
		Registrations: []tracking.ModelRegistration{{Name: "bank", Version: "3"}},
	}
}
