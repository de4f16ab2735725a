package httpapi

import (
	"context"
	"strings"

	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// guardedRegistry is a registry.Service behind MLflow's checks on the
// registered model: READ to read it or its versions, EDIT to change them
// (new versions included), MANAGE to delete them. The creator of a model
// gets MANAGE; a rename moves the model's grants and a delete drops them.
type guardedRegistry struct {
	inner registry.Service
	g     *guard
}

func (r *guardedRegistry) model(ctx context.Context, name string, a auth.Action) error {
	return r.g.checkModel(ctx, name, a)
}

func (r *guardedRegistry) CreateRegisteredModel(ctx context.Context, name, desc string, tags []registry.Tag) (*registry.RegisteredModel, error) {
	if p := principalFrom(ctx); p == nil || p.readOnly() {
		return nil, errDenied
	}
	m, err := r.inner.CreateRegisteredModel(ctx, name, desc, tags)
	if err != nil {
		return nil, err
	}
	return m, r.g.owner(ctx, auth.RegisteredModel, m.Name)
}

func (r *guardedRegistry) GetRegisteredModel(ctx context.Context, name string) (*registry.RegisteredModel, error) {
	if err := r.model(ctx, name, auth.ActionRead); err != nil {
		return nil, err
	}
	return r.inner.GetRegisteredModel(ctx, name)
}

func (r *guardedRegistry) RenameRegisteredModel(ctx context.Context, name, newName string) (*registry.RegisteredModel, error) {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return nil, err
	}
	m, err := r.inner.RenameRegisteredModel(ctx, name, newName)
	if err != nil {
		return nil, err
	}
	return m, r.g.auth.ResourceRenamed(ctx, auth.RegisteredModel, name, m.Name)
}

func (r *guardedRegistry) UpdateRegisteredModel(ctx context.Context, name, desc string) (*registry.RegisteredModel, error) {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return r.inner.UpdateRegisteredModel(ctx, name, desc)
}

func (r *guardedRegistry) DeleteRegisteredModel(ctx context.Context, name string) error {
	if err := r.model(ctx, name, auth.ActionDelete); err != nil {
		return err
	}
	if err := r.inner.DeleteRegisteredModel(ctx, name); err != nil {
		return err
	}
	return r.g.auth.ResourceDeleted(ctx, auth.RegisteredModel, name)
}

func (r *guardedRegistry) SearchRegisteredModels(ctx context.Context, s registry.Search) ([]*registry.RegisteredModel, string, error) {
	return fillPage(ctx, s.MaxResults, s.PageToken,
		func(max int, token string) ([]*registry.RegisteredModel, string, error) {
			s.MaxResults, s.PageToken = max, token
			return r.inner.SearchRegisteredModels(ctx, s)
		},
		func(m *registry.RegisteredModel) (bool, error) {
			return r.g.readable(ctx, auth.RegisteredModel, m.Name)
		})
}

func (r *guardedRegistry) GetLatestVersions(ctx context.Context, name string, stages []string) ([]*registry.ModelVersion, error) {
	if err := r.model(ctx, name, auth.ActionRead); err != nil {
		return nil, err
	}
	return r.inner.GetLatestVersions(ctx, name, stages)
}

func (r *guardedRegistry) SetRegisteredModelTag(ctx context.Context, name string, t registry.Tag) error {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return err
	}
	return r.inner.SetRegisteredModelTag(ctx, name, t)
}

func (r *guardedRegistry) DeleteRegisteredModelTag(ctx context.Context, name, key string) error {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return err
	}
	return r.inner.DeleteRegisteredModelTag(ctx, name, key)
}

// CreateModelVersion needs EDIT on the model and READ on what the version
// points at (its run, or the experiment of an mlflow-artifacts: source):
// otherwise a version could expose, through the model, files its creator
// may not read.
func (r *guardedRegistry) CreateModelVersion(ctx context.Context, c registry.VersionCreate) (*registry.ModelVersion, error) {
	if err := r.model(ctx, c.Name, auth.ActionUpdate); err != nil {
		return nil, err
	}
	if err := r.checkSource(ctx, c); err != nil {
		return nil, err
	}
	return r.inner.CreateModelVersion(ctx, c)
}

func (r *guardedRegistry) checkSource(ctx context.Context, c registry.VersionCreate) error {
	if c.RunID != "" {
		if err := r.g.checkRun(ctx, c.RunID, auth.ActionRead); err != nil {
			return err
		}
	}
	if rest, ok := strings.CutPrefix(c.Source, "runs:/"); ok {
		runID, _, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
		if runID != "" {
			return r.g.checkRun(ctx, runID, auth.ActionRead)
		}
	}
	if rest, ok := strings.CutPrefix(c.Source, "mlflow-artifacts:"); ok {
		exp, _, _ := strings.Cut(strings.TrimLeft(rest, "/"), "/")
		if !isExperimentID(exp) {
			if p := principalFrom(ctx); p == nil || !p.User.IsAdmin {
				return errDenied // not an experiment's artifacts: admins only
			}
			return nil
		}
		return r.g.check(ctx, auth.Experiment, exp, auth.ActionRead)
	}
	return nil
}

func (r *guardedRegistry) GetModelVersion(ctx context.Context, name, version string) (*registry.ModelVersion, error) {
	if err := r.model(ctx, name, auth.ActionRead); err != nil {
		return nil, err
	}
	return r.inner.GetModelVersion(ctx, name, version)
}

