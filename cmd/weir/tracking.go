package main

import (
	"context"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/mlmodel"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// trackingFlags choose the tracking backend of a client command: a running
// server (http://...) or a store opened in-process (sqlite:///...).
type trackingFlags struct {
	TrackingURI string `help:"Tracking server URL (http://host:port) or a store URI opened in-process (sqlite:///weir.db, postgresql://...)." default:"sqlite:///weir.db" env:"MLFLOW_TRACKING_URI"`
	Output      string `short:"o" help:"Output format: table or json." default:"table" enum:"table,json"`
	// Only for a local store URI: where its proxied (mlflow-artifacts:) files are.
	ArtifactsDestination string `help:"With a local store URI: the directory holding its artifacts." default:"./weir-artifacts" env:"WEIR_ARTIFACTS_DESTINATION"`
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
		return &backend{tracking: c, registry: c, loggedModels: c, artifacts: c, close: func() {}}, nil
	}
	db := sqlstore.NewDB(uri)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		return nil, usagef("--tracking-uri %q: %v", sqlstore.RedactURI(uri), err)
	}
	return &backend{
		tracking:     sqlstore.NewTrackingService(db),
		registry:     sqlstore.NewRegistryService(db),
		loggedModels: sqlstore.NewLoggedModelService(db),
		artifacts:    localArtifacts{store: artifact.NewDir(f.ArtifactsDestination)},
		close:        func() { db.Close() },
	}, nil
}

// open returns only the tracking service and a function that releases it.
func (f *trackingFlags) open(ctx context.Context) (tracking.Service, func(), error) {
	b, err := f.openBackend(ctx)
	if err != nil {
		return nil, nil, err
	}
	return b.tracking, b.close, nil
}

// localArtifacts moves files in the artifact directory of a local store, the
// same files a weir server on that store would proxy.
type localArtifacts struct {
	store artifact.Store
}

func (l localArtifacts) Upload(ctx context.Context, uri, p string, r io.Reader) error {
	return mlmodel.Files{Proxied: l.store}.Upload(ctx, uri, p, r)
}

func (l localArtifacts) Download(ctx context.Context, uri, destDir string) error {
	return mlmodel.Files{Proxied: l.store}.Download(ctx, uri, destDir)
}

func (l localArtifacts) ListArtifacts(ctx context.Context, uri, dir string) ([]artifact.FileInfo, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "mlflow-artifacts" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "artifact URI %q is not in the local artifact directory", uri)
	}
	root, err := artifact.CleanPath(strings.TrimPrefix(u.Path, "/"))
	if err != nil {
		return nil, err
	}
	rel, err := artifact.CleanPath(dir)
	if err != nil {
		return nil, err
	}
	files, err := l.store.List(ctx, path.Join(root, rel))
	if err != nil {
		return nil, err
	}
	for i := range files {
		files[i].Path = strings.TrimPrefix(strings.TrimPrefix(files[i].Path, root), "/")
	}
	return files, nil
}
