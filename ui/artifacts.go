package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
	"github.com/weir-ml/weir/tracking"
)

// previewLimit bounds how much of a file a preview reads.
const previewLimit = 256 << 10

// csvRows bounds the rows a CSV preview shows.
const csvRows = 200

// artifactsData is the artifact browser: one directory and, when a file is
// selected, its preview.
type artifactsData struct {
	Run     *tracking.Run
	Name    string
	Dir     string
	Parents []crumb
	Entries []artifact.FileInfo
	File    string
	Preview *preview
	Problem string // why artifacts cannot be browsed
}

// preview is a file's preview; Kind says which fields are set.
type preview struct {
	Kind      string // text, json, csv, image, html, mlmodel, none
	Text      string
	Truncated bool
	Header    []string
	Rows      [][]string
	Model     *mlmodelView
	RawURL    string
	FrameURL  string
	Size      int64
}

// runArtifactRoot finds a run's artifact root inside h.Artifacts. Only
// proxied URIs (mlflow-artifacts:) are read: like the API, the UI never
// reads arbitrary paths of the server's file system.
func (h *Handler) runArtifactRoot(run *tracking.Run) (string, error) {
	if h.Artifacts == nil {
		return "", weir.Errorf(weir.ErrFeatureDisabled, "This server does not serve artifacts.")
	}
	u, err := url.Parse(run.Info.ArtifactURI)
	if err != nil || u.Scheme != "mlflow-artifacts" {
		return "", weir.Errorf(weir.ErrInvalidParameterValue,
			"The artifacts at %s are not served by this server; read them from their storage directly.", run.Info.ArtifactURI)
	}
	return artifact.CleanPath(strings.Trim(u.Path, "/"))
}

func (h *Handler) artifactsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	run, err := h.Tracking.GetRun(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &artifactsData{Run: run, Name: runName(run)}
	v := &view{Template: "artifacts", Title: "Artifacts", Data: d, Crumbs: []crumb{
		{"Experiments", "/experiments"}, {"Run " + d.Name, "/runs/" + run.Info.RunID}}}
	root, err := h.runArtifactRoot(run)
	if err != nil {
		d.Problem = weir.ErrorMessage(err)
		return v, nil
	}
	rel, err := artifact.CleanPath(r.URL.Query().Get("path"))
	if err != nil {
		return nil, err
	}
	entries, err := h.Artifacts.List(ctx, joinPath(root, rel))
	if err != nil {
		return nil, err
	}
	d.Dir = rel
	// A file lists as nothing or as itself, depending on the store.
	isFile := len(entries) == 0 || (len(entries) == 1 && !entries[0].IsDir && entries[0].Path == joinPath(root, rel))
	if isFile && rel != "" {
		d.File, d.Dir = rel, parentDir(rel)
		if entries, err = h.Artifacts.List(ctx, joinPath(root, d.Dir)); err != nil {
			return nil, err
		}
		if d.Preview, err = h.preview(ctx, run.Info.RunID, root, rel, entries); err != nil {
			return nil, err
		}
	}
	for _, e := range entries {
		e.Path = strings.TrimPrefix(strings.TrimPrefix(e.Path, root), "/")
		d.Entries = append(d.Entries, e)
	}
	d.Parents = append(d.Parents, crumb{"artifacts", "/runs/" + run.Info.RunID + "/artifacts"})
	if d.Dir != "" {
		parts := strings.Split(d.Dir, "/")
		for i := range parts {
			d.Parents = append(d.Parents, crumb{parts[i], "/runs/" + run.Info.RunID + "/artifacts?path=" + url.QueryEscape(strings.Join(parts[:i+1], "/"))})
		}
	}
	return v, nil
}

