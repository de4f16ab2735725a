package mlmodel

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// fakeServer is an in-memory tracking server and registry, enough for
// Resolve and Log. It records every call in order, and fails the calls named
// in fail.
type fakeServer struct {
	runs      map[string]*tracking.Run
	models    map[string]*tracking.LoggedModel
	versions  map[string][]*registry.ModelVersion // by registered model name
	aliases   map[string]string                   // "name@alias" → version
	downloads map[string]string                   // "name/version" → download URI
	uploader  Uploader                            // where Upload writes, if not nil

	calls []string
	fail  map[string]error
}

var (
	_ RunWriter         = (*fakeServer)(nil)
	_ LoggedModelReader = (*fakeServer)(nil)
	_ LoggedModelWriter = (*fakeServer)(nil)
	_ RegistryReader    = (*fakeServer)(nil)
	_ Uploader          = (*fakeServer)(nil)
)

func newFakeServer() *fakeServer {
	return &fakeServer{runs: map[string]*tracking.Run{}, models: map[string]*tracking.LoggedModel{},
		versions: map[string][]*registry.ModelVersion{}, aliases: map[string]string{}, downloads: map[string]string{},
		fail: map[string]error{}}
}

func (s *fakeServer) call(name string, args ...any) error {
	c := name
	if len(args) > 0 {
		c += " " + strings.TrimSpace(fmt.Sprintln(args...))
	}
	s.calls = append(s.calls, c)
	return s.fail[name]
}

func notFound(what string) error {
	return weir.Errorf(weir.ErrResourceDoesNotExist, "%s not found", what)
}

func (s *fakeServer) GetRun(ctx context.Context, runID string) (*tracking.Run, error) {
	if err := s.call("GetRun", runID); err != nil {
		return nil, err
	}
	r, ok := s.runs[runID]
	if !ok {
		return nil, notFound("run " + runID)
	}
	return r, nil
}

func (s *fakeServer) LogOutputs(ctx context.Context, runID string, models []tracking.ModelOutput) error {
	return s.call("LogOutputs", runID, models)
}

func (s *fakeServer) GetLoggedModel(ctx context.Context, id string) (*tracking.LoggedModel, error) {
	if err := s.call("GetLoggedModel", id); err != nil {
		return nil, err
	}
	m, ok := s.models[id]
	if !ok {
		return nil, notFound("logged model " + id)
	}
	return m, nil
}

// SearchLoggedModels understands only the filter name = '<name>', and
// returns one model per page to exercise paging.
func (s *fakeServer) SearchLoggedModels(ctx context.Context, q tracking.LoggedModelSearch) ([]*tracking.LoggedModel, string, error) {
	if err := s.call("SearchLoggedModels", q.ExperimentIDs, q.Filter, q.PageToken); err != nil {
		return nil, "", err
	}
	var ids []string
	for id, m := range s.models {
		if slices.Contains(q.ExperimentIDs, m.ExperimentID) && q.Filter == "name = '"+m.Name+"'" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	start := 0
	if q.PageToken != "" {
		fmt.Sscan(q.PageToken, &start)
	}
	if start >= len(ids) {
		return nil, "", nil
	}
	next := ""
	if start+1 < len(ids) {
		next = fmt.Sprint(start + 1)
	}
	return []*tracking.LoggedModel{s.models[ids[start]]}, next, nil
}

func (s *fakeServer) CreateLoggedModel(ctx context.Context, c tracking.LoggedModelCreate) (*tracking.LoggedModel, error) {
	if err := s.call("CreateLoggedModel", c.ExperimentID, c.Name, c.SourceRunID, c.Params, c.Tags); err != nil {
		return nil, err
	}
	id := fmt.Sprintf("m-%032d", len(s.models)+1)
	m := &tracking.LoggedModel{ModelID: id, ExperimentID: c.ExperimentID, Name: c.Name, SourceRunID: c.SourceRunID,
		ArtifactURI: "mlflow-artifacts:/" + c.ExperimentID + "/models/" + id + "/artifacts",
		Status:      tracking.LoggedModelPending, Params: c.Params, Tags: c.Tags}
	s.models[id] = m
	return m, nil
}

func (s *fakeServer) LogLoggedModelParams(ctx context.Context, id string, params []tracking.Param) error {
	if err := s.call("LogLoggedModelParams", id); err != nil {
		return err
	}
	s.models[id].Params = append(s.models[id].Params, params...)
	return nil
}

func (s *fakeServer) FinalizeLoggedModel(ctx context.Context, id, status string) (*tracking.LoggedModel, error) {
	if err := s.call("FinalizeLoggedModel", id, status); err != nil {
		return nil, err
	}
	m, ok := s.models[id]
	if !ok {
		return nil, notFound("logged model " + id)
	}
	m.Status = status
	return m, nil
}

func (s *fakeServer) Upload(ctx context.Context, uri, path string, r io.Reader) error {
	if err := s.call("Upload", path); err != nil {
		return err
	}
	if s.uploader == nil {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	return s.uploader.Upload(ctx, uri, path, r)
}

func (s *fakeServer) GetLatestVersions(ctx context.Context, name string, stages []string) ([]*registry.ModelVersion, error) {
	if err := s.call("GetLatestVersions", name, stages); err != nil {
		return nil, err
	}
	vs, ok := s.versions[name]
	if !ok {
		return nil, notFound("registered model " + name)
	}
	// The latest version of each stage asked for.
	latest := map[string]*registry.ModelVersion{}
	for _, v := range vs {
		if len(stages) > 0 && !slices.ContainsFunc(stages, func(st string) bool { return strings.EqualFold(st, v.CurrentStage) }) {
			continue
		}
		if l := latest[v.CurrentStage]; l == nil || len(v.Version) > len(l.Version) || (len(v.Version) == len(l.Version) && v.Version > l.Version) {
			latest[v.CurrentStage] = v
		}
	}
	var out []*registry.ModelVersion
	for _, v := range latest {
		out = append(out, v)
	}
	return out, nil
}

func (s *fakeServer) GetModelVersionByAlias(ctx context.Context, name, alias string) (*registry.ModelVersion, error) {
	if err := s.call("GetModelVersionByAlias", name, alias); err != nil {
		return nil, err
	}
	v, ok := s.aliases[name+"@"+alias]
	if !ok {
		return nil, notFound("alias " + alias)
	}
	return &registry.ModelVersion{Name: name, Version: v}, nil
}

func (s *fakeServer) GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error) {
	if err := s.call("GetModelVersionDownloadURI", name, version); err != nil {
		return "", err
	}
	u, ok := s.downloads[name+"/"+version]
	if !ok {
		return "", notFound("model version " + name + "/" + version)
	}
	return u, nil
}

// The domain services satisfy the narrow interfaces, so cmd/weir can pass
// the HTTP client or the in-process stores as they are.
var (
	_ RunWriter         = tracking.Service(nil)
	_ LoggedModelReader = tracking.LoggedModelService(nil)
	_ LoggedModelWriter = tracking.LoggedModelService(nil)
	_ RegistryReader    = registry.Service(nil)
)
