package serve

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"
)

// Server serves one model over HTTP. Create it with NewServer, set the
// exported fields, then Open it; Swap replaces the model while serving;
// Close drains in-flight requests and stops.
type Server struct {
	// Addr is the host:port to listen on; ":0" picks a free port.
	Addr string
	// Model is the model served from Open on. Required.
	Model *Loaded
	// RequestTimeout bounds the time from a request's arrival to its
	// answer; slower scoring requests get 504 (MLflow's default is 60 s).
	RequestTimeout time.Duration
	// MaxBodyBytes bounds request bodies; larger ones get 413.
	MaxBodyBytes int64
	// MaxConcurrency is how many scoring requests run at once. Up to
	// MaxQueue more wait for a free slot (within their timeout); beyond
	// that a request is refused at once with 503 and Retry-After, so an
	// overloaded server sheds load instead of growing its latency.
	MaxConcurrency int
	MaxQueue       int
	// StrictColumns refuses request columns that are not in the model
	// signature; by default they are ignored, as MLflow does.
	StrictColumns bool
	// StrictCategories refuses (400) a request with a category that the
	// model was not fitted with, naming the column and the value; by
	// default such values are scored (as the model's encoders treat an
	// unseen category) and counted.
	StrictCategories bool
	// MaxBatchSize > 1 turns on micro-batching: rows of concurrent
	// requests are scored together, up to MaxBatchSize rows or after
	// MaxBatchWait. Off by default: tree models gain little from it and
	// every request then waits up to MaxBatchWait.
	MaxBatchSize int
	MaxBatchWait time.Duration
	// InferenceLog, when set, receives every scored row. The Server opens
	// and closes it.
	InferenceLog *InferenceLog
	// Drift, when set, tests recent rows against the model's reference
	// profile and exports drift gauges. The Server opens and closes it.
	Drift *DriftMonitor
	// Metrics are exported on /metrics.
	Metrics *Metrics
	// Logger receives errors and lifecycle events.
	Logger *slog.Logger
	// ShutdownTimeout bounds how long Close waits for in-flight requests.
	ShutdownTimeout time.Duration
	// BusyPoll > 0 lets a connection that has just been answered poll for
	// its next request, for up to BusyPoll, before it sleeps (Linux; one
	// connection at a time, never while others have work): lower latency
	// for clients that send requests back to back. The window adapts and
	// falls to nothing for sparse traffic, so it costs CPU only while it
	// pays. 0 turns it off.
	BusyPoll time.Duration

	// AllowedHosts are the Host header patterns the server answers (see
	// HostAllowlist); empty means the default: localhost names, loopback
	// and private addresses, and the address in Addr. Probes (/ping,
	// /health, /v2/health/*) answer any Host.
	AllowedHosts []string
	// AuthToken, when not empty, is the bearer token every request but the
	// probes must carry (Authorization: Bearer <token>).
	AuthToken string
	// TLSCertFile and TLSKeyFile, set together, serve HTTPS (and HTTP/2
	// where the client offers it).
	TLSCertFile, TLSKeyFile string
	// MemoryBudget bounds the memory that scoring requests in flight may
	// hold together, estimated from their bodies before they are decoded:
	// a request that would exceed it waits for nothing and gets 429 with
	// Retry-After, one that could never fit gets 413.
	MemoryBudget int64
	// ReadHeaderTimeout bounds reading a request's headers, IdleTimeout
	// how long a keep-alive connection may wait for its next request. A
	// body must arrive within RequestTimeout.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration

	current atomic.Pointer[served]
	hosts   *HostAllowlist
	token   *tokenHash
	budget  *memBudget
	routed  http.Handler
	slots   chan struct{}
	waiting atomic.Int64
	batch   *batcher
	handler http.Handler
	ln      net.Listener
	http    *http.Server
	done    chan error
}

