//go:build !weir_serve

package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// openStore opens the store a non-HTTP tracking URI names in-process
// (SQLite or PostgreSQL), with its artifacts in --artifacts-destination.
func (f *trackingFlags) openStore(ctx context.Context) (*backend, error) {
	uri := f.TrackingURI
	db := sqlstore.NewDB(uri)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		return nil, &usageError{err: fmt.Errorf("--tracking-uri %q: %s", sqlstore.RedactURI(uri), safeMessage(err)), causes: []error{err}}
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
