package httpapi

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// sendFile streams the file at path p of store as an attachment, so that
// browsers never render artifact content on the server's origin, with a
// Content-Type guessed from its name and sniffing disabled. The body is
// copied in small chunks: a large model never sits in memory.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, store artifact.Store, p string) {
	if p == "" {
		s.writeError(w, r, weir.Errorf(weir.ErrInvalidParameterValue, "Artifact path refers to a directory, not a file: ''"))
		return
	}
	rc, err := store.Open(r.Context(), p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = weir.Errorf(weir.ErrResourceDoesNotExist, "Artifact %q does not exist.", p)
		}
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	name := path.Base(p)
	h := w.Header()
	h.Set("Content-Type", guessContentType(name))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	// A local file also answers Range and conditional requests, as
	// MLflow's file responses do.
	if f, ok := rc.(interface {
		io.ReadSeeker
		Stat() (fs.FileInfo, error)
	}); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			http.ServeContent(w, r, name, info.ModTime(), f)
			return
		}
	}
	// Other stores (S3) may know the length.
	if sz, ok := rc.(interface{ Size() int64 }); ok && sz.Size() >= 0 {
		h.Set("Content-Length", strconv.FormatInt(sz.Size(), 10))
	}
	if _, err := io.Copy(w, rc); err != nil {
		s.logger().Debug("artifact download interrupted", "path", p, "err", err)
	}
}

// guessContentType maps a file name to a media type as MLflow's server
// does: text formats that browsers would otherwise render or execute (JSON,
// JavaScript, notebooks, YAML, MLmodel, ...) are plain text, the rest goes
// by extension, and unknown types are octet-stream.
func guessContentType(name string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if ext == "" {
		ext = strings.ToLower(path.Base(name)) // MLmodel, MLproject, in any case
	}
	if textExtensions[ext] {
		return "text/plain" // as MLflow's server: no charset parameter
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// textExtensions are the extensions (or extension-less names) that MLflow
// serves as text/plain.
var textExtensions = map[string]bool{
	"txt": true, "log": true, "err": true, "cfg": true, "conf": true, "cnf": true, "cf": true,
	"ini": true, "properties": true, "prop": true, "hocon": true, "toml": true, "yaml": true,
	"yml": true, "xml": true, "json": true, "js": true, "py": true, "py3": true, "csv": true,
	"tsv": true, "md": true, "rst": true, "ipynb": true, "mlmodel": true, "mlproject": true,
}
