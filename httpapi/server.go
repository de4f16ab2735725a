// Package httpapi speaks MLflow's REST API: Server serves a tracking.Service
// (and run artifacts from an artifact.Store) to MLflow's own clients and the
// UI, and Client is a tracking.Service that talks to such a server, Weir's or
// MLflow's, over HTTP.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/evaldata"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
	"github.com/weir-ml/weir/webhook"
)

// Server serves the MLflow REST API. Create it with NewServer, set the
// exported fields, then Open it; Close stops it.
type Server struct {
	// Addr is the host:port to listen on; ":0" picks a free port.
	Addr string
	// Tracking stores experiments and runs. Required.
	Tracking tracking.Service
	// Artifacts holds proxied artifacts (run artifact URIs with the
	// mlflow-artifacts: scheme). May be nil, then artifact listings are empty.
	Artifacts artifact.Store
	// ArtifactsDestination says where Artifacts is rooted, for the logs only.
	ArtifactsDestination string
	// VersionSourceRegex, when set, must match (anywhere) every new model
	// version's source, as MLflow's
	// MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX does.
	VersionSourceRegex *regexp.Regexp
	// DefaultArtifactRoot is the server's --default-artifact-root; when it
	// is a local directory, run artifacts under it are served from it.
	DefaultArtifactRoot string
	// ServeArtifacts enables listing proxied artifacts through Artifacts.
	ServeArtifacts bool
	// Registry stores registered models and versions. Nil leaves the
	// registry endpoints answering 404 ENDPOINT_NOT_FOUND.
	Registry registry.Service
	// Webhooks stores webhooks; registry events are delivered to them
	// through Deliveries. Nil makes the webhook endpoints answer
	// FEATURE_DISABLED and sends no events.
	Webhooks registry.WebhookService
	// LoggedModels stores MLflow 3 logged models. Nil leaves their
	// endpoints answering 404 ENDPOINT_NOT_FOUND.
	LoggedModels tracking.LoggedModelService
	// Traces stores MLflow 3 traces. Nil leaves the trace endpoints and
	// OpenTelemetry's /v1/traces answering 404 ENDPOINT_NOT_FOUND.
	Traces tracing.Service
	// Datasets stores MLflow 3 evaluation datasets, and registered
	// scorers when it is also an evaldata.ScorerService. Nil leaves their
	// endpoints answering 404 ENDPOINT_NOT_FOUND.
	Datasets evaldata.Service
	// Deliveries posts registry events to webhooks. Open opens it when
	// Webhooks is set (with Logger when it has none) and Close drains it.
	Deliveries *webhook.Dispatcher
	// UI serves the web UI at every path the API does not own. Nil
	// leaves those paths answering 404.
	UI http.Handler
	// Logger receives errors (Info and above) and access logs (Debug).
	Logger *slog.Logger
	// MaxBodyBytes bounds request bodies; larger ones get a clear 400.
	// Some endpoints take less (limits_body.go); artifact uploads, which
	// stream to their store, are not bounded.
	MaxBodyBytes int64
	// ShutdownTimeout bounds how long Close waits for in-flight requests.
	ShutdownTimeout time.Duration
	// Auth, set by EnableAuth, requires a user on every request and checks
	// permissions (auth*.go). Nil serves everyone, as mlflow server does
	// without --app-name basic-auth.
	Auth *auth.Service

	permGuard *guard

	// AllowedHosts lists the Host headers served (security_hosts.go);
	// empty means DefaultAllowedHosts for Addr, ["*"] any host.
	AllowedHosts []string
	// CORSAllowedOrigins lists the origins (https://app.example, with '*'
	// wildcards, or "*") whose pages may call the API from a browser.
	CORSAllowedOrigins []string
	// TLSCertFile and TLSKeyFile, both set, serve HTTPS (and HTTP/2).
	TLSCertFile, TLSKeyFile string
	// MaxInFlightBytes bounds the memory that request bodies take at
	// once, server-wide, counted as 4 bytes per body byte held (the body
	// and what it decodes into); past it requests get 503
	// TEMPORARILY_UNAVAILABLE. It must exceed 4 × MaxBodyBytes for the
	// largest bodies to pass. 0 means no bound.
	MaxInFlightBytes int64
	// ReadHeaderTimeout bounds reading a request's headers,
	// BodyReadTimeout each wait for more of its body, IdleTimeout a
	// kept-alive connection between requests.
	ReadHeaderTimeout, BodyReadTimeout, IdleTimeout time.Duration

	hosts       hostList
	hostsOn     bool
	listedHosts []hostPattern
	origins     originList
	budget      *budget
	tls         bool

	handler http.Handler
	ln      net.Listener
	http    *http.Server
	done    chan error
}

// NewServer returns a Server with defaults: Addr 127.0.0.1:5000, artifacts
// served, a 64 MiB body limit, 384 MiB of memory for bodies at once, 10 s to
// read headers, 30 s for a body to make progress, 2 min idle connections
// and a 10 s shutdown drain.
func NewServer() *Server {
	s := &Server{
		Addr:              "127.0.0.1:5000",
		ServeArtifacts:    true,
		Logger:            slog.Default(),
		MaxBodyBytes:      64 << 20,
		MaxInFlightBytes:  384 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		BodyReadTimeout:   30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   10 * time.Second,
		Deliveries:        webhook.NewDispatcher(),
	}
	s.handler = s.middleware(s.routes())
	return s
}

// Handler returns the server's http.Handler, for tests and for mounting the
// API inside another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Open validates the configuration, listens on Addr and serves in the
// background.
func (s *Server) Open() error {
	if s.Tracking == nil {
		return errors.New("httpapi: Server.Tracking is nil")
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.ln != nil {
		return errors.New("httpapi: Server is already open")
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("httpapi: listen on %s: %w", s.Addr, err)
	}
	tlsConfig, err := s.openSecurity(ln) // security_open.go
	if err != nil {
		ln.Close()
		return err
	}
	if err := s.openDeliveries(); err != nil {
		ln.Close()
		return err
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		// Clients keep connections alive between calls; drop idle ones
		// so that many short-lived clients do not pile up sockets.
		IdleTimeout: s.IdleTimeout,
		TLSConfig:   tlsConfig,
		ErrorLog:    slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	s.done = make(chan error, 1)
	if s.tls = tlsConfig != nil; s.tls {
		go func() { s.done <- s.http.ServeTLS(ln, "", "") }()
	} else {
		go func() { s.done <- s.http.Serve(ln) }()
	}
	s.Logger.Info("tracking server listening", "url", s.URL(),
		"serve_artifacts", s.ServeArtifacts, "artifacts_destination", s.ArtifactsDestination)
	return nil
}

// URL returns the base URL the server listens on, such as
// "http://127.0.0.1:5000" (https with TLS), or "" before Open.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	addr := s.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http://"
	if s.tls {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, fmt.Sprint(addr.Port))
}

// Close stops accepting connections and waits up to ShutdownTimeout for
// in-flight requests to finish, then closes the rest.
func (s *Server) Close() error {
	if s.http == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.http.Close())
	}
	if serveErr := <-s.done; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	s.http, s.ln = nil, nil
	if s.Webhooks != nil && s.Deliveries != nil {
		err = errors.Join(err, s.Deliveries.Close())
	}
	return err
}
