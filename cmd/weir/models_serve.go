package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/serve"
)

// modelsServeCmd serves one model: MLflow's scoring protocol and the Open
// Inference Protocol v2. Flags follow mlflow models serve where they exist.
type modelsServeCmd struct {
	ModelURI string `short:"m" name:"model-uri" required:"" help:"Model to serve: a local model directory, runs:/RUN_ID/NAME, models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME@ALIAS or models:/m-ID."`
	Host     string `help:"Address to listen on." default:"127.0.0.1" env:"WEIR_SERVE_HOST"`
	Port     int    `short:"p" help:"Port to listen on." default:"8080" env:"WEIR_SERVE_PORT"`
	Name     string `help:"Model name in Open Inference Protocol paths, metrics and the inference log (default: the registered model name, else the directory name)."`

	TrackingURI          string `help:"Tracking server URL (http://host:port) or local store URI (sqlite:///weir.db), for runs:/ and models:/ URIs." default:"sqlite:///weir.db" env:"MLFLOW_TRACKING_URI"`
	ArtifactsDestination string `help:"With a local store URI: the directory holding its artifacts." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`

	RequestTimeout   time.Duration `help:"Answer 504 to scoring requests not done within this time." default:"60s"`
	MaxBodyBytes     int64         `help:"Largest request body accepted; larger gets 413." default:"104857600"`
	MaxConcurrency   int           `help:"Scoring requests processed at once (0: 64 per CPU)." default:"0"`
	MaxQueue         int           `help:"Scoring requests that may wait for a free slot; beyond that 503 at once (-1: as many as --max-concurrency)." default:"-1"`
	StrictColumns    bool          `help:"Refuse request columns that are not in the model signature (default: ignore them)."`
	StrictCategories bool          `help:"Refuse (400) values of a categorical column that the model was not fitted with, naming the column and the value (default: score them as the model's encoders treat an unseen category, and count them in weir_serve_unknown_category_total)."`
	MaxBatchSize     int           `help:"Micro-batching: score concurrent requests together, up to this many rows (0: off)." default:"0"`
	MaxBatchWait     time.Duration `help:"Micro-batching: longest wait for a batch to fill." default:"2ms"`
	ShutdownTimeout  time.Duration `help:"On SIGINT/SIGTERM, how long to let in-flight requests finish." default:"30s"`
	BusyPoll         time.Duration `help:"After answering, a connection may poll for its next request for up to this long before sleeping (Linux; one connection at a time; the window adapts and falls to nothing for sparse traffic): lower latency for clients that send requests back to back (0: off)." default:"200us" env:"WEIR_SERVE_BUSY_POLL"`

	AllowedHosts      []string      `help:"Host headers the server answers, against DNS rebinding, as mlflow server --allowed-hosts: names or addresses, optionally with :port, * as a wildcard (*.example.com, 192.168.*), * alone for all. Default: localhost names, loopback and private addresses, and --host. Probes (/ping, /health, /v2/health/*) answer any Host." env:"WEIR_SERVE_ALLOWED_HOSTS"`
	AuthTokenFile     string        `help:"File holding a bearer token that every request but the probes must carry (Authorization: Bearer <token>)." env:"WEIR_SERVE_AUTH_TOKEN_FILE"`
	TLSCertFile       string        `name:"tls-cert-file" help:"Serve HTTPS with this PEM certificate (with --tls-key-file)."`
	TLSKeyFile        string        `name:"tls-key-file" help:"The PEM private key of --tls-cert-file."`
	MemoryBudget      int64         `help:"Bytes that scoring requests in flight may hold together, estimated from their bodies before decoding: over it 429, a request that could never fit 413." default:"536870912" env:"WEIR_SERVE_MEMORY_BUDGET"`
	ReadHeaderTimeout time.Duration `help:"Close connections whose request headers take longer than this." default:"10s"`
	IdleTimeout       time.Duration `help:"Close keep-alive connections idle for longer than this." default:"2m"`

	WatchAlias    bool          `help:"With models:/NAME@ALIAS: poll the registry and swap in the version the alias moves to, once it scores its input example."`
	WatchInterval time.Duration `help:"How often --watch-alias polls." default:"30s"`

	InferenceLog         string        `help:"Inference log: a directory, or an s3://bucket/prefix that any number of replicas share, receiving every scored row as JSON lines (see docs/serving.md)."`
	InferenceLogFlush    time.Duration `help:"Upload an s3:// inference log's buffered rows at least this often (and at shutdown); a crash loses at most this much." default:"1m"`
	InferenceLogSegment  int64         `help:"Upload an s3:// inference log's buffer as a segment once it holds this many bytes." default:"8388608"`
	InferenceLogFormat   string        `help:"Format of an s3:// inference log's segments: jsonl, or parquet (typed columns: inputs.NAME, outputs.NAME, ...)." default:"jsonl" enum:"jsonl,parquet"`
	InferenceLogMaxBytes int64         `help:"Start a new inference log file at this size." default:"67108864"`
	InferenceLogMaxFiles int           `help:"Keep only this many inference log files (0: all)." default:"0"`
	InferenceLogQueue    int           `help:"Rows the inference log may hold in memory; more are dropped and counted." default:"100000"`

	EnvManager string `name:"env-manager" help:"Serve the model with its own Python, as mlflow models serve does: local (a Python with mlflow: --python, WEIR_PYTHON or python3), virtualenv or uv (an environment built from the model's python_env.yaml and requirements.txt, cached by their hash). A model that no native adapter reads is served with local without this flag." enum:",local,virtualenv,uv" default:""`
	Python     string `help:"The Python of --env-manager local, or the one that creates --env-manager virtualenv environments (default: WEIR_PYTHON, else python3)."`
	Workers    int    `short:"w" help:"Python worker processes, for a model served through its own Python." default:"1" env:"MLFLOW_MODELS_WORKERS"`

	driftFlags
}

