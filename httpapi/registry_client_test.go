package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// TestRegistryClientRoundTrip sends every registry.Service and
// tracking.LoggedModelService call through Client and Server to the test
// doubles: they must receive what the client was given, and the client
// must return what they answered.
func TestRegistryClientRoundTrip(t *testing.T) {
	s, d := newRegistryServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := NewClient(srv.URL)
	ctx := context.Background()
	tags := []registry.Tag{{Key: "k", Value: "v é"}}
	const id = "m-0123456789abcdef0123456789abcdef"

	cases := []struct {
		name       string
		call       func() (any, error)
		wantCall   call
		wantResult any
	}{
		{"CreateRegisteredModel", func() (any, error) { return c.CreateRegisteredModel(ctx, "m", "d", tags) },
			callTo("CreateRegisteredModel", "m", "d", tags), sampleRegisteredModel()},
		{"GetRegisteredModel", func() (any, error) { return c.GetRegisteredModel(ctx, "a b&c") },
			callTo("GetRegisteredModel", "a b&c"), sampleRegisteredModel()},
		{"RenameRegisteredModel", func() (any, error) { return c.RenameRegisteredModel(ctx, "a", "b") },
			callTo("RenameRegisteredModel", "a", "b"), sampleRegisteredModel()},
		{"UpdateRegisteredModel", func() (any, error) { return c.UpdateRegisteredModel(ctx, "a", "") },
			callTo("UpdateRegisteredModel", "a", ""), sampleRegisteredModel()},
		{"DeleteRegisteredModel", func() (any, error) { return nil, c.DeleteRegisteredModel(ctx, "a") },
			callTo("DeleteRegisteredModel", "a"), nil},
		{"SearchRegisteredModels", func() (any, error) {
			ms, next, err := c.SearchRegisteredModels(ctx, registry.Search{Filter: "name LIKE 'a%'", OrderBy: []string{"name", "timestamp DESC"},
				MaxResults: 7, PageToken: "p"})
			return []any{ms, next}, err
		}, callTo("SearchRegisteredModels", registry.Search{Filter: "name LIKE 'a%'", OrderBy: []string{"name", "timestamp DESC"}, MaxResults: 7, PageToken: "p"}),
			[]any{[]*registry.RegisteredModel{sampleRegisteredModel(), bareRegisteredModel()}, "tok"}},
		{"GetLatestVersions", func() (any, error) { return c.GetLatestVersions(ctx, "m", []string{"Staging", "None"}) },
			callTo("GetLatestVersions", "m", []string{"Staging", "None"}), []*registry.ModelVersion{sampleModelVersion()}},
		{"SetRegisteredModelTag", func() (any, error) { return nil, c.SetRegisteredModelTag(ctx, "m", tags[0]) },
			callTo("SetRegisteredModelTag", "m", tags[0]), nil},
		{"DeleteRegisteredModelTag", func() (any, error) { return nil, c.DeleteRegisteredModelTag(ctx, "m", "k") },
			callTo("DeleteRegisteredModelTag", "m", "k"), nil},
		{"CreateModelVersion", func() (any, error) {
			return c.CreateModelVersion(ctx, registry.VersionCreate{Name: "m", Source: "s3://b", RunID: "r", Tags: tags, RunLink: "l", Description: "d", ModelID: "m-1"})
		}, callTo("CreateModelVersion", registry.VersionCreate{Name: "m", Source: "s3://b", RunID: "r", Tags: tags, RunLink: "l", Description: "d", ModelID: "m-1"}),
			sampleModelVersion()},
		{"GetModelVersion", func() (any, error) { return c.GetModelVersion(ctx, "m", "3") }, callTo("GetModelVersion", "m", "3"), sampleModelVersion()},
		{"UpdateModelVersion", func() (any, error) { return c.UpdateModelVersion(ctx, "m", "3", "d") },
			callTo("UpdateModelVersion", "m", "3", "d"), sampleModelVersion()},
		{"DeleteModelVersion", func() (any, error) { return nil, c.DeleteModelVersion(ctx, "m", "3") }, callTo("DeleteModelVersion", "m", "3"), nil},
		{"SearchModelVersions", func() (any, error) {
			vs, next, err := c.SearchModelVersions(ctx, registry.Search{Filter: "run_id = 'r'"})
			return []any{vs, next}, err
		}, callTo("SearchModelVersions", registry.Search{Filter: "run_id = 'r'"}),
			[]any{[]*registry.ModelVersion{sampleModelVersion(), bareModelVersion()}, ""}},
		{"GetModelVersionDownloadURI", func() (any, error) { return c.GetModelVersionDownloadURI(ctx, "m", "3") },
			callTo("GetModelVersionDownloadURI", "m", "3"), "mlflow-artifacts:/1/models/m-0123/artifacts"},
		{"TransitionModelVersionStage", func() (any, error) { return c.TransitionModelVersionStage(ctx, "m", "3", "Production", true) },
			callTo("TransitionModelVersionStage", "m", "3", "Production", true), sampleModelVersion()},
		{"SetModelVersionTag", func() (any, error) { return nil, c.SetModelVersionTag(ctx, "m", "3", tags[0]) },
			callTo("SetModelVersionTag", "m", "3", tags[0]), nil},
		{"DeleteModelVersionTag", func() (any, error) { return nil, c.DeleteModelVersionTag(ctx, "m", "3", "k") },
			callTo("DeleteModelVersionTag", "m", "3", "k"), nil},
		{"SetRegisteredModelAlias", func() (any, error) { return nil, c.SetRegisteredModelAlias(ctx, "m", "champ", "3") },
			callTo("SetRegisteredModelAlias", "m", "champ", "3"), nil},
		{"DeleteRegisteredModelAlias", func() (any, error) { return nil, c.DeleteRegisteredModelAlias(ctx, "m", "champ") },
			callTo("DeleteRegisteredModelAlias", "m", "champ"), nil},
		{"GetModelVersionByAlias", func() (any, error) { return c.GetModelVersionByAlias(ctx, "m", "champ") },
			callTo("GetModelVersionByAlias", "m", "champ"), sampleModelVersion()},

		{"CreateLoggedModel", func() (any, error) {
			return c.CreateLoggedModel(ctx, tracking.LoggedModelCreate{ExperimentID: "1", Name: "n", ModelType: "t", SourceRunID: "r",
				Params: []tracking.Param{{Key: "p", Value: "1"}}, Tags: tags})
		}, callTo("CreateLoggedModel", tracking.LoggedModelCreate{ExperimentID: "1", Name: "n", ModelType: "t", SourceRunID: "r",
			Params: []tracking.Param{{Key: "p", Value: "1"}}, Tags: tags}), sampleLoggedModel()},
		{"GetLoggedModel", func() (any, error) { return c.GetLoggedModel(ctx, id) }, callTo("GetLoggedModel", id), sampleLoggedModel()},
		{"FinalizeLoggedModel", func() (any, error) { return c.FinalizeLoggedModel(ctx, id, tracking.LoggedModelUploadFailed) },
			callTo("FinalizeLoggedModel", id, tracking.LoggedModelUploadFailed), sampleLoggedModel()},
		{"DeleteLoggedModel", func() (any, error) { return nil, c.DeleteLoggedModel(ctx, id) }, callTo("DeleteLoggedModel", id), nil},
		{"SearchLoggedModels", func() (any, error) {
			ms, next, err := c.SearchLoggedModels(ctx, tracking.LoggedModelSearch{ExperimentIDs: []string{"1"}, Filter: "name = 'n'",
				Datasets: []tracking.Dataset{{Name: "test", Digest: "d"}}, MaxResults: 3, PageToken: "p",
				OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc", DatasetName: "test", DatasetDigest: "d"}, {FieldName: "name", Ascending: true}}})
			return []any{ms, next}, err
		}, callTo("SearchLoggedModels", tracking.LoggedModelSearch{ExperimentIDs: []string{"1"}, Filter: "name = 'n'",
			Datasets: []tracking.Dataset{{Name: "test", Digest: "d"}}, MaxResults: 3, PageToken: "p",
			OrderBy: []tracking.LoggedModelOrder{{FieldName: "metrics.auc", DatasetName: "test", DatasetDigest: "d"}, {FieldName: "name", Ascending: true}}}),
			[]any{[]*tracking.LoggedModel{sampleLoggedModel()}, "n2"}},
		{"SetLoggedModelTags", func() (any, error) { return c.SetLoggedModelTags(ctx, id, tags) }, callTo("SetLoggedModelTags", id, tags), sampleLoggedModel()},
		{"DeleteLoggedModelTag", func() (any, error) { return nil, c.DeleteLoggedModelTag(ctx, id, "a/b c") },
			callTo("DeleteLoggedModelTag", id, "a/b c"), nil},
		{"LogLoggedModelParams", func() (any, error) {
			return nil, c.LogLoggedModelParams(ctx, id, []tracking.Param{{Key: "p", Value: "v"}})
		},
			callTo("LogLoggedModelParams", id, []tracking.Param{{Key: "p", Value: "v"}}), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.rec.calls = nil
			got, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if !sameCall(d.rec.first(), tc.wantCall) {
				t.Errorf("store call:\n got %#v\nwant %#v", d.rec.first(), tc.wantCall)
			}
			if tc.wantResult != nil && !sameCall(got, tc.wantResult) {
				t.Errorf("result:\n got %#v\nwant %#v", got, tc.wantResult)
			}
		})
	}
}

func TestRegistryClientErrors(t *testing.T) {
	s, d := newRegistryServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	d.rec.err = weir.Errorf(weir.ErrResourceDoesNotExist, "Registered Model with name=x not found")
	c := NewClient(srv.URL)
	_, err := c.GetRegisteredModel(context.Background(), "x")
	if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist || weir.ErrorMessage(err) != "Registered Model with name=x not found" {
		t.Errorf("got %v", err)
	}
	err = c.DeleteRegisteredModelAlias(context.Background(), "x", "a")
	if weir.ErrorCode(err) != weir.ErrResourceDoesNotExist {
		t.Errorf("DELETE with a body: got %v", err)
	}
	// A server without a logged-model store answers 404 ENDPOINT_NOT_FOUND.
	s.LoggedModels = nil
	if _, err := c.GetLoggedModel(context.Background(), "m-1"); weir.ErrorCode(err) != weir.ErrEndpointNotFound {
		t.Errorf("no logged models: got %v", err)
	}
}

func TestWebhookClientRoundTrip(t *testing.T) {
	s, d := newRegistryServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	c := NewClient(srv.URL)
	ctx := context.Background()
	events := []registry.WebhookEvent{{Entity: "MODEL_VERSION_TAG", Action: "SET"}}
	public := sampleWebhook()
	public.Secret = "" // never on the wire
	rcv := newHookReceiver(t, http.StatusAccepted)
	s.Deliveries.AllowPrivateNetworks = true

	cases := []struct {
		name       string
		call       func() (any, error)
		wantCall   call
		wantResult any
	}{
		{"CreateWebhook", func() (any, error) {
			return c.CreateWebhook(ctx, registry.Webhook{Name: "n", Description: "d", URL: "https://h/x", Events: events, Secret: "s"})
		}, callTo("CreateWebhook", registry.Webhook{Name: "n", Description: "d", URL: "https://h/x", Events: events, Secret: "s",
			Status: registry.WebhookActive}), public},
		{"ListWebhooks", func() (any, error) {
			hooks, next, err := c.ListWebhooks(ctx, 0, "p")
			return []any{hooks, next}, err
		}, callTo("ListWebhooks", 100, "p"), []any{[]*registry.Webhook{public}, "next"}},
		{"GetWebhook", func() (any, error) { return c.GetWebhook(ctx, "wh 1") }, callTo("GetWebhook", "wh 1"), public},
		{"UpdateWebhook", func() (any, error) {
			return c.UpdateWebhook(ctx, "wh-1", registry.WebhookUpdate{Description: ptr(""), Secret: ptr(""), Events: events})
		}, callTo("UpdateWebhook", "wh-1", registry.WebhookUpdate{Description: ptr(""), Secret: ptr(""), Events: events}), public},
		{"DeleteWebhook", func() (any, error) { return nil, c.DeleteWebhook(ctx, "wh-1") }, callTo("DeleteWebhook", "wh-1"), nil},
		{"TestWebhook", func() (any, error) {
			d.webhooks.hook = &registry.Webhook{ID: "wh-1", URL: rcv.URL, Events: events}
			return c.TestWebhook(ctx, "wh-1", &registry.WebhookEvent{Entity: "MODEL_VERSION_ALIAS", Action: "CREATED"})
		}, callTo("GetWebhook", "wh-1"), &registry.WebhookTestResult{Success: true, ResponseStatus: 202, ResponseBody: "thanks"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d.rec.calls = nil
			got, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if !sameCall(d.rec.first(), tc.wantCall) {
				t.Errorf("store call:\n got %#v\nwant %#v", d.rec.first(), tc.wantCall)
			}
			if tc.wantResult != nil && !sameCall(got, tc.wantResult) {
				t.Errorf("result:\n got %#v\nwant %#v", got, tc.wantResult)
			}
		})
	}
	if len(rcv.bodies) != 1 || !strings.Contains(rcv.bodies[0], `"entity":"model_version_alias"`) {
		t.Errorf("test delivery: got %q", rcv.bodies)
	}
}
