package ui

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/auth"
)

// pageTemplate is the layout parsed together with one page's template.
type pageTemplate = template.Template

// view is what a page handler returns: the template to render and its data.
type view struct {
	Template string // file name under templates/, without .html
	Title    string
	Crumbs   []crumb // breadcrumb trail before Title
	Data     any
	Status   int // 0 means 200
	Scripts  []string
	// User is the logged-in user when the server requires one (set by
	// render), for the header's name, admin link and logout button.
	User *auth.User
}

// crumb is one link of the breadcrumb trail.
type crumb struct {
	Name string
	URL  string
}

// pageFunc builds a view, or fails with an error whose *weir.Error code
// decides the status shown.
type pageFunc func(w http.ResponseWriter, r *http.Request) (*view, error)

// pageNames are the templates in templates/ that are whole pages.
var pageNames = []string{"experiments", "runs", "run", "artifacts", "compare", "models", "model", "monitoring", "error", "login", "admin"}

func mustParsePages() map[string]*pageTemplate {
	pages := map[string]*pageTemplate{}
	for _, name := range pageNames {
		t := template.New("layout.html").Funcs(funcs)
		t = template.Must(t.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
		pages[name] = t
	}
	return pages
}

// bufPool keeps page buffers: a page is rendered whole before any byte is
// sent, so a template error becomes an error page instead of half a page.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page adapts a pageFunc to net/http.
func (h *Handler) page(fn pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := fn(w, r)
		if err != nil {
			v = h.errorView(r, err)
		}
		if v == nil { // the page function answered itself (a redirect)
			return
		}
		h.render(w, r, v)
	}
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *view) {
	t, ok := h.pages[v.Template]
	if !ok {
		h.Logger.Error("ui: no such page template", "template", v.Template)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	v.User = auth.UserFrom(r.Context())
	if err := t.Execute(buf, v); err != nil {
		h.Logger.Error("ui: render", "template", v.Template, "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	setPageHeaders(hd)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(buf.Len()))
	status := v.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// pageCSP allows only the UI's own scripts, styles and frames: no inline
// script, so an escaping mistake cannot become script execution.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

func setPageHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", pageCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
}

// errorView turns an error into the error page; only *weir.Error messages
// are shown, anything else is logged and reported generically.
func (h *Handler) errorView(r *http.Request, err error) *view {
	code := weir.ErrorCode(err)
	status := http.StatusInternalServerError
	switch code {
	case weir.ErrResourceDoesNotExist, weir.ErrEndpointNotFound:
		status = http.StatusNotFound
	case weir.ErrInvalidParameterValue, weir.ErrBadRequest, weir.ErrInvalidState, weir.ErrResourceAlreadyExists:
		status = http.StatusBadRequest
	case weir.ErrPermissionDenied:
		status = http.StatusForbidden
	}
	if status == http.StatusInternalServerError {
		h.Logger.Error("ui: page failed", "path", r.URL.Path, "err", err)
	}
	return &view{
		Template: "error",
		Title:    http.StatusText(status),
		Status:   status,
		Data:     struct{ Code, Message string }{code, weir.ErrorMessage(err)},
	}
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) (*view, error) {
	return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "There is no page at %s.", r.URL.Path)
}

// actionFunc performs a POSTed change and returns where to go next.
type actionFunc func(r *http.Request) (redirect string, err error)

// action adapts a form handler: it refuses cross-site posts (the UI has no
// session cookie of its own, but a server behind a proxy's login may), then
// redirects so that reloading the page does not repeat the change.
func (h *Handler) action(fn actionFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		same := sameOrigin
		if h.SameOrigin != nil {
			same = h.SameOrigin
		}
		if !same(r) {
			h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrPermissionDenied, "Cross-site form posts are refused.")))
			return
		}
		if err := r.ParseForm(); err != nil {
			h.render(w, r, h.errorView(r, weir.Errorf(weir.ErrBadRequest, "The form could not be read.")))
			return
		}
		to, err := fn(r)
		if err != nil {
			h.render(w, r, h.errorView(r, err))
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

// sameOrigin accepts a request whose Sec-Fetch-Site or Origin says it
// came from this host; requests from non-browser clients carry neither.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// assetHandler serves the embedded CSS and JavaScript. They change only
// with the binary, so browsers may keep them for an hour.
func assetHandler(static fs.FS) http.Handler {
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
