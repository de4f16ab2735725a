//go:build !weir_serve

package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/s3"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/ui"
)

// serverCmd runs the tracking server. Flags are named like mlflow server's.
type serverCmd struct {
	Host                    string `help:"Address to listen on." default:"127.0.0.1" env:"WEIR_HOST"`
	Port                    int    `help:"Port to listen on." default:"5000" env:"WEIR_PORT"`
	BackendStoreURI         string `name:"backend-store-uri" help:"Where runs and models are stored: sqlite:///relative.db, sqlite:////absolute.db or postgresql://user:pass@host:port/db." default:"sqlite:///weir.db" env:"WEIR_BACKEND_STORE_URI"`
	ReadReplicaURI          string `name:"read-replica-uri" help:"A PostgreSQL streaming replica of the backend store (postgresql://...) to run searches and gets on; each read waits for the replica to have every write committed before it, else runs on the primary (docs/scaling.md)." env:"WEIR_READ_REPLICA_URI"`
	BackendStoreConnections int    `name:"backend-store-connections" placeholder:"N" help:"Connections to keep to the backend store: one for writes under the writer lock, the rest for reads and row writes (default: CPUs + 1, at least 5; at least 2). Servers sharing one PostgreSQL can divide its connections between them (docs/scaling.md)." env:"WEIR_BACKEND_STORE_CONNECTIONS"`
	DefaultArtifactRoot     string `help:"Artifact location given to new experiments (default: mlflow-artifacts:/ when serving artifacts, else the artifacts destination)." env:"WEIR_DEFAULT_ARTIFACT_ROOT"`
	ArtifactsDestination    string `help:"Where proxied artifacts are stored: a local directory or s3://bucket/prefix." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`
	S3EndpointURL           string `name:"s3-endpoint-url" help:"S3-compatible endpoint for an s3:// destination (default: MLFLOW_S3_ENDPOINT_URL or AWS_ENDPOINT_URL, else AWS)." env:"WEIR_S3_ENDPOINT_URL"`
	S3PathStyle             bool   `name:"s3-path-style" help:"Address buckets by path (MinIO, versitygw, Ceph)." env:"WEIR_S3_PATH_STYLE"`
	ServeArtifacts          bool   `help:"Serve artifacts through the server (mlflow-artifacts:/ URIs)." default:"true" negatable:"" env:"WEIR_SERVE_ARTIFACTS"`
	ArtifactsFsync          bool   `name:"artifacts-fsync" help:"Flush each uploaded file to disk before answering (local destination): an upload then survives a crash, at the cost of a disk write." env:"WEIR_ARTIFACTS_FSYNC"`
	// Webhook receivers on private networks are refused by default, as in
	// MLflow, so a registry user cannot make the server probe the LAN.
	WebhookAllowPrivateNetworks bool `help:"Allow registry webhooks to deliver to loopback and private-network addresses." env:"WEIR_WEBHOOK_ALLOW_PRIVATE_NETWORKS"`
	// Replicas share the outbox of webhook deliveries (docs/scaling.md);
	// a delivery claimed by a replica that dies waits this long.
	WebhookLease time.Duration `help:"How long a replica holds a claimed webhook delivery; one claimed by a replica that dies is sent by another after it (more than 30s, the time one attempt may take)." default:"2m" env:"WEIR_WEBHOOK_LEASE"`
	// MLflow's server reads the same allow-list from this variable.
	ModelVersionSourceRegex string `name:"model-version-source-regex" placeholder:"REGEX" help:"Refuse new model versions whose source does not match this regular expression (searched anywhere in the source; anchor it with ^ and $)." env:"MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX"`
	// Safe defaults (docs/security.md): a foreign Host header is refused,
	// as is a state change from another site's page.
	AllowedHosts       []string `name:"allowed-hosts" sep:"," help:"Host headers to serve, comma-separated; '*' is a wildcard (*.example.com, 192.168.*), a name without a port matches any port, '*' alone allows any host (default: localhost names and the --host address; with --host 0.0.0.0 also the private address ranges)." env:"WEIR_ALLOWED_HOSTS,MLFLOW_SERVER_ALLOWED_HOSTS"`
	CORSAllowedOrigins []string `name:"cors-allowed-origins" sep:"," help:"Origins of web pages allowed to call the API from a browser, comma-separated, such as https://app.example.com or https://*.example.com; '*' allows any (default: none)." env:"WEIR_CORS_ALLOWED_ORIGINS,MLFLOW_SERVER_CORS_ALLOWED_ORIGINS"`
	TLSCertFile        string   `name:"tls-cert-file" help:"PEM certificate (chain) to serve HTTPS with; needs --tls-key-file." type:"existingfile" env:"WEIR_TLS_CERT_FILE"`
	TLSKeyFile         string   `name:"tls-key-file" help:"PEM private key of --tls-cert-file." type:"existingfile" env:"WEIR_TLS_KEY_FILE"`
	MaxInflightBytes   int64    `name:"max-inflight-bytes" help:"Memory that request bodies may take at once, server-wide, counted as 4 bytes per body byte; past it requests get 503 and MLflow's clients retry." default:"402653184" env:"WEIR_MAX_INFLIGHT_BYTES"`
	serverAuthFlags
}

