package mlmodel

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// RunReader reads runs; tracking.Service satisfies it.
type RunReader interface {
	GetRun(ctx context.Context, runID string) (*tracking.Run, error)
}

// LoggedModelReader reads MLflow 3 logged models;
// tracking.LoggedModelService satisfies it.
type LoggedModelReader interface {
	GetLoggedModel(ctx context.Context, modelID string) (*tracking.LoggedModel, error)
	SearchLoggedModels(ctx context.Context, s tracking.LoggedModelSearch) ([]*tracking.LoggedModel, string, error)
}

// RegistryReader reads the model registry; registry.Service satisfies it.
type RegistryReader interface {
	GetLatestVersions(ctx context.Context, name string, stages []string) ([]*registry.ModelVersion, error)
	GetModelVersionByAlias(ctx context.Context, name, alias string) (*registry.ModelVersion, error)
	GetModelVersionDownloadURI(ctx context.Context, name, version string) (string, error)
}

// Downloader copies the files under an artifact URI (such as
// mlflow-artifacts:/1/models/m-.../artifacts or s3://bucket/path) into
// destDir, keeping their relative paths.
type Downloader interface {
	Download(ctx context.Context, artifactURI, destDir string) error
}

// Sources are where Resolve looks URIs up. Any may be nil when the URIs
// resolved never need it: a local path needs none.
type Sources struct {
	Runs         RunReader         // runs:/
	LoggedModels LoggedModelReader // models:/m-<id>, and runs:/ of MLflow 3 models
	Registry     RegistryReader    // models:/name/version, @alias, /Stage, /latest
	Artifacts    Downloader        // anything not on the local file system
	// DownloadDir is where Resolve creates one new directory per remote
	// model; empty means the system's temporary directory. The caller owns
	// (and removes) what Resolve creates there.
	DownloadDir string
}

// maxHops bounds how many URIs one Resolve follows (a registry version's
// source may itself be a models:/ or runs:/ URI), so a cycle ends.
const maxHops = 4

// Resolve returns a local directory holding the model that uri names:
//
//	/path/to/model, file:///path/to/model   the directory itself
//	runs:/<run_id>/<path>                    the run's logged model named by the path's
//	                                         first segment (MLflow 3), else the run's artifacts
//	models:/<name>/<version>                 a registry version
//	models:/<name>/latest                    its newest version
//	models:/<name>/<stage>                   the newest version in a stage (e.g. Production)
//	models:/<name>@<alias>                   the version an alias points at
//	models:/m-<id>                           an MLflow 3 logged model
//
// Remote files are downloaded into a new directory under src.DownloadDir.
func Resolve(ctx context.Context, uri string, src Sources) (dir string, err error) {
	defer weir.Wrap(&err, "mlmodel: resolving %s", uri)
	return resolve(ctx, uri, src, 0)
}

func resolve(ctx context.Context, uri string, src Sources, hops int) (string, error) {
	if hops >= maxHops {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "model URI refers on through more than %d URIs", maxHops)
	}
	switch scheme(uri) {
	case "", "file":
		return localDir(uri)
	case "runs":
		target, err := resolveRun(ctx, uri, src)
		if err != nil {
			return "", err
		}
		return fetch(ctx, target, src)
	case "models":
		target, err := resolveModel(ctx, uri, src)
		if err != nil {
			return "", err
		}
		if s := scheme(target); s == "models" || s == "runs" {
			return resolve(ctx, target, src, hops+1)
		}
		return fetch(ctx, target, src)
	}
	return fetch(ctx, uri, src)
}

// scheme returns the URI scheme of s in lower case, or "" for a plain path
// (including a Windows path such as C:\model).
func scheme(s string) string {
	i := strings.Index(s, ":")
	if i < 2 {
		return ""
	}
	for _, r := range s[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return ""
		}
	}
	return strings.ToLower(s[:i])
}

// localDir returns the absolute path of a local directory given as a path
// or a file: URI.
func localDir(path string) (string, error) {
	if scheme(path) == "file" {
		u, err := url.Parse(path)
		if err != nil {
			return "", weir.Errorf(weir.ErrInvalidParameterValue, "bad file URI: %v", err)
		}
		path = u.Path
	}
	if path == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "empty model path")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", weir.Errorf(weir.ErrResourceDoesNotExist, "no model directory at %s", path)
	}
	if !st.IsDir() {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "%s is a file, not a model directory", path)
	}
	return filepath.Abs(path)
}

// fetch returns a local directory with the files under artifactURI: the
// directory itself when the URI is local, else a new download.
func fetch(ctx context.Context, artifactURI string, src Sources) (string, error) {
	switch scheme(artifactURI) {
	case "", "file":
		return localDir(artifactURI)
	}
	if src.Artifacts == nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "model files are at %s, and no artifact downloader is configured", artifactURI)
	}
	dest, err := os.MkdirTemp(src.DownloadDir, "weir-model-")
	if err != nil {
		return "", err
	}
	if err := src.Artifacts.Download(ctx, artifactURI, dest); err != nil {
		os.RemoveAll(dest)
		return "", fmt.Errorf("downloading %s: %w", artifactURI, err)
	}
	return dest, nil
}

