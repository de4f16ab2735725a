package main

import (
	"context"
	"strings"

	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/tracking"
)

// trackingFlags choose the tracking backend of a client command: a running
// server (http://...) or a store opened in-process (sqlite:///...).
type trackingFlags struct {
	TrackingURI string `help:"Tracking server URL (http://host:port) or a local store URI (sqlite:///weir.db)." default:"sqlite:///weir.db" env:"MLFLOW_TRACKING_URI"`
	Output      string `short:"o" help:"Output format: table or json." default:"table" enum:"table,json"`
}

// open returns the tracking service and a function that releases it.
func (f *trackingFlags) open(ctx context.Context) (tracking.Service, func(), error) {
	uri := f.TrackingURI
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		return httpapi.NewClient(uri), func() {}, nil
	}
	db := sqlstore.NewDB(uri)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		return nil, nil, usagef("--tracking-uri %q: %v", uri, err)
	}
	return sqlstore.NewTrackingService(db), func() { db.Close() }, nil
}