// DefaultBusyPoll is the busy-polling ceiling: the Linux kernel's default
// for guest halt polling (guest_halt_poll_ns), which does the same at the
// level of an idle vCPU where the hypervisor allows it.
const DefaultBusyPoll = 200 * time.Microsecond

// served is the model in service with its decoding schema; requests take
// one pointer at their start, so a swap never changes a request midway.
type served struct {
	*Loaded
	schema *schema
	// known holds each column's fitted categories (nil: not checked) and
	// tally its counters in Metrics.
	known []map[string]struct{}
	tally []*columnCount
}

// DefaultMemoryBudget is the default MemoryBudget: with the Go runtime's
// own overhead it keeps a server under attack by many large bodies at
// once under 1 GB of resident memory.
const DefaultMemoryBudget = 512 << 20

// NewServer returns a Server with defaults: Addr 127.0.0.1:8080, 60 s
// request timeout, 100 MiB bodies (as MLflow's nginx), 64 × GOMAXPROCS
// concurrent scoring requests with as many queued, a DefaultMemoryBudget
// for the requests in flight, no batching, busy polling up to
// DefaultBusyPoll, 10 s to read headers, 2 min idle connections, 30 s
// drain, the default host allowlist and no bearer token.
func NewServer() *Server {
	s := &Server{
		Addr:            "127.0.0.1:8080",
		RequestTimeout:  60 * time.Second,
		MaxBodyBytes:    100 << 20,
		MaxConcurrency:  64 * runtime.GOMAXPROCS(0),
		MaxQueue:        64 * runtime.GOMAXPROCS(0),
		MaxBatchWait:    2 * time.Millisecond,
		Metrics:         NewMetrics(),
		Logger:          slog.Default(),
		ShutdownTimeout: 30 * time.Second,
		BusyPoll:        DefaultBusyPoll,

		MemoryBudget:      DefaultMemoryBudget,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	s.routed = s.routes()
	return s
}

// Handler returns the server's http.Handler. Init must have been called
// (Open calls it).
func (s *Server) Handler() http.Handler { return s.handler }

// Init validates the configuration, checks the model on its input example
// and starts the batcher and inference log, without listening: tests drive
// Handler directly after Init. Open calls it.
func (s *Server) Init() error {
	if s.RequestTimeout <= 0 || s.MaxBodyBytes <= 0 || s.MaxConcurrency <= 0 || s.MaxQueue < 0 {
		return fmt.Errorf("serve: RequestTimeout (%v), MaxBodyBytes (%d) and MaxConcurrency (%d) must be positive and MaxQueue (%d) not negative",
			s.RequestTimeout, s.MaxBodyBytes, s.MaxConcurrency, s.MaxQueue)
	}
	if s.BusyPoll < 0 {
		return fmt.Errorf("serve: BusyPoll must not be negative, got %v", s.BusyPoll)
	}
	if s.MemoryBudget <= 0 || s.ReadHeaderTimeout <= 0 || s.IdleTimeout <= 0 {
		return fmt.Errorf("serve: MemoryBudget (%d), ReadHeaderTimeout (%v) and IdleTimeout (%v) must be positive", s.MemoryBudget, s.ReadHeaderTimeout, s.IdleTimeout)
	}
	if (s.TLSCertFile == "") != (s.TLSKeyFile == "") {
		return fmt.Errorf("serve: TLS needs both a certificate file and a key file")
	}
	s.budget = &memBudget{limit: s.MemoryBudget}
	s.hosts = NewHostAllowlist(s.AllowedHosts, s.Addr)
	s.token = nil
	if s.AuthToken != "" {
		h := tokenHash(sha256.Sum256([]byte(s.AuthToken)))
		s.token = &h
	}
	s.handler = s.guard(s.routed)
	if s.MaxBatchSize > 1 && s.MaxBatchWait <= 0 {
		return fmt.Errorf("serve: micro-batching needs a positive MaxBatchWait, got %v", s.MaxBatchWait)
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics()
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if err := s.Model.check(); err != nil {
		return err
	}
	s.install(s.Model)
	s.slots = make(chan struct{}, s.MaxConcurrency)
	if s.MaxBatchSize > 1 {
		s.batch = newBatcher(s.MaxBatchSize, s.MaxBatchWait, s.Metrics)
	}
	if s.InferenceLog != nil {
		if s.InferenceLog.Metrics == nil {
			s.InferenceLog.Metrics = s.Metrics
		}
		if s.InferenceLog.Logger == nil {
			s.InferenceLog.Logger = s.Logger
		}
		if err := s.InferenceLog.Open(); err != nil {
			s.stopWorkers()
			return err
		}
	}
	if s.Drift != nil {
		if s.Drift.Logger == nil {
			s.Drift.Logger = s.Logger
		}
		if err := s.Drift.Open(); err != nil {
			s.stopWorkers()
			return err
		}
	}
	return nil
}

// Open initialises the server and starts listening on Addr.
func (s *Server) Open() error {
	if err := s.Init(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		s.stopWorkers()
		return err
	}
	if s.ln, err = busyPoll(ln, s.BusyPoll, s.Metrics); err != nil {
		ln.Close()
		s.stopWorkers()
		return err
	}
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		// Bounds every body, /labels' included; scoring sets its own
		// deadline, the same RequestTimeout from its start.
		ReadTimeout: s.ReadHeaderTimeout + s.RequestTimeout,
		IdleTimeout: s.IdleTimeout,
		ErrorLog:    slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	serveFn := func() error { return s.http.Serve(s.ln) }
	if s.TLSCertFile != "" {
		// Loaded here so that a bad pair fails Open, not the first request.
		cert, err := tls.LoadX509KeyPair(s.TLSCertFile, s.TLSKeyFile)
		if err != nil {
			s.ln.Close()
			s.stopWorkers()
			return fmt.Errorf("serve: TLS certificate and key: %w", err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		serveFn = func() error { return s.http.ServeTLS(s.ln, "", "") }
	}
	s.done = make(chan error, 1)
	go func() { s.done <- serveFn() }()
	return nil
}

// URL returns the base URL the server listens on, such as
// http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	if s.TLSCertFile != "" {
		return "https://" + s.ln.Addr().String()
	}
	return "http://" + s.ln.Addr().String()
}

// Close stops accepting connections, waits up to ShutdownTimeout for
// in-flight requests to be answered, then flushes the inference log.
func (s *Server) Close() error {
	var err error
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
		err = s.http.Shutdown(ctx)
		cancel()
		if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		s.http = nil
	}
	if lerr := s.stopWorkers(); err == nil {
		err = lerr
	}
	return err
}

func (s *Server) stopWorkers() error {
	if s.batch != nil {
		s.batch.close()
		s.batch = nil
	}
	if s.Drift != nil {
		s.Drift.Close()
	}
	if s.InferenceLog != nil {
		return s.InferenceLog.Close()
	}
	return nil
}

// Current returns the model being served.
func (s *Server) Current() *Loaded {
	if m := s.current.Load(); m != nil {
		return m.Loaded
	}
	return nil
}

// Swap replaces the served model with m once m has passed its checks
// (schema, and a prediction on its input example). Requests already running
// finish with the model they started with; none is dropped.
func (s *Server) Swap(m *Loaded) error {
	if err := m.check(); err != nil {
		s.Metrics.swapsFailed.Add(1)
		return err
	}
	s.install(m)
	s.Metrics.swapsOK.Add(1)
	return nil
}

func (s *Server) install(m *Loaded) {
	cols := m.Model.Inputs()
	known := knownCategories(m.Model, cols)
	s.current.Store(&served{Loaded: m, schema: newSchema(cols), known: known, tally: s.Metrics.columns(cols, known)})
	s.Metrics.setModel(m.Name, m.Version)
}
