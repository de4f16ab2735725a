//go:build !weir_serve

package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/s3"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/ui"
)

// serverCmd runs the tracking server. Flags are named like mlflow server's.
type serverCmd struct {
	Host                 string `help:"Address to listen on." default:"127.0.0.1" env:"WEIR_HOST"`
	Port                 int    `help:"Port to listen on." default:"5000" env:"WEIR_PORT"`
	BackendStoreURI      string `name:"backend-store-uri" help:"Where runs and models are stored: sqlite:///relative.db, sqlite:////absolute.db or postgresql://user:pass@host:port/db." default:"sqlite:///weir.db" env:"WEIR_BACKEND_STORE_URI"`
	DefaultArtifactRoot  string `help:"Artifact location given to new experiments (default: mlflow-artifacts:/ when serving artifacts, else the artifacts destination)." env:"WEIR_DEFAULT_ARTIFACT_ROOT"`
	ArtifactsDestination string `help:"Where proxied artifacts are stored: a local directory or s3://bucket/prefix." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`
	S3EndpointURL        string `name:"s3-endpoint-url" help:"S3-compatible endpoint for an s3:// destination (default: MLFLOW_S3_ENDPOINT_URL or AWS_ENDPOINT_URL, else AWS)." env:"WEIR_S3_ENDPOINT_URL"`
	S3PathStyle          bool   `name:"s3-path-style" help:"Address buckets by path (MinIO, versitygw, Ceph)." env:"WEIR_S3_PATH_STYLE"`
	ServeArtifacts       bool   `help:"Serve artifacts through the server (mlflow-artifacts:/ URIs)." default:"true" negatable:"" env:"WEIR_SERVE_ARTIFACTS"`
	ArtifactsFsync       bool   `name:"artifacts-fsync" help:"Flush each uploaded file to disk before answering (local destination): an upload then survives a crash, at the cost of a disk write." env:"WEIR_ARTIFACTS_FSYNC"`
	// Webhook receivers on private networks are refused by default, as in
	// MLflow, so a registry user cannot make the server probe the LAN.
	WebhookAllowPrivateNetworks bool `help:"Allow registry webhooks to deliver to loopback and private-network addresses." env:"WEIR_WEBHOOK_ALLOW_PRIVATE_NETWORKS"`
}

func (s *serverCmd) Run(g *globals) error {
	if s.Port < 0 || s.Port > 65535 {
		return usagef("--port %d is out of range 0..65535", s.Port)
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
	if err := db.Open(g.ctx); err != nil {
		return usagef("--backend-store-uri %q: %v", sqlstore.RedactURI(s.BackendStoreURI), err)
	}
	defer db.Close()

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
	srv.ServeArtifacts = s.ServeArtifacts
	srv.Logger = g.logger
	page := ui.NewHandler(srv.Tracking, reg, srv.Artifacts)
	page.LoggedModels = srv.LoggedModels
	page.Logger = g.logger
	srv.UI = page
	srv.Deliveries.AllowPrivateNetworks = s.WebhookAllowPrivateNetworks
	if err := srv.Open(); err != nil {
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	}
	g.logger.Info("weir server ready", "version", weir.Version,
		"backend_store_uri", sqlstore.RedactURI(s.BackendStoreURI), "default_artifact_root", root,
		"artifacts_destination", s.ArtifactsDestination)

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