func (c *modelsServeCmd) Run(g *globals) error {
	started := time.Now()
	if os.Getenv("GOGC") == "" {
		// A scoring server keeps a small live heap (the model) and makes
		// short-lived garbage per request, so Go's default target (collect
		// whenever the heap doubles from a few MB) collects hundreds of
		// times a second under load. 400 spends a few MB to collect a
		// quarter as often. GOGC in the environment still wins.
		debug.SetGCPercent(400)
	}
	if c.Port < 0 || c.Port > 65535 {
		return usagef("--port %d is out of range 0..65535", c.Port)
	}
	if c.BusyPoll < 0 {
		return usagef("--busy-poll %v is negative (0 turns busy polling off)", c.BusyPoll)
	}
	if c.MemoryBudget < 0 || c.ReadHeaderTimeout < 0 || c.IdleTimeout < 0 {
		return usagef("--memory-budget, --read-header-timeout and --idle-timeout must not be negative (0: the default)")
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return usagef("--tls-cert-file and --tls-key-file go together")
	}
	alias, aliasName := aliasOf(c.ModelURI)
	if c.WatchAlias && alias == "" {
		return usagef("--watch-alias needs a models:/NAME@ALIAS URI, got %q", c.ModelURI)
	}
	ld := &modelLoader{flags: trackingFlags{TrackingURI: c.TrackingURI, ArtifactsDestination: c.ArtifactsDestination},
		envManager: c.EnvManager, python: c.Python, workers: c.Workers}
	defer ld.close()
	m, err := ld.load(g.ctx, c.ModelURI, c.Name)
	if err != nil {
		return err
	}

	srv := serve.NewServer()
	srv.Addr = net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	srv.Model = m
	srv.RequestTimeout = c.RequestTimeout
	srv.MaxBodyBytes = c.MaxBodyBytes
	if c.MaxConcurrency > 0 {
		srv.MaxConcurrency = c.MaxConcurrency
		srv.MaxQueue = c.MaxConcurrency
	}
	if c.MaxQueue >= 0 {
		srv.MaxQueue = c.MaxQueue
	}
	srv.StrictColumns = c.StrictColumns
	srv.StrictCategories = c.StrictCategories
	srv.MaxBatchSize = c.MaxBatchSize
	srv.MaxBatchWait = c.MaxBatchWait
	srv.ShutdownTimeout = c.ShutdownTimeout
	srv.BusyPoll = c.BusyPoll
	srv.AllowedHosts = c.AllowedHosts
	srv.TLSCertFile, srv.TLSKeyFile = c.TLSCertFile, c.TLSKeyFile
	if c.MemoryBudget > 0 {
		srv.MemoryBudget = c.MemoryBudget
	}
	if c.ReadHeaderTimeout > 0 {
		srv.ReadHeaderTimeout = c.ReadHeaderTimeout
	}
	if c.IdleTimeout > 0 {
		srv.IdleTimeout = c.IdleTimeout
	}
	if c.AuthTokenFile != "" {
		if srv.AuthToken, err = readTokenFile(c.AuthTokenFile); err != nil {
			return err
		}
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The budget bounds what requests hold; the limit makes the
		// collector return their garbage before the heap grows by GOGC
		// (400 above) over it. GOMEMLIMIT in the environment still wins.
		debug.SetMemoryLimit(srv.MemoryBudget + serveHeapOverhead)
	}
	srv.Logger = g.logger
	drift, err := c.driftMonitorFrom(ld.reference)
	if err != nil {
		return err
	}
	if drift != nil {
		srv.Drift = drift
	}
	if c.InferenceLog != "" {
		l := serve.NewInferenceLog(c.InferenceLog)
		l.MaxFileBytes, l.MaxFiles, l.QueueRows = c.InferenceLogMaxBytes, c.InferenceLogMaxFiles, c.InferenceLogQueue
		if c.InferenceLogFormat == "parquet" && !strings.HasPrefix(c.InferenceLog, "s3://") {
			return usagef("--inference-log-format parquet needs an s3:// --inference-log; a local log is JSON lines")
		}
		if strings.HasPrefix(c.InferenceLog, "s3://") {
			if l.Segments, err = inferenceLogSegments(g.ctx, c.InferenceLog, c.InferenceLogFormat); err != nil {
				return err
			}
			l.Dir, l.MaxFileBytes, l.FlushInterval = "", c.InferenceLogSegment, c.InferenceLogFlush
		}
		srv.InferenceLog = l
	}
	if err := srv.Open(); err != nil {
		return usagef("serve %s: %v", c.ModelURI, err)
	}
	if ip := net.ParseIP(c.Host); (c.Host == "" || (ip != nil && ip.IsUnspecified())) && len(c.AllowedHosts) == 0 {
		g.logger.Info("listening on every address: answering Host headers of localhost names and loopback and private addresses only; name the others with --allowed-hosts (probes answer any Host)")
	}
	g.logger.Info("weir models serve ready", "url", srv.URL(), "model", m.Name, "version", m.Version,
		"uri", c.ModelURI, "startup", time.Since(started).Round(time.Microsecond))

	if c.WatchAlias {
		w := serve.NewAliasWatcher(srv, &aliasSource{loader: ld, name: aliasName, alias: alias, display: m.Name})
		w.Interval = c.WatchInterval
		w.Logger = g.logger
		if err := w.Open(); err != nil {
			srv.Close()
			return err
		}
		defer w.Close()
	}

	<-g.ctx.Done()
	g.logger.Info("shutting down: draining in-flight requests")
	if err := srv.Close(); err != nil {
		return err
	}
	g.logger.Info("stopped")
	return nil
}

