package httpapi

import (
	"context"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/evaldata"
)

// guardedDatasets is an evaldata.Service and ScorerService that checks
// each call as MLflow's basic-auth app does. A dataset has no permissions
// of its own: reading it needs READ on every experiment it belongs to,
// changing it EDIT, deleting it MANAGE, and one linked to no experiment is
// for admins only. Creating or linking needs EDIT on the experiments
// named; a search must name experiments the caller may read. Scorers live
// in an experiment and follow its permissions.
type guardedDatasets struct {
	inner evaldata.Service
	g     *guard
}

func (d *guardedDatasets) exps(ctx context.Context, ids []string, a auth.Action) error {
	if len(ids) == 0 {
		if p := principalFrom(ctx); p == nil || !p.User.IsAdmin {
			return errDenied
		}
	}
	for _, id := range ids {
		if err := d.g.check(ctx, auth.Experiment, id, a); err != nil {
			return err
		}
	}
	return nil
}

// dataset checks a on every experiment of an existing dataset.
func (d *guardedDatasets) dataset(ctx context.Context, id string, a auth.Action) error {
	ids, err := d.inner.GetExperimentIDs(ctx, id)
	if err != nil {
		return err
	}
	return d.exps(ctx, ids, a)
}

func (d *guardedDatasets) CreateDataset(ctx context.Context, name string, tags map[string]string, experimentIDs []string) (*evaldata.Dataset, error) {
	if err := d.exps(ctx, experimentIDs, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return d.inner.CreateDataset(ctx, name, tags, experimentIDs)
}

func (d *guardedDatasets) GetDataset(ctx context.Context, id string) (*evaldata.Dataset, error) {
	if err := d.dataset(ctx, id, auth.ActionRead); err != nil {
		return nil, err
	}
	return d.inner.GetDataset(ctx, id)
}

func (d *guardedDatasets) DeleteDataset(ctx context.Context, id string) error {
	if err := d.dataset(ctx, id, auth.ActionDelete); err != nil {
		if weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
			return d.inner.DeleteDataset(ctx, id) // deleting what is gone succeeds, as in MLflow
		}
		return err
	}
	return d.inner.DeleteDataset(ctx, id)
}

func (d *guardedDatasets) SearchDatasets(ctx context.Context, req evaldata.SearchRequest) ([]evaldata.Dataset, string, error) {
	if len(req.ExperimentIDs) == 0 {
		if p := principalFrom(ctx); p == nil || !p.User.IsAdmin {
			return nil, "", errDenied
		}
	}
	if err := d.exps(ctx, req.ExperimentIDs, auth.ActionRead); err != nil {
		return nil, "", err
	}
	return d.inner.SearchDatasets(ctx, req)
}

func (d *guardedDatasets) SetDatasetTags(ctx context.Context, id string, tags map[string]string) error {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return d.inner.SetDatasetTags(ctx, id, tags)
}

func (d *guardedDatasets) DeleteDatasetTag(ctx context.Context, id, key string) error {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return err
	}
	return d.inner.DeleteDatasetTag(ctx, id, key)
}

func (d *guardedDatasets) UpsertRecords(ctx context.Context, id string, records []evaldata.RecordInput) (evaldata.UpsertResult, error) {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return evaldata.UpsertResult{}, err
	}
	return d.inner.UpsertRecords(ctx, id, records)
}

func (d *guardedDatasets) GetRecords(ctx context.Context, id string, maxResults int, pageToken string) ([]evaldata.Record, string, error) {
	if err := d.dataset(ctx, id, auth.ActionRead); err != nil {
		return nil, "", err
	}
	return d.inner.GetRecords(ctx, id, maxResults, pageToken)
}

func (d *guardedDatasets) DeleteRecords(ctx context.Context, id string, recordIDs []string) (int, error) {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return 0, err
	}
	return d.inner.DeleteRecords(ctx, id, recordIDs)
}

func (d *guardedDatasets) GetExperimentIDs(ctx context.Context, id string) ([]string, error) {
	if err := d.dataset(ctx, id, auth.ActionRead); err != nil {
		return nil, err
	}
	return d.inner.GetExperimentIDs(ctx, id)
}

// AddToExperiments needs EDIT on the dataset and on the experiments added,
// so a caller cannot link an experiment it does not control.
func (d *guardedDatasets) AddToExperiments(ctx context.Context, id string, experimentIDs []string) (*evaldata.Dataset, error) {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return nil, err
	}
	if err := d.exps(ctx, experimentIDs, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return d.inner.AddToExperiments(ctx, id, experimentIDs)
}

func (d *guardedDatasets) RemoveFromExperiments(ctx context.Context, id string, experimentIDs []string) (*evaldata.Dataset, error) {
	if err := d.dataset(ctx, id, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return d.inner.RemoveFromExperiments(ctx, id, experimentIDs)
}

// guardedScorers adds the scorer calls, when the store keeps scorers.
type guardedScorers struct {
	*guardedDatasets
	sc evaldata.ScorerService
}

func (d *guardedScorers) RegisterScorer(ctx context.Context, experimentID, name, serialized string) (*evaldata.ScorerVersion, error) {
	if err := d.exps(ctx, []string{experimentID}, auth.ActionUpdate); err != nil {
		return nil, err
	}
	return d.sc.RegisterScorer(ctx, experimentID, name, serialized)
}

func (d *guardedScorers) ListScorers(ctx context.Context, experimentIDs []string) ([]evaldata.ScorerVersion, error) {
	if err := d.exps(ctx, experimentIDs, auth.ActionRead); err != nil {
		return nil, err
	}
	return d.sc.ListScorers(ctx, experimentIDs)
}

func (d *guardedScorers) ListScorerVersions(ctx context.Context, experimentID, name string) ([]evaldata.ScorerVersion, error) {
	if err := d.exps(ctx, []string{experimentID}, auth.ActionRead); err != nil {
		return nil, err
	}
	return d.sc.ListScorerVersions(ctx, experimentID, name)
}

func (d *guardedScorers) GetScorer(ctx context.Context, experimentID, name string, version int) (*evaldata.ScorerVersion, error) {
	if err := d.exps(ctx, []string{experimentID}, auth.ActionRead); err != nil {
		return nil, err
	}
	return d.sc.GetScorer(ctx, experimentID, name, version)
}

func (d *guardedScorers) DeleteScorer(ctx context.Context, experimentID, name string, version int) error {
	if err := d.exps(ctx, []string{experimentID}, auth.ActionDelete); err != nil {
		return err
	}
	return d.sc.DeleteScorer(ctx, experimentID, name, version)
}

// guardDatasets wraps a dataset store, keeping its scorers when it has them.
func guardDatasets(inner evaldata.Service, g *guard) evaldata.Service {
	d := &guardedDatasets{inner: inner, g: g}
	if sc, ok := inner.(evaldata.ScorerService); ok {
		return &guardedScorers{guardedDatasets: d, sc: sc}
	}
	return d
}