func (r *guardedRegistry) UpdateModelVersion(ctx context.Context, name, version, desc string) (*registry.ModelVersion, error) {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return r.inner.UpdateModelVersion(ctx, name, version, desc)
}

func (r *guardedRegistry) DeleteModelVersion(ctx context.Context, name, version string) error {
	if err := r.model(ctx, name, auth.ActionDelete); err != nil {
		return err
	}
	return r.inner.DeleteModelVersion(ctx, name, version)
}

func (r *guardedRegistry) SearchModelVersions(ctx context.Context, s registry.Search) ([]*registry.ModelVersion, string, error) {
	return fillPage(ctx, s.MaxResults, s.PageToken,
		func(max int, token string) ([]*registry.ModelVersion, string, error) {
			s.MaxResults, s.PageToken = max, token
			return r.inner.SearchModelVersions(ctx, s)
		},
		func(v *registry.ModelVersion) (bool, error) { return r.g.readable(ctx, auth.RegisteredModel, v.Name) })
}

func (r *guardedRegistry) GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error) {
	if err := r.model(ctx, name, auth.ActionRead); err != nil {
		return "", err
	}
	return r.inner.GetModelVersionDownloadURI(ctx, name, version)
}

func (r *guardedRegistry) TransitionModelVersionStage(ctx context.Context, name, version, stage string, archive bool) (*registry.ModelVersion, error) {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return r.inner.TransitionModelVersionStage(ctx, name, version, stage, archive)
}

func (r *guardedRegistry) SetModelVersionTag(ctx context.Context, name, version string, t registry.Tag) error {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return err
	}
	return r.inner.SetModelVersionTag(ctx, name, version, t)
}

func (r *guardedRegistry) DeleteModelVersionTag(ctx context.Context, name, version, key string) error {
	if err := r.model(ctx, name, auth.ActionDelete); err != nil {
		return err
	}
	return r.inner.DeleteModelVersionTag(ctx, name, version, key)
}

func (r *guardedRegistry) SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error {
	if err := r.model(ctx, name, auth.ActionUpdate); err != nil {
		return err
	}
	return r.inner.SetRegisteredModelAlias(ctx, name, alias, version)
}

func (r *guardedRegistry) DeleteRegisteredModelAlias(ctx context.Context, name, alias string) error {
	if err := r.model(ctx, name, auth.ActionDelete); err != nil {
		return err
	}
	return r.inner.DeleteRegisteredModelAlias(ctx, name, alias)
}

func (r *guardedRegistry) GetModelVersionByAlias(ctx context.Context, name, alias string) (*registry.ModelVersion, error) {
	if err := r.model(ctx, name, auth.ActionRead); err != nil {
		return nil, err
	}
	return r.inner.GetModelVersionByAlias(ctx, name, alias)
}

// guardedLoggedModels checks MLflow 3 logged models against their
// experiment, as runs are.
type guardedLoggedModels struct {
	inner tracking.LoggedModelService
	g     *guard
}

// modelExp checks the caller's permission on a logged model's experiment
// and returns the model.
func (l *guardedLoggedModels) modelExp(ctx context.Context, id string, a auth.Action) (*tracking.LoggedModel, error) {
	m, err := l.inner.GetLoggedModel(ctx, id)
	if err != nil {
		return nil, err
	}
	return m, l.g.check(ctx, auth.Experiment, m.ExperimentID, a)
}

func (l *guardedLoggedModels) CreateLoggedModel(ctx context.Context, c tracking.LoggedModelCreate) (*tracking.LoggedModel, error) {
	if err := l.g.check(ctx, auth.Experiment, c.ExperimentID, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return l.inner.CreateLoggedModel(ctx, c)
}

func (l *guardedLoggedModels) GetLoggedModel(ctx context.Context, id string) (*tracking.LoggedModel, error) {
	m, err := l.modelExp(ctx, id, auth.ActionRead)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (l *guardedLoggedModels) FinalizeLoggedModel(ctx context.Context, id, status string) (*tracking.LoggedModel, error) {
	if _, err := l.modelExp(ctx, id, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return l.inner.FinalizeLoggedModel(ctx, id, status)
}

func (l *guardedLoggedModels) DeleteLoggedModel(ctx context.Context, id string) error {
	if _, err := l.modelExp(ctx, id, auth.ActionDelete); err != nil {
		return err
	}
	return l.inner.DeleteLoggedModel(ctx, id)
}

func (l *guardedLoggedModels) SearchLoggedModels(ctx context.Context, s tracking.LoggedModelSearch) ([]*tracking.LoggedModel, string, error) {
	ids, err := l.g.filterIDs(ctx, s.ExperimentIDs)
	if err != nil {
		return nil, "", err
	}
	if len(ids) == 0 {
		return nil, "", nil
	}
	s.ExperimentIDs = ids
	return l.inner.SearchLoggedModels(ctx, s)
}

func (l *guardedLoggedModels) SetLoggedModelTags(ctx context.Context, id string, tags []tracking.Tag) (*tracking.LoggedModel, error) {
	if _, err := l.modelExp(ctx, id, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return l.inner.SetLoggedModelTags(ctx, id, tags)
}

func (l *guardedLoggedModels) DeleteLoggedModelTag(ctx context.Context, id, key string) error {
	if _, err := l.modelExp(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return l.inner.DeleteLoggedModelTag(ctx, id, key)
}

func (l *guardedLoggedModels) LogLoggedModelParams(ctx context.Context, id string, params []tracking.Param) error {
	if _, err := l.modelExp(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return l.inner.LogLoggedModelParams(ctx, id, params)
}