// serveHeapOverhead is what the server holds besides its requests: the
// model, its pools and the runtime, for the soft memory limit.
const serveHeapOverhead = 256 << 20

// maxTokenFile bounds a token file: a token is a line, not a document.
const maxTokenFile = 4096

// readTokenFile reads the bearer token of --auth-token-file: a regular file
// whose first line, trimmed, is the token. Errors never show its content.
func readTokenFile(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", usagef("--auth-token-file: %v", err)
	}
	if !fi.Mode().IsRegular() {
		return "", usagef("--auth-token-file %s is not a regular file", path)
	}
	if fi.Size() > maxTokenFile {
		return "", usagef("--auth-token-file %s has %d bytes; a token file holds one line of at most %d", path, fi.Size(), maxTokenFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", usagef("--auth-token-file: %v", err)
	}
	tok, _, _ := strings.Cut(string(b), "\n")
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", usagef("--auth-token-file %s holds no token on its first line", path)
	}
	if len(tok) < 16 {
		return "", usagef("--auth-token-file %s holds a token of %d characters; use at least 16 (openssl rand -hex 32)", path, len(tok))
	}
	return tok, nil
}

// aliasOf returns the alias and model name of a models:/NAME@ALIAS URI.
func aliasOf(uri string) (alias, name string) {
	rest, ok := strings.CutPrefix(uri, "models:/")
	if !ok {
		return "", ""
	}
	name, alias, ok = strings.Cut(rest, "@")
	if !ok || name == "" || alias == "" || strings.Contains(alias, "/") {
		return "", ""
	}
	return alias, name
}