func (h *Handler) preview(ctx context.Context, runID, root, rel string, siblings []artifact.FileInfo) (*preview, error) {
	p := &preview{RawURL: "/runs/" + runID + "/download?path=" + url.QueryEscape(rel)}
	for _, e := range siblings {
		if strings.TrimPrefix(strings.TrimPrefix(e.Path, root), "/") == rel {
			p.Size = e.Size
		}
	}
	name := path.Base(rel)
	ext := strings.ToLower(path.Ext(name))
	switch {
	case isImage(ext):
		p.Kind = "image"
		p.RawURL += "&inline=1"
		return p, nil
	case ext == ".html" || ext == ".htm":
		p.Kind = "html"
		p.FrameURL = "/sandbox/runs/" + runID + "/" + escapePath(rel)
		return p, nil
	}
	rc, err := h.Artifacts.Open(ctx, joinPath(root, rel))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, previewLimit+1))
	if err != nil {
		return nil, err
	}
	p.Truncated = len(b) > previewLimit
	b = b[:min(len(b), previewLimit)]
	switch {
	case name == "MLmodel":
		p.Kind, p.Text = "mlmodel", string(b)
		p.Model = parseMLmodel(b) // nil when it does not parse: the text still shows
	case ext == ".json" && !p.Truncated:
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") == nil {
			p.Kind, p.Text = "json", out.String()
		} else {
			p.Kind, p.Text = "text", string(b)
		}
	case ext == ".csv" || ext == ".tsv":
		p.Kind = "csv"
		p.Header, p.Rows = readCSV(b, ext == ".tsv")
	case isText(b):
		p.Kind, p.Text = "text", string(b)
	default:
		p.Kind = "none"
	}
	return p, nil
}

func readCSV(b []byte, tabs bool) ([]string, [][]string) {
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	if tabs {
		cr.Comma = '\t'
	}
	var header []string
	var rows [][]string
	for len(rows) < csvRows {
		rec, err := cr.Read()
		if err != nil {
			break // the end, or a row cut by the preview limit
		}
		if header == nil {
			header = rec
			continue
		}
		rows = append(rows, rec)
	}
	return header, rows
}

func isImage(ext string) bool {
	switch ext {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg":
		return true
	}
	return false
}

// isText reports whether b looks like UTF-8 text rather than binary.
func isText(b []byte) bool {
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	ct := http.DetectContentType(b)
	return strings.HasPrefix(ct, "text/") || len(b) == 0
}

// download sends an artifact file as an attachment, or inline for images
// (?inline=1), always under a sandboxing policy so that nothing a run
// logged can run script in the UI's origin.
func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	h.sendArtifact(w, r, r.URL.Query().Get("path"), false)
}

// sandboxed serves an HTML artifact for the preview frame: a separate path,
// a CSP sandbox without scripts, and no access to the UI's origin.
func (h *Handler) sandboxed(w http.ResponseWriter, r *http.Request) {
	h.sendArtifact(w, r, r.PathValue("path"), true)
}

const sandboxCSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; frame-ancestors 'self'"

func (h *Handler) sendArtifact(w http.ResponseWriter, r *http.Request, p string, html bool) {
	ctx := r.Context()
	run, err := h.Tracking.GetRun(ctx, r.PathValue("id"))
	if err != nil {
		writeJSONError(w, err)
		return
	}
	root, err := h.runArtifactRoot(run)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	rel, err := artifact.CleanPath(p)
	if err != nil || rel == "" {
		writeJSONError(w, weir.Errorf(weir.ErrInvalidParameterValue, "Invalid artifact path %q.", p))
		return
	}
	rc, err := h.Artifacts.Open(ctx, joinPath(root, rel))
	if err != nil {
		writeJSONError(w, err)
		return
	}
	defer rc.Close()
	hd := w.Header()
	hd.Set("Content-Security-Policy", sandboxCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	ext := strings.ToLower(path.Ext(rel))
	ct := mime.TypeByExtension(ext)
	switch {
	case html && (ext == ".html" || ext == ".htm"):
		ct = "text/html; charset=utf-8"
	case r.URL.Query().Get("inline") == "1" && isImage(ext):
	default:
		if ct == "" || strings.HasPrefix(ct, "text/html") {
			ct = "application/octet-stream"
		}
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(rel)}))
	}
	hd.Set("Content-Type", ct)
	io.Copy(w, rc)
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "/" + b
}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// escapePath escapes each element of a slash-separated path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
