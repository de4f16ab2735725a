package sqlstore

import (
	"context"
	"net/url"
	"path/filepath"
	"strings"

	weir "github.com/weir-ml/weir"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// versionSource is a model version's source after checking: where its files
// are, and the run and logged model it came from.
type versionSource struct {
	location string
	runID    string
	modelID  string
}

// resolveSource checks a new version's source the way MLflow's server does,
// since a source is later handed to clients to download from:
//   - no source may climb out with ".." or hide a NUL, however often escaped;
//   - a local path (plain or file:) must lie inside the local artifact
//     directory of the run_id (or model_id) given with it;
//   - runs:/<run>/<path> must name the run_id given, if one is, and an
//     existing run; models:/m-<id> likewise for model_id; mlflow-artifacts
//     URIs must lie under that run's or model's artifact URI;
//   - other URIs (s3:, gs:, http: ...) are taken as they are.
//
// It resolves runs:/ and models:/ sources to the artifact location they
// name, which GetModelVersionDownloadURI returns.
func resolveSource(ctx context.Context, tx *txn, c registry.VersionCreate) (versionSource, error) {
	src := versionSource{location: c.Source, runID: c.RunID, modelID: c.ModelID}
	if isPromptVersion(c.Tags) {
		if !promptSources[c.Source] {
			return src, weir.Errorf(weir.ErrInvalidParameterValue,
				"Invalid prompt source: '%s'. Prompt sources must use an MLflow placeholder.", c.Source)
		}
		return src, resolveSourceModel(ctx, tx, c.Source, &src)
	}
	u, err := url.Parse(c.Source)
	if err != nil || len(u.Scheme) == 1 { // a Windows drive letter is a local path
		u = &url.URL{Path: c.Source}
	}
	// A local path is resolved and must then lie in the run's (or model's)
	// artifact directory, as MLflow checks it: a ".." that stays inside is
	// harmless there. Every other source may not climb at all.
	local := u.Scheme == "" || strings.EqualFold(u.Scheme, "file")
	if strings.ContainsRune(c.Source, 0) || !local && hasTraversal(c.Source) {
		return src, weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid model version source: '%s'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.",
			c.Source)
	}
	switch scheme := strings.ToLower(u.Scheme); {
	case scheme == "runs":
		err = resolveRunsSource(ctx, tx, c.Source, u, &src)
	case scheme == "models":
		err = resolveModelsSource(ctx, tx, c.Source, u, &src)
	case scheme == "file" && remoteFileHost(u.Hostname()):
		// MLflow answers this one with a 500, and its tests and
		// clients expect that status and these words.
		err = weir.Errorf(weir.ErrInternal,
			"%s is not a valid remote uri: a file: source must name this machine (no host, localhost or 127.0.0.1); a remote share needs another scheme, such as smb://<hostname>/<path>.",
			c.Source)
	case scheme == "" || scheme == "file":
		err = checkLocalSource(ctx, tx, c.Source, u, src)
	case isArtifactProxyURI(u):
		err = checkProxiedSource(ctx, tx, c.Source, src)
	}
	if err != nil {
		return src, err
	}
	return src, resolveSourceModel(ctx, tx, c.Source, &src)
}

// remoteSource reports whether resolveSource takes c's source as it is
// without reading the database: a version that is not a prompt's, names no
// logged model, and comes from a URI of another store (s3:, gs:, http: ...)
// that does not climb.
func remoteSource(c registry.VersionCreate) bool {
	if isPromptVersion(c.Tags) || c.ModelID != "" || strings.ContainsRune(c.Source, 0) {
		return false
	}
	u, err := url.Parse(c.Source)
	if err != nil || len(u.Scheme) <= 1 {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "runs", "models", "file":
		return false
	}
	return !isArtifactProxyURI(u) && !hasTraversal(c.Source)
}

// resolveSourceModel checks that the logged model a version names exists,
// and takes the version's run from it when none was given.
func resolveSourceModel(ctx context.Context, tx *txn, source string, src *versionSource) error {
	if src.modelID == "" {
		return nil
	}
	m, err := loggedModelRef(ctx, tx, src.modelID)
	if err != nil || m == nil {
		return orBadSource(err, source, "model_id")
	}
	if src.runID == "" {
		src.runID = m.sourceRunID
	}
	return nil
}

// promptSources are the placeholders MLflow's own clients (the Python
// client and the UI) send as a prompt version's source: a prompt has no
// files, and MLflow's server accepts no other source for one.
var promptSources = map[string]bool{"dummy-source": true, "prompt-template": true}