// modelLoader resolves model URIs and loads them for serving. It opens the
// tracking backend only for URIs that need one, so serving a local
// directory touches no store.
type modelLoader struct {
	flags     trackingFlags
	b         *backend
	reference []byte // the last loaded model's reference_profile.json, if any

	// Models served through their own Python: how, and what to stop and
	// remove at the end (their workers restart from the model directory).
	envManager, python string
	workers            int
	closers            []io.Closer
	dirs               []string
}

func (l *modelLoader) close() {
	for _, c := range l.closers {
		c.Close()
	}
	for _, d := range l.dirs {
		os.RemoveAll(d)
	}
	if l.b != nil {
		l.b.close()
	}
}

func (l *modelLoader) backend(ctx context.Context) (*backend, error) {
	if l.b == nil {
		b, err := l.flags.openBackend(ctx)
		if err != nil {
			return nil, err
		}
		l.b = b
	}
	return l.b, nil
}

// load resolves uri, loads its model and reads its input example. name
// overrides the model name derived from the URI.
func (l *modelLoader) load(ctx context.Context, uri, name string) (*serve.Loaded, error) {
	id, err := l.identify(ctx, uri)
	if err != nil {
		return nil, err
	}
	if name != "" {
		id.name = name
	}
	dir, keepDir := uri, false
	if id.remote {
		b, err := l.backend(ctx)
		if err != nil {
			return nil, err
		}
		tmp, err := os.MkdirTemp("", "weir-serve-*")
		if err != nil {
			return nil, err
		}
		// The model lives in memory once loaded; its files are not needed,
		// unless Python workers serve it.
		defer func() {
			if keepDir {
				l.dirs = append(l.dirs, tmp)
			} else {
				os.RemoveAll(tmp)
			}
		}()
		dir, err = mlmodel.Resolve(ctx, id.uri, mlmodel.Sources{
			Runs: b.tracking, LoggedModels: b.loggedModels, Registry: b.registry, Artifacts: b.artifacts, DownloadDir: tmp,
		})
		if err != nil {
			return nil, err
		}
	} else if p, ok := strings.CutPrefix(uri, "file://"); ok {
		dir = p
	}
	// Keep the reference profile for the drift gauges: downloaded files are
	// removed once the model is in memory.
	if b, err := mlmodel.ReadModelFile(dir, mlmodel.ReferenceProfileFile, mlmodel.MaxMetaBytes); err == nil {
		l.reference = b
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "%s", mlmodel.FileProblem(err))
	}
	f, err := mlmodel.ReadMLmodel(dir)
	if err != nil {
		return nil, err
	}
	if servesWithPython(f, l.envManager) {
		m, closer, err := loadedPython(ctx, dir, f, id.name, id.version, l.envManager, l.python, l.workers)
		if err != nil {
			return nil, err
		}
		keepDir = true
		l.closers = append(l.closers, closer)
		return m, nil
	}
	if l.envManager != "" {
		return nil, usagef("--env-manager %s: the model has no python_function flavor, so mlflow.pyfunc cannot load it", l.envManager)
	}
	if _, ok := f.Flavors[mlmodel.FlavorName]; !ok {
		return loadedForeign(dir, f, id.name, id.version)
	}
	mm, err := mlmodel.Load(dir)
	if err != nil {
		return nil, err
	}
	return loadedFrom(mm, id.name, id.version)
}

// loadedFrom adapts a loaded model directory to what the server serves,
// taking column requirements from the signature.
func loadedFrom(mm *mlmodel.Model, name, version string) (*serve.Loaded, error) {
	pm, err := serve.NewPredictorModel(mm.Predictor)
	if err != nil {
		return nil, err
	}
	required := map[string]bool{}
	for _, c := range mm.Signature.Inputs {
		required[c.Name] = c.Required
	}
	cols := pm.Inputs()
	for i := range cols {
		if r, ok := required[cols[i].Name]; ok {
			cols[i].Required = r
		}
	}
	example, err := mm.InputExample()
	if err != nil {
		return nil, err
	}
	return &serve.Loaded{Model: pm, Name: name, Version: version, Example: example, Output: mm.Output()}, nil
}