// resolveRun returns the artifact URI that a runs:/ URI names.
func resolveRun(ctx context.Context, uri string, src Sources) (string, error) {
	rest := strings.TrimLeft(uri[len("runs:"):], "/")
	runID, path, _ := strings.Cut(rest, "/")
	path = strings.Trim(path, "/")
	if runID == "" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "runs URI %q has no run ID (want runs:/<run_id>/<path>)", uri)
	}
	if src.Runs == nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "runs:/ URIs need a tracking server (set --tracking-uri or MLFLOW_TRACKING_URI)")
	}
	run, err := src.Runs.GetRun(ctx, runID)
	if err != nil {
		return "", err
	}
	if path != "" && src.LoggedModels != nil {
		name, sub, _ := strings.Cut(path, "/")
		m, err := runModel(ctx, src.LoggedModels, run, name)
		if err != nil {
			return "", err
		}
		if m != nil {
			return joinURI(m.ArtifactURI, sub), nil
		}
	}
	return joinURI(run.Info.ArtifactURI, path), nil
}

// runModel finds the logged model named name that run produced, as
// MLflow 3's client does for runs:/<run_id>/<name>; nil when there is none.
func runModel(ctx context.Context, lms LoggedModelReader, run *tracking.Run, name string) (*tracking.LoggedModel, error) {
	s := tracking.LoggedModelSearch{
		ExperimentIDs: []string{run.Info.ExperimentID},
		Filter:        "name = " + quoteFilter(name),
		MaxResults:    100,
	}
	for {
		models, next, err := lms.SearchLoggedModels(ctx, s)
		if err != nil {
			return nil, err
		}
		for _, m := range models {
			if m.SourceRunID == run.Info.RunID && m.Name == name {
				return m, nil
			}
		}
		if next == "" || next == s.PageToken {
			return nil, nil
		}
		s.PageToken = next
	}
}

// quoteFilter quotes a string for MLflow's filter language.
func quoteFilter(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

func joinURI(base, path string) string {
	if path == "" {
		return base
	}
	return strings.TrimRight(base, "/") + "/" + path
}

// resolveModel returns the URI of the files a models:/ URI names, which may
// itself be a models:/ or runs:/ URI.
func resolveModel(ctx context.Context, uri string, src Sources) (string, error) {
	bad := weir.Errorf(weir.ErrInvalidParameterValue,
		"%q is not a models URI: want models:/<name>/<version|stage|latest>, models:/<name>@<alias> or models:/<model_id>", uri)
	path := uri[len("models:"):]
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return "", bad
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(parts) > 2 || strings.TrimSpace(parts[0]) == "" {
		return "", bad
	}
	if len(parts) == 2 {
		name, suffix := parts[0], parts[1]
		if strings.TrimSpace(suffix) == "" {
			return "", bad
		}
		if isDigits(suffix) {
			return versionURI(ctx, src, name, suffix)
		}
		stage := suffix
		if strings.EqualFold(suffix, "latest") {
			stage = ""
		}
		v, err := latestVersion(ctx, src, name, stage)
		if err != nil {
			return "", err
		}
		return versionURI(ctx, src, name, v)
	}
	if name, alias, ok := strings.Cut(parts[0], "@"); ok {
		if alias == "" || name == "" {
			return "", bad
		}
		if src.Registry == nil {
			return "", noRegistry()
		}
		mv, err := src.Registry.GetModelVersionByAlias(ctx, name, alias)
		if err != nil {
			return "", err
		}
		return versionURI(ctx, src, name, mv.Version)
	}
	if src.LoggedModels == nil {
		return "", weir.Errorf(weir.ErrInvalidParameterValue, "models:/<model_id> URIs need a tracking server (set --tracking-uri or MLFLOW_TRACKING_URI)")
	}
	m, err := src.LoggedModels.GetLoggedModel(ctx, parts[0])
	if err != nil {
		return "", err
	}
	if m.ArtifactURI == "" {
		return "", weir.Errorf(weir.ErrInvalidState, "logged model %s has no artifact location", m.ModelID)
	}
	return m.ArtifactURI, nil
}

func noRegistry() error {
	return weir.Errorf(weir.ErrInvalidParameterValue, "models:/ URIs need a model registry (set --tracking-uri or MLFLOW_TRACKING_URI)")
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func versionURI(ctx context.Context, src Sources, name, version string) (string, error) {
	if src.Registry == nil {
		return "", noRegistry()
	}
	return src.Registry.GetModelVersionDownloadURI(ctx, name, version)
}

// latestVersion returns the highest version of a model, in one stage when
// stage is not empty.
func latestVersion(ctx context.Context, src Sources, name, stage string) (string, error) {
	if src.Registry == nil {
		return "", noRegistry()
	}
	var stages []string
	if stage != "" {
		stages = []string{stage}
	}
	versions, err := src.Registry.GetLatestVersions(ctx, name, stages)
	if err != nil {
		return "", err
	}
	best, bestN := "", int64(-1)
	for _, v := range versions {
		if n, err := strconv.ParseInt(v.Version, 10, 64); err == nil && n > bestN {
			best, bestN = v.Version, n
		}
	}
	if best == "" {
		where := ""
		if stage != "" {
			where = fmt.Sprintf(" in stage %q", stage)
		}
		return "", weir.Errorf(weir.ErrResourceDoesNotExist, "registered model %q has no versions%s", name, where)
	}
	return best, nil
}