func (s *serverCmd) Run(g *globals) error {
	if s.Port < 0 || s.Port > 65535 {
		return usagef("--port %d is out of range 0..65535", s.Port)
	}
	if s.BackendStoreConnections < 0 || s.BackendStoreConnections == 1 {
		return usagef("--backend-store-connections %d: want at least 2 (one writer and one reader), or 0 for the default", s.BackendStoreConnections)
	}
	if s.WebhookLease <= 0 {
		return usagef("--webhook-lease %v: want a positive duration", s.WebhookLease)
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		return usagef("--tls-cert-file and --tls-key-file go together")
	}
	store, err := s.openArtifacts(g)
	if err != nil {
		return err
	}
	root := s.DefaultArtifactRoot
	if root == "" {
		switch {
		case s.ServeArtifacts:
			root = "mlflow-artifacts:/"
		case strings.HasPrefix(s.ArtifactsDestination, "s3://"):
			root = s.ArtifactsDestination
		default:
			abs, err := filepath.Abs(s.ArtifactsDestination)
			if err != nil {
				return err
			}
			root = abs
		}
	}

	db := sqlstore.NewDB(s.BackendStoreURI)
	db.DefaultArtifactRoot = root
	db.ReadReplicaURI = s.ReadReplicaURI
	db.Connections = s.BackendStoreConnections
	db.Logger = g.logger
	if err := db.Open(g.ctx); err != nil {
		return usagef("--backend-store-uri %q: %v", sqlstore.RedactURI(s.BackendStoreURI), err)
	}
	defer db.Close()

	a, err := s.openAuth(g, db)
	if err != nil {
		return err
	}

	srv := httpapi.NewServer()
	srv.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	srv.Tracking = sqlstore.NewTrackingService(db)
	reg := sqlstore.NewRegistryService(db)
	srv.Registry = reg
	srv.Webhooks = reg
	srv.LoggedModels = sqlstore.NewLoggedModelService(db)
	srv.Traces = sqlstore.NewTraceService(db)
	srv.Datasets = sqlstore.NewDatasetService(db)
	// Set even without --serve-artifacts: the proxy endpoints then answer
	// 503 as MLflow's do, and listings of runs under the destination work.
	srv.Artifacts = store
	srv.ArtifactsDestination = s.ArtifactsDestination
	srv.DefaultArtifactRoot = root
	if s.ModelVersionSourceRegex != "" {
		re, err := regexp.Compile(s.ModelVersionSourceRegex)
		if err != nil {
			return usagef("--model-version-source-regex %q: %v", s.ModelVersionSourceRegex, err)
		}
		srv.VersionSourceRegex = re
	}
	srv.ServeArtifacts = s.ServeArtifacts
	srv.Logger = g.logger
	if a != nil {
		// Before the UI gets the services: it then sees only what its
		// user may read.
		srv.EnableAuth(a)
	}
	page := ui.NewHandler(srv.Tracking, srv.Registry, srv.Artifacts)
	page.LoggedModels = srv.LoggedModels
	page.Auth = a
	page.Traces = srv.Traces
	page.Logger = g.logger
	srv.UI = page
	srv.Deliveries.AllowPrivateNetworks = s.WebhookAllowPrivateNetworks
	srv.Deliveries.Lease = s.WebhookLease
	srv.AllowedHosts, srv.CORSAllowedOrigins = s.AllowedHosts, s.CORSAllowedOrigins
	srv.TLSCertFile, srv.TLSKeyFile = s.TLSCertFile, s.TLSKeyFile
	srv.MaxInFlightBytes = s.MaxInflightBytes
	setMemoryLimit(s.MaxInflightBytes)
	page.SameOrigin = srv.SameOrigin
	if err := srv.Open(); err != nil {
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	}
	g.logger.Info("weir server ready", "version", weir.Version,
		"backend_store_uri", sqlstore.RedactURI(s.BackendStoreURI), "default_artifact_root", root,
		"artifacts_destination", s.ArtifactsDestination, "auth", a != nil)

	<-g.ctx.Done()
	g.logger.Info("shutting down: draining in-flight requests")
	if err := srv.Close(); err != nil {
		return err
	}
	g.logger.Info("stopped")
	return nil
}

// openArtifacts opens the artifacts destination: a local directory or an
// S3 bucket, checked once so a wrong endpoint or credentials fail at start.
func (s *serverCmd) openArtifacts(g *globals) (artifact.Store, error) {
	dest := s.ArtifactsDestination
	switch {
	case strings.HasPrefix(dest, "s3://"):
		st, err := s3.NewStore(g.ctx, dest, s3.Options{Endpoint: s.S3EndpointURL, PathStyle: s.S3PathStyle})
		if err != nil {
			return nil, usagef("--artifacts-destination %q: %v", dest, err)
		}
		if err := st.Check(g.ctx); err != nil {
			return nil, fmt.Errorf("artifacts destination %s: %w", dest, err)
		}
		return st, nil
	case strings.Contains(dest, "://"):
		return nil, usagef("--artifacts-destination %q: only local directories and s3:// are supported", dest)
	}
	return &artifact.Dir{Root: dest, Sync: s.ArtifactsFsync}, nil
}

// memoryHeadroom is what the server may use beyond the memory of request
// bodies (--max-inflight-bytes) before the Go runtime collects garbage
// eagerly: an idle server holds about 30 MB.
const memoryHeadroom = 384 << 20

// setMemoryLimit sets the Go runtime's soft memory limit to the body budget
// plus memoryHeadroom, unless GOMEMLIMIT says otherwise. Without it the
// heap of a server decoding large bodies one after another grows to twice
// what is live before a collection, and the garbage of the bodies already
// answered adds to the peak.
func setMemoryLimit(inflight int64) {
	if inflight <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(inflight + memoryHeadroom)
}
