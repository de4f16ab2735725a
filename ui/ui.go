// Package ui is Weir's web UI: server-rendered pages (html/template) over the
// same domain services as the REST API (tracking.Service, registry.Service,
// artifact.Store), with small hand-written JavaScript and CSS embedded in the
// binary. Charts are downsampled on the server (LTTB) so that a browser never
// receives a whole long metric history.
package ui

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/auth"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the UI. Create it with NewHandler and set the exported
// fields before serving the first request.
type Handler struct {
	// Tracking stores experiments and runs. Required.
	Tracking tracking.Service
	// Registry stores registered models. Nil hides the model pages.
	Registry registry.Service
	// Artifacts holds proxied artifacts (mlflow-artifacts:/ URIs). Nil
	// disables the artifact browser.
	Artifacts artifact.Store
	// LoggedModels resolves models:/m-... version sources (MLflow 3 logged
	// models) to their artifacts, for model cards and file links. May be nil.
	LoggedModels tracking.LoggedModelService
	// Traces stores MLflow 3 traces. Nil hides the traces tab's table.
	Traces tracing.Service
	// Logger receives internal errors, which pages never show.
	Logger *slog.Logger
	// PageSize is the default number of runs per page of the runs table.
	PageSize int
	// ChartPoints is how many points a chart series is downsampled to.
	ChartPoints int
	// SameOrigin decides whether a form post comes from a page of this
	// server; the tracking server sets its own check (httpapi.Server's
	// SameOrigin, which knows the allowed hosts). Nil compares the Origin
	// with the Host header.
	SameOrigin func(r *http.Request) bool
	// Auth, when the server requires users, serves the login page and
	// the admin page (login.go, admin.go). Nil leaves them answering 404.
	Auth *auth.Service

	mux       *http.ServeMux
	pages     map[string]*pageTemplate
	histories *historyCache
}

// NewHandler returns a Handler with defaults (50 runs a page, 1000 points a
// chart series) over the given services; registry and artifacts may be nil.
func NewHandler(t tracking.Service, r registry.Service, a artifact.Store) *Handler {
	h := &Handler{
		Tracking:    t,
		Registry:    r,
		Artifacts:   a,
		Logger:      slog.Default(),
		PageSize:    50,
		ChartPoints: 1000,
		histories:   newHistoryCache(),
	}
	h.pages = mustParsePages()
	h.mux = h.routes()
	return h
}

// ServeHTTP serves the UI's pages, data endpoints and static files.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// routes is the UI's whole route table. Every page has a stable GET URL;
// changes are POSTed forms that redirect back (post/redirect/get).
func (h *Handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetHandler(static)))

	mux.HandleFunc("GET /{$}", h.page(h.experimentsPage))
	mux.HandleFunc("GET /experiments", h.page(h.experimentsPage))
	mux.HandleFunc("POST /experiments", h.action(h.createExperiment))
	mux.HandleFunc("POST /experiments/{id}/rename", h.action(h.renameExperiment))
	mux.HandleFunc("POST /experiments/{id}/delete", h.action(h.deleteExperiment))
	mux.HandleFunc("POST /experiments/{id}/restore", h.action(h.restoreExperiment))
	mux.HandleFunc("GET /experiments/{id}", h.page(h.runsPage))

	mux.HandleFunc("GET /runs/{id}", h.page(h.runPage))
	mux.HandleFunc("GET /runs/{id}/artifacts", h.page(h.artifactsPage))
	mux.HandleFunc("GET /runs/{id}/download", h.download)
	mux.HandleFunc("GET /sandbox/runs/{id}/{path...}", h.sandboxed)
	mux.HandleFunc("GET /compare", h.page(h.comparePage))
	mux.HandleFunc("GET /ui-data/series", h.series)

	mux.HandleFunc("GET /models", h.page(h.modelsPage))
	mux.HandleFunc("GET /model", h.page(h.modelPage))
	mux.HandleFunc("POST /model/description", h.action(h.setModelDescription))
	mux.HandleFunc("POST /model/alias", h.action(h.setModelAlias))
	mux.HandleFunc("GET /model/version", h.page(h.versionPage))
	mux.HandleFunc("GET /model/monitoring", h.page(h.monitoringPage))
	mux.HandleFunc("GET /login", h.page(h.loginPage))
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logoutAction)
	mux.HandleFunc("GET /admin", h.page(h.adminPage))
	mux.HandleFunc("POST /admin/users", h.action(h.adminCreateUser))
	mux.HandleFunc("POST /admin/users/{name}/admin", h.action(h.adminSetAdmin))
	mux.HandleFunc("POST /admin/users/{name}/delete", h.action(h.adminDeleteUser))
	mux.HandleFunc("POST /admin/grants", h.action(h.adminGrant))

	mux.HandleFunc("GET /experiments/{id}/traces", h.page(h.tracesPage))
	mux.HandleFunc("GET /traces/{id}", h.page(h.tracePage))
	mux.HandleFunc("GET /ui-data/span", h.spanFragment)

	mux.HandleFunc("/", h.page(h.notFound))
	return mux
}