// isPromptVersion reports whether a new version's tags make it a prompt's:
// the last value of the prompt tag wins, compared without case, as MLflow's
// handler reads it.
func isPromptVersion(tags []registry.Tag) bool {
	prompt := false
	for _, t := range tags {
		if t.Key == promptTag {
			prompt = strings.EqualFold(t.Value, "true")
		}
	}
	return prompt
}

// hasTraversal reports whether source, unescaped until it stops changing,
// has a ".." segment or a NUL byte.
func hasTraversal(source string) bool {
	s := source
	for range 10 {
		u, err := url.PathUnescape(strings.ReplaceAll(s, "+", " "))
		if err != nil || u == s {
			break
		}
		s = u
	}
	if strings.ContainsRune(s, 0) {
		return true
	}
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}

// badSource is MLflow's error for a source that the given id does not own.
func badSource(source, idName string) error {
	return weir.Errorf(weir.ErrInvalidParameterValue,
		"Invalid model version source: '%s'. The %s request parameter must identify the resource that contains the source.",
		source, idName)
}

// orBadSource returns err if it is set, or badSource.
func orBadSource(err error, source, idName string) error {
	if err != nil {
		return err
	}
	return badSource(source, idName)
}

// resolveRunsSource handles runs:/<run_id>/<path>.
func resolveRunsSource(ctx context.Context, tx *txn, source string, u *url.URL, src *versionSource) error {
	if u.Host != "" || src.modelID != "" {
		return badSource(source, map[bool]string{true: "model_id", false: "run_id"}[src.modelID != ""])
	}
	runID, rel, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if runID == "" || src.runID != "" && src.runID != runID {
		return badSource(source, "run_id")
	}
	uri, ok, err := runArtifactURI(ctx, tx, runID)
	if err != nil {
		return err
	}
	if !ok {
		// MLflow checks only that the source names the run_id given: the
		// run may live in another tracking store. The source is kept as
		// it is, since its files cannot be found here.
		if src.runID == runID {
			return nil
		}
		return badSource(source, "run_id")
	}
	src.runID = runID
	src.location = uri
	if rel = strings.Trim(rel, "/"); rel != "" {
		src.location = joinURI(uri, rel)
	}
	return nil
}

// resolveModelsSource handles models:/m-<id> (a logged model) and
// models:/<name>/<version | stage | latest | @alias> (another version).
func resolveModelsSource(ctx context.Context, tx *txn, source string, u *url.URL, src *versionSource) error {
	if u.Host != "" {
		return weir.Errorf(weir.ErrInvalidParameterValue,
			"Invalid model version source: '%s'. Registered model sources must use the active model registry.", source)
	}
	p := strings.Trim(u.Path, "/")
	if id := p; strings.HasPrefix(id, "m-") && !strings.Contains(id, "/") {
		if src.modelID != "" && src.modelID != id {
			return badSource(source, "model_id")
		}
		m, err := loggedModelRef(ctx, tx, id)
		if err != nil || m == nil {
			return orBadSource(err, source, "model_id")
		}
		src.modelID, src.location = id, m.artifactURI
		return nil
	}
	name, ref, ok := strings.Cut(p, "/")
	if !ok && strings.Contains(p, "@") {
		name, ref, _ = strings.Cut(p, "@")
		ref = "@" + ref
	}
	if name == "" || ref == "" {
		return weir.Errorf(weir.ErrInvalidParameterValue, "Invalid model version source: '%s'.", source)
	}
	mv, err := versionByRef(ctx, tx, name, ref)
	if err != nil {
		return err
	}
	var n int64
	if n, err = parseVersion(mv.Version); err != nil {
		return err
	}
	if err := versionLocation(ctx, tx, name, n, &src.location); err != nil {
		return err
	}
	if src.runID == "" {
		src.runID = mv.RunID
	}
	if src.modelID == "" {
		src.modelID = mv.ModelID
	}
	return nil
}

// versionByRef finds the version a models:/ URI names after the model name:
// a number, a stage (its latest version), "latest", or @alias.
func versionByRef(ctx context.Context, tx *txn, name, ref string) (*registry.ModelVersion, error) {
	if alias, ok := strings.CutPrefix(ref, "@"); ok {
		var n int64
		err := tx.scanOne(ctx, `SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?`, []any{name, alias}, &n)
		if isNoRows(err) {
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "Registered model alias %s not found.", alias)
		}
		if err != nil {
			return nil, err
		}
		return getVersion(ctx, tx, name, n)
	}
	if n, err := parseVersion(ref); err == nil {
		return getVersion(ctx, tx, name, n)
	}
	tail := `WHERE v.name = ? ORDER BY v.version DESC LIMIT 1`
	args := []any{name}
	if !strings.EqualFold(ref, "latest") {
		stage, err := canonicalStage(ref)
		if err != nil {
			return nil, err
		}
		tail = `WHERE v.name = ? AND v.current_stage = ? ORDER BY v.version DESC LIMIT 1`
		args = append(args, stage)
	}
	mvs, err := queryVersions(ctx, tx, tail, args...)
	if err != nil {
		return nil, err
	}
	if len(mvs) == 0 {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "No versions of model with name '%s' and stage '%s' found", name, ref)
	}
	return mvs[0], nil
}