// modelID is what a URI says about the model it names.
type modelID struct {
	uri     string // what to resolve: a pinned version for registry URIs
	name    string
	version string
	remote  bool
}

// identify names the model a URI points at. Registry URIs are pinned to a
// version first, so the version served and the version reported agree even
// if an alias or stage moves meanwhile.
func (l *modelLoader) identify(ctx context.Context, uri string) (modelID, error) {
	switch {
	case strings.HasPrefix(uri, "runs:/"):
		parts := strings.Split(strings.Trim(strings.TrimPrefix(uri, "runs:/"), "/"), "/")
		return modelID{uri: uri, name: parts[len(parts)-1], version: parts[0], remote: true}, nil
	case strings.HasPrefix(uri, "models:/"):
		rest := strings.TrimPrefix(uri, "models:/")
		if strings.HasPrefix(rest, "m-") && !strings.ContainsAny(rest, "/@") {
			return modelID{uri: uri, name: rest, remote: true}, nil
		}
		if alias, name := aliasOf(uri); alias != "" {
			v, err := l.aliasVersion(ctx, name, alias)
			if err != nil {
				return modelID{}, err
			}
			return modelID{uri: "models:/" + name + "/" + v, name: name, version: v, remote: true}, nil
		}
		name, ref, ok := strings.Cut(rest, "/")
		if !ok || name == "" || ref == "" {
			return modelID{}, usagef("model URI %q: want models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME@ALIAS or models:/m-ID", uri)
		}
		if _, err := strconv.Atoi(ref); err == nil {
			return modelID{uri: uri, name: name, version: ref, remote: true}, nil
		}
		v, err := l.stageVersion(ctx, name, ref)
		if err != nil {
			return modelID{}, err
		}
		return modelID{uri: "models:/" + name + "/" + v, name: name, version: v, remote: true}, nil
	case strings.Contains(uri, "://") && !strings.HasPrefix(uri, "file://"):
		return modelID{}, usagef("model URI %q: want a local directory, runs:/ or models:/", uri)
	}
	dir := strings.TrimPrefix(uri, "file://")
	return modelID{uri: uri, name: filepath.Base(filepath.Clean(dir))}, nil
}

func (l *modelLoader) aliasVersion(ctx context.Context, name, alias string) (string, error) {
	b, err := l.backend(ctx)
	if err != nil {
		return "", err
	}
	mv, err := b.registry.GetModelVersionByAlias(ctx, name, alias)
	if err != nil {
		return "", err
	}
	return mv.Version, nil
}

// stageVersion returns the newest version in a stage, or the newest of all
// for "latest", as MLflow resolves models:/NAME/STAGE.
func (l *modelLoader) stageVersion(ctx context.Context, name, stage string) (string, error) {
	b, err := l.backend(ctx)
	if err != nil {
		return "", err
	}
	var stages []string
	if !strings.EqualFold(stage, "latest") {
		stages = []string{stage}
	}
	vs, err := b.registry.GetLatestVersions(ctx, name, stages)
	if err != nil {
		return "", err
	}
	best := -1
	for _, v := range vs {
		if n, err := strconv.Atoi(v.Version); err == nil && n > best {
			best = n
		}
	}
	if best < 0 {
		return "", weir.Errorf(weir.ErrResourceDoesNotExist, "registered model %q has no version in stage %q", name, stage)
	}
	return strconv.Itoa(best), nil
}

// aliasSource is the serve.VersionSource behind --watch-alias.
type aliasSource struct {
	loader      *modelLoader
	name, alias string
	display     string // the name the server reports (--name)
}

func (a *aliasSource) Version(ctx context.Context) (string, error) {
	return a.loader.aliasVersion(ctx, a.name, a.alias)
}

func (a *aliasSource) Load(ctx context.Context, version string) (*serve.Loaded, error) {
	if version == "" {
		return nil, errors.New("alias points at no version")
	}
	return a.loader.load(ctx, fmt.Sprintf("models:/%s/%s", a.name, version), a.display)
}
