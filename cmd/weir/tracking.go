package main

import (
	"context"
	"strings"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// trackingFlags choose the tracking backend of a client command: a running
// server (http://...) or a store opened in-process (sqlite:///...).
type trackingFlags struct {
	TrackingURI string `help:"Tracking server URL (http://host:port) or a local store URI (sqlite:///weir.db)." default:"sqlite:///weir.db" env:"MLFLOW_TRACKING_URI"`
	Output      string `short:"o" help:"Output format: table or json." default:"table" enum:"table,json"`
}

// backend is what client commands talk to, whichever kind it is.
type backend struct {
	tracking     tracking.Service
	registry     registry.Service
	loggedModels tracking.LoggedModelService
	close        func()
}

// openBackend returns the services behind the tracking URI. The caller must
// call close.
func (f *trackingFlags) openBackend(ctx context.Context) (*backend, error) {
	uri := f.TrackingURI
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		c := httpapi.NewClient(uri)
		return &backend{tracking: c, registry: c, loggedModels: c, close: func() {}}, nil
	}
	db := sqlstore.NewDB(uri)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		return nil, usagef("--tracking-uri %q: %v", uri, err)
	}
	return &backend{
		tracking:     sqlstore.NewTrackingService(db),
		registry:     sqlstore.NewRegistryService(db),
		loggedModels: sqlstore.NewLoggedModelService(db),
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
