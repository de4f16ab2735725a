package httpapi

import (
	"context"

	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// call is one recorded call to a test double: the method and its
// arguments after the context.
type call struct {
	Method string
	Args   []any
}

// callTo builds an expected call.
func callTo(method string, args ...any) call { return call{method, args} }

// recorder keeps the calls made to a double and the error to answer with.
type recorder struct {
	calls []call
	err   error // when set, every method fails with it
}

func (r *recorder) record(method string, args ...any) error {
	r.calls = append(r.calls, call{method, args})
	return r.err
}

// first returns the first call, or nil: the call a request caused, before
// any webhook lookups that announce its event.
func (r *recorder) first() any {
	if len(r.calls) == 0 {
		return nil
	}
	return r.calls[0]
}

// fakeRegistry is a registry.Service that records calls and answers with
// the sample entities of registry_sample_test.go.
type fakeRegistry struct {
	*recorder
	model *registry.RegisteredModel // what GetRegisteredModel answers; sample when nil
}

var _ registry.Service = (*fakeRegistry)(nil)

func (f *fakeRegistry) modelAnswer(method string, args ...any) (*registry.RegisteredModel, error) {
	if err := f.record(method, args...); err != nil {
		return nil, err
	}
	if f.model != nil {
		return f.model, nil
	}
	return sampleRegisteredModel(), nil
}

func (f *fakeRegistry) versionAnswer(method string, args ...any) (*registry.ModelVersion, error) {
	if err := f.record(method, args...); err != nil {
		return nil, err
	}
	return sampleModelVersion(), nil
}

func (f *fakeRegistry) CreateRegisteredModel(_ context.Context, name, description string, tags []registry.Tag) (*registry.RegisteredModel, error) {
	return f.modelAnswer("CreateRegisteredModel", name, description, tags)
}

func (f *fakeRegistry) GetRegisteredModel(_ context.Context, name string) (*registry.RegisteredModel, error) {
	return f.modelAnswer("GetRegisteredModel", name)
}

func (f *fakeRegistry) RenameRegisteredModel(_ context.Context, name, newName string) (*registry.RegisteredModel, error) {
	return f.modelAnswer("RenameRegisteredModel", name, newName)
}

func (f *fakeRegistry) UpdateRegisteredModel(_ context.Context, name, description string) (*registry.RegisteredModel, error) {
	return f.modelAnswer("UpdateRegisteredModel", name, description)
}

func (f *fakeRegistry) DeleteRegisteredModel(_ context.Context, name string) error {
	return f.record("DeleteRegisteredModel", name)
}

func (f *fakeRegistry) SearchRegisteredModels(_ context.Context, s registry.Search) ([]*registry.RegisteredModel, string, error) {
	if err := f.record("SearchRegisteredModels", s); err != nil {
		return nil, "", err
	}
	return []*registry.RegisteredModel{sampleRegisteredModel(), bareRegisteredModel()}, "tok", nil
}

func (f *fakeRegistry) GetLatestVersions(_ context.Context, name string, stages []string) ([]*registry.ModelVersion, error) {
	if err := f.record("GetLatestVersions", name, stages); err != nil {
		return nil, err
	}
	return []*registry.ModelVersion{sampleModelVersion()}, nil
}

func (f *fakeRegistry) SetRegisteredModelTag(_ context.Context, name string, t registry.Tag) error {
	return f.record("SetRegisteredModelTag", name, t)
}

func (f *fakeRegistry) DeleteRegisteredModelTag(_ context.Context, name, key string) error {
	return f.record("DeleteRegisteredModelTag", name, key)
}

func (f *fakeRegistry) CreateModelVersion(_ context.Context, vc registry.VersionCreate) (*registry.ModelVersion, error) {
	return f.versionAnswer("CreateModelVersion", vc)
}

func (f *fakeRegistry) GetModelVersion(_ context.Context, name, version string) (*registry.ModelVersion, error) {
	return f.versionAnswer("GetModelVersion", name, version)
}

func (f *fakeRegistry) UpdateModelVersion(_ context.Context, name, version, description string) (*registry.ModelVersion, error) {
	return f.versionAnswer("UpdateModelVersion", name, version, description)
}

func (f *fakeRegistry) DeleteModelVersion(_ context.Context, name, version string) error {
	return f.record("DeleteModelVersion", name, version)
}

func (f *fakeRegistry) SearchModelVersions(_ context.Context, s registry.Search) ([]*registry.ModelVersion, string, error) {
	if err := f.record("SearchModelVersions", s); err != nil {
		return nil, "", err
	}
	return []*registry.ModelVersion{sampleModelVersion(), bareModelVersion()}, "", nil
}

func (f *fakeRegistry) GetModelVersionDownloadURI(_ context.Context, name, version string) (string, error) {
	if err := f.record("GetModelVersionDownloadURI", name, version); err != nil {
		return "", err
	}
	return "mlflow-artifacts:/1/models/m-0123/artifacts", nil
}

func (f *fakeRegistry) TransitionModelVersionStage(_ context.Context, name, version, stage string, archive bool) (*registry.ModelVersion, error) {
	return f.versionAnswer("TransitionModelVersionStage", name, version, stage, archive)
}

func (f *fakeRegistry) SetModelVersionTag(_ context.Context, name, version string, t registry.Tag) error {
	return f.record("SetModelVersionTag", name, version, t)
}

func (f *fakeRegistry) DeleteModelVersionTag(_ context.Context, name, version, key string) error {
	return f.record("DeleteModelVersionTag", name, version, key)
}

func (f *fakeRegistry) SetRegisteredModelAlias(_ context.Context, name, alias, version string) error {
	return f.record("SetRegisteredModelAlias", name, alias, version)
}

func (f *fakeRegistry) DeleteRegisteredModelAlias(_ context.Context, name, alias string) error {
	return f.record("DeleteRegisteredModelAlias", name, alias)
}

func (f *fakeRegistry) GetModelVersionByAlias(_ context.Context, name, alias string) (*registry.ModelVersion, error) {
	return f.versionAnswer("GetModelVersionByAlias", name, alias)
}

// fakeWebhooks is a registry.WebhookService that records calls; GetWebhook
// answers with hook (the sample when nil) and WebhooksFor with subscribed.
type fakeWebhooks struct {
	*recorder
	hook       *registry.Webhook
	subscribed []*registry.Webhook
}

var _ registry.WebhookService = (*fakeWebhooks)(nil)

func (f *fakeWebhooks) answer(method string, args ...any) (*registry.Webhook, error) {
	if err := f.record(method, args...); err != nil {
		return nil, err
	}
	if f.hook != nil {
		return f.hook, nil
	}
	return sampleWebhook(), nil
}

func (f *fakeWebhooks) CreateWebhook(_ context.Context, w registry.Webhook) (*registry.Webhook, error) {
	return f.answer("CreateWebhook", w)
}

func (f *fakeWebhooks) ListWebhooks(_ context.Context, maxResults int, pageToken string) ([]*registry.Webhook, string, error) {
	if err := f.record("ListWebhooks", maxResults, pageToken); err != nil {
		return nil, "", err
	}
	return []*registry.Webhook{sampleWebhook()}, "next", nil
}

func (f *fakeWebhooks) GetWebhook(_ context.Context, id string) (*registry.Webhook, error) {
	return f.answer("GetWebhook", id)
}

func (f *fakeWebhooks) UpdateWebhook(_ context.Context, id string, u registry.WebhookUpdate) (*registry.Webhook, error) {
	return f.answer("UpdateWebhook", id, u)
}

func (f *fakeWebhooks) DeleteWebhook(_ context.Context, id string) error {
	return f.record("DeleteWebhook", id)
}

func (f *fakeWebhooks) WebhooksFor(_ context.Context, e registry.WebhookEvent) ([]*registry.Webhook, error) {
	if err := f.record("WebhooksFor", e); err != nil {
		return nil, err
	}
	return f.subscribed, nil
}

// fakeLoggedModels is a tracking.LoggedModelService that records calls and
// answers with the sample logged model.
type fakeLoggedModels struct {
	*recorder
	model *tracking.LoggedModel // what lookups answer; sample when nil
}

var _ tracking.LoggedModelService = (*fakeLoggedModels)(nil)

func (f *fakeLoggedModels) answer(method string, args ...any) (*tracking.LoggedModel, error) {
	if err := f.record(method, args...); err != nil {
		return nil, err
	}
	if f.model != nil {
		return f.model, nil
	}
	return sampleLoggedModel(), nil
}

func (f *fakeLoggedModels) CreateLoggedModel(_ context.Context, lc tracking.LoggedModelCreate) (*tracking.LoggedModel, error) {
	return f.answer("CreateLoggedModel", lc)
}

func (f *fakeLoggedModels) GetLoggedModel(_ context.Context, id string) (*tracking.LoggedModel, error) {
	return f.answer("GetLoggedModel", id)
}

func (f *fakeLoggedModels) FinalizeLoggedModel(_ context.Context, id, status string) (*tracking.LoggedModel, error) {
	return f.answer("FinalizeLoggedModel", id, status)
}

func (f *fakeLoggedModels) DeleteLoggedModel(_ context.Context, id string) error {
	return f.record("DeleteLoggedModel", id)
}

func (f *fakeLoggedModels) SearchLoggedModels(_ context.Context, s tracking.LoggedModelSearch) ([]*tracking.LoggedModel, string, error) {
	if err := f.record("SearchLoggedModels", s); err != nil {
		return nil, "", err
	}
	return []*tracking.LoggedModel{sampleLoggedModel()}, "n2", nil
}

func (f *fakeLoggedModels) SetLoggedModelTags(_ context.Context, id string, tags []tracking.Tag) (*tracking.LoggedModel, error) {
	return f.answer("SetLoggedModelTags", id, tags)
}

func (f *fakeLoggedModels) DeleteLoggedModelTag(_ context.Context, id, key string) error {
	return f.record("DeleteLoggedModelTag", id, key)
}

func (f *fakeLoggedModels) LogLoggedModelParams(_ context.Context, id string, params []tracking.Param) error {
	return f.record("LogLoggedModelParams", id, params)
}
