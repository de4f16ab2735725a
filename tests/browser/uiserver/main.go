// Command uiserver serves Weir's REST API and web UI from one port, wired
// the way `weir server` mounts them: the API's paths go to httpapi, every
// other path to ui. The browser tests use it until cmd/weir mounts the UI
// itself (run.sh prefers `weir server` when its / answers with the UI).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/httpapi"
	"github.com/weir-ml/weir/sqlstore"
	"github.com/weir-ml/weir/ui"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "host:port to listen on")
	db := flag.String("backend-store-uri", "sqlite:///weir.db", "backend store URI")
	dest := flag.String("artifacts-destination", "./weir-artifacts", "artifact directory")
	flag.Parse()
	if err := run(*addr, *db, *dest); err != nil {
		fmt.Fprintln(os.Stderr, "uiserver:", err)
		os.Exit(1)
	}
}

func run(addr, uri, dest string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db := sqlstore.NewDB(uri)
	db.DefaultArtifactRoot = "mlflow-artifacts:/"
	if err := db.Open(ctx); err != nil {
		return err
	}
	defer db.Close()
	store := artifact.NewDir(dest)
	tracking, reg := sqlstore.NewTrackingService(db), sqlstore.NewRegistryService(db)

	api := httpapi.NewServer()
	api.Tracking, api.Registry, api.Artifacts = tracking, reg, store
	api.LoggedModels = sqlstore.NewLoggedModelService(db)
	api.Traces = sqlstore.NewTraceService(db)
	api.ArtifactsDestination = dest
	api.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	page := ui.NewHandler(tracking, reg, store)
	page.LoggedModels = api.LoggedModels
	page.Traces = api.Traces
	page.Logger = api.Logger

	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/ajax-api/", "/get-artifact", "/model-versions/get-artifact", "/health", "/version", "/v1/traces"} {
		mux.Handle(p, api.Handler())
	}
	mux.Handle("/", page)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
