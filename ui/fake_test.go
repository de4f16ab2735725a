package ui

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// fakeTracking is an in-memory tracking.Service with the behaviour the UI
// relies on: experiments, runs in start-time order, tag and metric filters
// through the real filter parser, offset page tokens and metric histories.
// Methods the UI never calls are left to the embedded nil interface.
type fakeTracking struct {
	tracking.Service
	exps    []*tracking.Experiment
	runs    []*tracking.Run
	history map[string][]tracking.Metric // run ID + "/" + key
	calls   []string                     // changes made, for action tests
	// historyReads counts the GetMetricHistory calls that read a whole
	// history (no MaxResults), for cache tests.
	historyReads int
}

var _ tracking.Service = (*fakeTracking)(nil)

func (f *fakeTracking) GetExperiment(ctx context.Context, id string) (*tracking.Experiment, error) {
	for _, e := range f.exps {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "No Experiment with id=%s exists", id)
}

func (f *fakeTracking) SearchExperiments(ctx context.Context, s tracking.ExperimentSearch) ([]*tracking.Experiment, string, error) {
	if _, err := tracking.ParseExperimentFilter(s.Filter); err != nil {
		return nil, "", err
	}
	var out []*tracking.Experiment
	for _, e := range f.exps {
		deleted := e.LifecycleStage == tracking.StageDeleted
		if (s.ViewType == tracking.DeletedOnly) != deleted {
			continue
		}
		if q := likeText(s.Filter); q != "" && !strings.Contains(strings.ToLower(e.Name), q) {
			continue
		}
		out = append(out, e)
	}
	return out, "", nil
}

// likeText pulls the text out of the UI's "name ILIKE '%text%'" filter.
func likeText(filter string) string {
	_, rest, ok := strings.Cut(filter, "%")
	if !ok {
		return ""
	}
	return strings.ToLower(rest[:strings.LastIndex(rest, "%")])
}

func (f *fakeTracking) UpdateExperiment(ctx context.Context, id, name string) error {
	e, err := f.GetExperiment(ctx, id)
	if err != nil {
		return err
	}
	e.Name = name
	f.calls = append(f.calls, "rename "+id+" "+name)
	return nil
}

func (f *fakeTracking) CreateExperiment(ctx context.Context, name, loc string, tags []tracking.Tag) (string, error) {
	id := strconv.Itoa(len(f.exps) + 100)
	f.exps = append(f.exps, &tracking.Experiment{ID: id, Name: name, LifecycleStage: tracking.StageActive})
	f.calls = append(f.calls, "create "+name)
	return id, nil
}

func (f *fakeTracking) DeleteExperiment(ctx context.Context, id string) error {
	e, err := f.GetExperiment(ctx, id)
	if err != nil {
		return err
	}
	e.LifecycleStage = tracking.StageDeleted
	f.calls = append(f.calls, "delete "+id)
	return nil
}

func (f *fakeTracking) RestoreExperiment(ctx context.Context, id string) error {
	e, err := f.GetExperiment(ctx, id)
	if err != nil {
		return err
	}
	e.LifecycleStage = tracking.StageActive
	f.calls = append(f.calls, "restore "+id)
	return nil
}

func (f *fakeTracking) GetRun(ctx context.Context, id string) (*tracking.Run, error) {
	for _, r := range f.runs {
		if r.Info.RunID == id {
			return r, nil
		}
	}
	return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Run '%s' not found", id)
}

func (f *fakeTracking) SearchRuns(ctx context.Context, s tracking.RunSearch) ([]*tracking.Run, string, error) {
	conds, err := tracking.ParseRunFilter(s.Filter)
	if err != nil {
		return nil, "", err
	}
	order, err := tracking.ParseRunOrderBy(s.OrderBy)
	if err != nil {
		return nil, "", err
	}
	in := map[string]bool{}
	for _, id := range s.ExperimentIDs {
		in[id] = true
	}
	var hits []*tracking.Run
	for _, r := range f.runs {
		if in[r.Info.ExperimentID] && matches(r, conds) {
			hits = append(hits, r)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Info.StartTime > hits[j].Info.StartTime })
	if len(order) > 0 && order[0].Entity == tracking.EntityMetric {
		k := order[0]
		sort.SliceStable(hits, func(i, j int) bool {
			a, b := metricOf(hits[i], k.Key), metricOf(hits[j], k.Key)
			if k.Desc {
				return a > b
			}
			return a < b
		})
	}
	off, _ := strconv.Atoi(s.PageToken)
	n := s.MaxResults
	if n == 0 {
		n = 1000
	}
	if off > len(hits) {
		off = len(hits)
	}
	end := min(off+n, len(hits))
	next := ""
	if end < len(hits) {
		next = strconv.Itoa(end)
	}
	return hits[off:end], next, nil
}