// checkLocalSource accepts a local path only inside the local artifact
// directory of the run or logged model given with it: a client must not be
// able to register, and later download, any file of the server.
func checkLocalSource(ctx context.Context, tx *txn, source string, u *url.URL, src versionSource) error {
	idName := "run_id"
	var root string
	var ok bool
	var err error
	switch {
	case src.modelID != "":
		idName = "model_id"
		var m *loggedModelRow
		if m, err = loggedModelRef(ctx, tx, src.modelID); m != nil {
			root, ok = m.artifactURI, true
		}
	case src.runID != "":
		root, ok, err = runArtifactURI(ctx, tx, src.runID)
	}
	if err != nil {
		return err
	}
	if ok && localPathWithin(u.Path, root) {
		return nil
	}
	return weir.Errorf(weir.ErrInvalidParameterValue,
		"Invalid model version source: '%s'. To use a local path as a model version source, the %s request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the %s.",
		source, idName, idName)
}

// localPathWithin reports whether the local path p lies in the directory of
// root, itself a local path or file: URI.
func localPathWithin(p, root string) bool {
	r, err := url.Parse(root)
	if err != nil || (r.Scheme != "" && r.Scheme != "file") {
		return false
	}
	dir, err1 := filepath.Abs(r.Path)
	file, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil || r.Path == "" {
		return false
	}
	// Links are followed first, as MLflow's Path.resolve does: a link in
	// the run's directory must not lead outside it.
	dir, file = resolveLinks(dir), resolveLinks(file)
	rel, err := filepath.Rel(dir, file)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolveLinks follows the symbolic links of the longest existing prefix
// of the absolute path p, keeping the rest as it is.
func resolveLinks(p string) string {
	rest := ""
	for dir := p; ; {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return p
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// isArtifactProxyURI reports whether u is served by an MLflow artifact
// proxy: mlflow-artifacts: or an http(s) URL through its REST route.
func isArtifactProxyURI(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "mlflow-artifacts":
		return true
	case "http", "https":
		return strings.Contains(u.Path, "/api/2.0/mlflow-artifacts/artifacts")
	}
	return false
}

// checkProxiedSource accepts a proxied artifact URI only under the artifact
// URI of the run or logged model given with it.
func checkProxiedSource(ctx context.Context, tx *txn, source string, src versionSource) error {
	if src.modelID != "" {
		m, err := loggedModelRef(ctx, tx, src.modelID)
		if err != nil || m == nil || !uriWithin(source, m.artifactURI) {
			return orBadSource(err, source, "model_id")
		}
		return nil
	}
	if src.runID == "" {
		return badSource(source, "run_id")
	}
	root, ok, err := runArtifactURI(ctx, tx, src.runID)
	if err != nil || !ok || !uriWithin(source, root) {
		return orBadSource(err, source, "run_id")
	}
	return nil
}

// uriWithin reports whether uri has root's scheme and host and starts with
// its path segments, compared unescaped.
func uriWithin(uri, root string) bool {
	a, err1 := url.Parse(uri)
	b, err2 := url.Parse(root)
	if err1 != nil || err2 != nil || !strings.EqualFold(a.Scheme, b.Scheme) || !strings.EqualFold(a.Host, b.Host) {
		return false
	}
	as, bs := segments(a.Path), segments(b.Path)
	if len(bs) == 0 || len(as) < len(bs) {
		return false
	}
	for i := range bs {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}

func segments(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

// runArtifactURI returns a run's artifact URI and whether the run exists.
func runArtifactURI(ctx context.Context, tx *txn, runID string) (string, bool, error) {
	if tracking.ValidateRunID(runID) != nil {
		return "", false, nil
	}
	var uri string
	err := tx.scanOne(ctx, `SELECT artifact_uri FROM runs WHERE run_uuid = ?`, []any{runID}, &uri)
	if isNoRows(err) {
		return "", false, nil
	}
	return uri, err == nil, err
}

// remoteFileHost reports whether host, the host of a file: URI, names
// another machine: anything but none, ".", localhost or 127.0.0.1, as MLflow
// decides it.
func remoteFileHost(host string) bool {
	return host != "" && host != "." && !strings.HasPrefix(host, "localhost") && !strings.HasPrefix(host, "127.0.0.1")
}
