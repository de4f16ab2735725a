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
	"github.com/weir-ml/weir/sqlstore"
)

// serverCmd runs the tracking server. Flags are named like mlflow server's.
type serverCmd struct {
	Host                 string `help:"Address to listen on." default:"127.0.0.1" env:"WEIR_HOST"`
	Port                 int    `help:"Port to listen on." default:"5000" env:"WEIR_PORT"`
	BackendStoreURI      string `name:"backend-store-uri" help:"Where runs and models are stored: sqlite:///relative.db or sqlite:////absolute.db." default:"sqlite:///weir.db" env:"WEIR_BACKEND_STORE_URI"`
	DefaultArtifactRoot  string `help:"Artifact location given to new experiments (default: mlflow-artifacts:/ when serving artifacts, else the artifacts destination)." env:"WEIR_DEFAULT_ARTIFACT_ROOT"`
	ArtifactsDestination string `help:"Where proxied artifacts are stored (a local directory)." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`
	ServeArtifacts       bool   `help:"Serve artifacts through the server (mlflow-artifacts:/ URIs)." default:"true" negatable:"" env:"WEIR_SERVE_ARTIFACTS"`
	// Webhook receivers on private networks are refused by default, as in
	// MLflow, so a registry user cannot make the server probe the LAN.
	WebhookAllowPrivateNetworks bool `help:"Allow registry webhooks to deliver to loopback and private-network addresses." env:"WEIR_WEBHOOK_ALLOW_PRIVATE_NETWORKS"`
}

func (s *serverCmd) Run(g *globals) error {
	if s.Port < 0 || s.Port > 65535 {
		return usagef("--port %d is out of range 0..65535", s.Port)
	}
	if strings.Contains(s.ArtifactsDestination, "://") {
		return usagef("--artifacts-destination %q: only local directories are supported so far", s.ArtifactsDestination)
	}
	root := s.DefaultArtifactRoot
	if root == "" {
		if s.ServeArtifacts {
			root = "mlflow-artifacts:/"
		} else {
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
		return usagef("--backend-store-uri %q: %v", s.BackendStoreURI, err)
	}
	defer db.Close()

	srv := httpapi.NewServer()
	srv.Addr = net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	srv.Tracking = sqlstore.NewTrackingService(db)
	reg := sqlstore.NewRegistryService(db)
	srv.Registry = reg
	srv.Webhooks = reg
	srv.LoggedModels = sqlstore.NewLoggedModelService(db)
	if s.ServeArtifacts {
		srv.Artifacts = artifact.NewDir(s.ArtifactsDestination)
	}
	srv.ArtifactsDestination = s.ArtifactsDestination
	srv.ServeArtifacts = s.ServeArtifacts
	srv.Logger = g.logger
	srv.Deliveries.AllowPrivateNetworks = s.WebhookAllowPrivateNetworks
	if err := srv.Open(); err != nil {
		return fmt.Errorf("listen on %s: %w", srv.Addr, err)
	}
	g.logger.Info("weir server ready", "version", weir.Version,
		"backend_store_uri", s.BackendStoreURI, "default_artifact_root", root,
		"artifacts_destination", s.ArtifactsDestination)

	<-g.ctx.Done()
	g.logger.Info("shutting down: draining in-flight requests")
	if err := srv.Close(); err != nil {
		return err
	}
	g.logger.Info("stopped")
	return nil
}
