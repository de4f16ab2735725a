package main

import (
	"context"
	"io"
	"strings"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// trackingFlags choose the tracking backend of a client command: a running
// server (http://...) or a store opened in-process (sqlite:///...).
type trackingFlags struct {
	TrackingURI string `help:"Tracking server URL (http://host:port) or a store URI opened in-process (sqlite:///weir.db, postgresql://...)." default:"sqlite:///weir.db" env:"MLFLOW_TRACKING_URI"`
	Output      string `short:"o" help:"Output format: table or json." default:"table" enum:"table,json"`
	// Only for a local store URI: where its proxied (mlflow-artifacts:) files are.
	ArtifactsDestination string `help:"With a local store URI: the directory holding its artifacts." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`
	// Credentials for a server with authentication on, read from MLflow's
	// own environment variables as its client reads them (docs/auth.md).
	TrackingUsername string `name:"tracking-username" hidden:"" env:"MLFLOW_TRACKING_USERNAME"`
	TrackingPassword string `name:"tracking-password" hidden:"" env:"MLFLOW_TRACKING_PASSWORD"`
	TrackingToken    string `name:"tracking-token" hidden:"" env:"MLFLOW_TRACKING_TOKEN"`
}

// artifactMover moves files under artifact URIs, through a server's proxy or
// directly in a local artifact directory.
type artifactMover interface {
	Upload(ctx context.Context, artifactURI, path string, r io.Reader) error
	Download(ctx context.Context, artifactURI, destDir string) error
	ListArtifacts(ctx context.Context, artifactURI, dir string) ([]artifact.FileInfo, error)
}

// backend is what client commands talk to, whichever kind it is.
type backend struct {
	tracking     tracking.Service
	registry     registry.Service
	loggedModels tracking.LoggedModelService
	artifacts    artifactMover
	close        func()
}

// openBackend returns the services behind the tracking URI. The caller must
// call close.
func (f *trackingFlags) openBackend(ctx context.Context) (*backend, error) {
	uri := f.TrackingURI
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		c := httpapi.NewClient(uri)
		c.Username, c.Password, c.Token = f.TrackingUsername, f.TrackingPassword, f.TrackingToken
		return &backend{tracking: c, registry: c, loggedModels: c, artifacts: c, close: func() {}}, nil
	}
	return f.openStore(ctx)
}