func metricOf(r *tracking.Run, key string) float64 {
	for _, m := range r.Data.Metrics {
		if m.Key == key {
			return m.Value
		}
	}
	return -1e308
}

// matches evaluates the clauses the UI's pages send: tag equality and
// numeric metric comparisons.
func matches(r *tracking.Run, conds []tracking.Comparison) bool {
	for _, c := range conds {
		switch c.Entity {
		case tracking.EntityTag:
			if tagValue(r.Data.Tags, c.Key) != c.Value.Str {
				return false
			}
		case tracking.EntityMetric:
			v := metricOf(r, c.Key)
			ok := map[string]bool{">": v > c.Value.Num, ">=": v >= c.Value.Num, "<": v < c.Value.Num,
				"<=": v <= c.Value.Num, "=": v == c.Value.Num, "!=": v != c.Value.Num}[c.Op]
			if !ok {
				return false
			}
		}
	}
	return true
}

func (f *fakeTracking) GetMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery) ([]tracking.Metric, string, error) {
	if _, err := f.GetRun(ctx, q.RunID); err != nil {
		return nil, "", err
	}
	hist := f.history[q.RunID+"/"+q.Key]
	offset, err := tracking.DecodePageToken(q.PageToken)
	if err != nil {
		return nil, "", err
	}
	hist = hist[min(offset, len(hist)):]
	if q.MaxResults == 0 {
		f.historyReads++
		return hist, "", nil
	}
	if len(hist) > q.MaxResults {
		return hist[:q.MaxResults], tracking.EncodePageToken(offset + q.MaxResults), nil
	}
	return hist, "", nil
}

// fakeRegistry is an in-memory registry.Service for the model pages.
type fakeRegistry struct {
	registry.Service
	models   []*registry.RegisteredModel
	versions []*registry.ModelVersion
}

var _ registry.Service = (*fakeRegistry)(nil)

func (f *fakeRegistry) GetRegisteredModel(ctx context.Context, name string) (*registry.RegisteredModel, error) {
	for _, m := range f.models {
		if m.Name == name {
			return m, nil
		}
	}
	return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Registered Model with name=%s not found", name)
}

func (f *fakeRegistry) SearchRegisteredModels(ctx context.Context, s registry.Search) ([]*registry.RegisteredModel, string, error) {
	var out []*registry.RegisteredModel
	for _, m := range f.models {
		if q := likeText(s.Filter); q == "" || strings.Contains(strings.ToLower(m.Name), q) {
			out = append(out, m)
		}
	}
	return out, "", nil
}

func (f *fakeRegistry) SearchModelVersions(ctx context.Context, s registry.Search) ([]*registry.ModelVersion, string, error) {
	var out []*registry.ModelVersion
	for _, v := range f.versions {
		if s.Filter == "name = "+quoteLiteral(v.Name) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version > out[j].Version })
	return out, "", nil
}

func (f *fakeRegistry) UpdateRegisteredModel(ctx context.Context, name, desc string) (*registry.RegisteredModel, error) {
	m, err := f.GetRegisteredModel(ctx, name)
	if err != nil {
		return nil, err
	}
	m.Description = desc
	return m, nil
}

func (f *fakeRegistry) SetRegisteredModelAlias(ctx context.Context, name, alias, version string) error {
	m, err := f.GetRegisteredModel(ctx, name)
	if err != nil {
		return err
	}
	found := false
	for _, v := range f.versions {
		found = found || (v.Name == name && v.Version == version)
	}
	if !found {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Model version %s of %s does not exist.", version, name)
	}
	m.Aliases = append(m.Aliases, registry.Alias{Alias: alias, Version: version})
	return nil
}

func (f *fakeRegistry) DeleteRegisteredModelAlias(ctx context.Context, name, alias string) error {
	m, err := f.GetRegisteredModel(ctx, name)
	if err != nil {
		return err
	}
	kept := m.Aliases[:0]
	for _, a := range m.Aliases {
		if a.Alias != alias {
			kept = append(kept, a)
		}
	}
	m.Aliases = kept
	return nil
}

func (f *fakeRegistry) GetModelVersion(ctx context.Context, name, version string) (*registry.ModelVersion, error) {
	for _, v := range f.versions {
		if v.Name == name && v.Version == version {
			return v, nil
		}
	}
	return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Model Version (name=%s, version=%s) not found", name, version)
}
