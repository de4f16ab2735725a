package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/artifact"
)

// MultipartStore is an artifact.Store that can also take one file in parts
// that the client sends straight to the storage through presigned URLs, as
// MLflow's client does for large files when
// MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is set. s3.Store implements it. For
// other stores the mpu endpoints answer MLflow's "not supported" error and
// the client falls back to a single streamed PUT.
type MultipartStore interface {
	artifact.Store
	// CreateMultipartUpload starts an upload to path and returns its id
	// and a presigned PUT URL per part: partURLs[i] takes part i+1.
	CreateMultipartUpload(ctx context.Context, path string, numParts int) (uploadID string, partURLs []string, err error)
	// CompleteMultipartUpload joins the parts, part number to ETag.
	CompleteMultipartUpload(ctx context.Context, path, uploadID string, etags map[int]string) error
	// AbortMultipartUpload discards the upload and its parts.
	AbortMultipartUpload(ctx context.Context, path, uploadID string) error
}

// PresignStore is an artifact.Store that can hand out a presigned download
// URL, for MLflow's MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD. s3.Store
// implements it.
type PresignStore interface {
	artifact.Store
	// PresignGet returns a URL that downloads path, and its size.
	PresignGet(ctx context.Context, path string) (url string, size int64, err error)
}

// mpuRequest is the body of the three mpu calls. Path is the client's
// local file path: only its base name counts, appended to the URL's
// directory, as MLflow's S3 repository does.
type mpuRequest struct {
	Path     str       `json:"path"`
	NumParts i64       `json:"num_parts"`
	UploadID str       `json:"upload_id"`
	Parts    []mpuPart `json:"parts"`
}

type mpuPart struct {
	PartNumber i64 `json:"part_number"`
	ETag       str `json:"etag"`
	URL        str `json:"url"`
}

// mpuTarget decodes an mpu request and returns it with the store path of
// the file it uploads.
func (s *Server) mpuTarget(r *http.Request) (*mpuRequest, string, error) {
	dir, err := artifact.CleanPath(r.PathValue("path"))
	if err != nil {
		return nil, "", err
	}
	var req mpuRequest
	if err := decode(r, &req); err != nil {
		return nil, "", err
	}
	var v validator
	local := v.reqStr("path", req.Path)
	if v.err != nil {
		return nil, "", v.err
	}
	// The client may run on Windows: either separator ends a directory.
	name := local[strings.LastIndexAny(local, `/\`)+1:]
	p, err := artifact.CleanPath(joinPath(dir, name))
	if err == nil && (name == "" || name == "." || name == "..") {
		err = weir.Errorf(weir.ErrInvalidParameterValue, "Invalid path: %q names no file.", local)
	}
	return &req, p, err
}

func (s *Server) mpuCreate(w *jsonWriter, r *http.Request) error {
	req, p, err := s.mpuTarget(r)
	if err != nil {
		return err
	}
	var v validator
	n := v.i64("num_parts", req.NumParts)
	if v.err != nil {
		return v.err
	}
	store, ok := s.Artifacts.(MultipartStore)
	if !ok {
		return s.proxyMultipart(w, r)
	}
	if n < 1 || n > 10000 {
		return weir.Errorf(weir.ErrInvalidParameterValue, "num_parts must be between 1 and 10000, got %d.", n)
	}
	id, urls, err := store.CreateMultipartUpload(r.Context(), p, int(n))
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("upload_id", id)
	w.arrayField("credentials")
	for i, u := range urls {
		w.element()
		w.stringField("url", u)
		w.intField("part_number", int64(i+1))
		w.objectField("headers")
		w.closeObject()
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
	return nil
}

func (s *Server) mpuComplete(w *jsonWriter, r *http.Request) error {
	req, p, err := s.mpuTarget(r)
	if err != nil {
		return err
	}
	var v validator
	id := v.str("upload_id", req.UploadID)
	if req.Parts == nil {
		v.missing("parts")
	}
	etags := make(map[int]string, len(req.Parts))
	for i, part := range req.Parts {
		v.itemI64("parts", i, "part_number", part.PartNumber)
		v.itemStr("parts", i, "etag", part.ETag)
		num := int(part.PartNumber.V)
		if _, dup := etags[num]; dup {
			v.fail("Part number " + strconv.Itoa(num) + " appears more than once.")
		}
		etags[num] = part.ETag.V
	}
	if v.err != nil {
		return v.err
	}
	store, ok := s.Artifacts.(MultipartStore)
	if !ok {
		return s.proxyMultipart(w, r)
	}
	return store.CompleteMultipartUpload(r.Context(), p, id, etags)
}

func (s *Server) mpuAbort(w *jsonWriter, r *http.Request) error {
	req, p, err := s.mpuTarget(r)
	if err != nil {
		return err
	}
	var v validator
	id := v.str("upload_id", req.UploadID)
	if v.err != nil {
		return v.err
	}
	store, ok := s.Artifacts.(MultipartStore)
	if !ok {
		return s.proxyMultipart(w, r)
	}
	return store.AbortMultipartUpload(r.Context(), p, id)
}

// presignedDownload answers GET /mlflow-artifacts/presigned/<path> with
// {url, headers, file_size}, or MLflow's "not supported" error, on which
// the client downloads through the server instead.
func (s *Server) presignedDownload(w *jsonWriter, r *http.Request) error {
	p, err := artifact.CleanPath(r.PathValue("path"))
	if err != nil {
		return err
	}
	store, ok := s.Artifacts.(PresignStore)
	if !ok {
		return weir.Errorf(weir.ErrUnsupported, "Multipart download is not supported for the current artifact repository")
	}
	url, size, err := store.PresignGet(r.Context(), p)
	if err != nil {
		return err
	}
	w.openObject()
	w.stringField("url", url)
	w.objectField("headers")
	w.closeObject()
	w.intField("file_size", size)
	w.closeObject()
	return nil
}

// multipartCapabilities says whether the proxied store takes presigned
// multipart uploads and hands out presigned downloads, for server-info: as
// in MLflow, clients then use them for large files without being told to.
func (s *Server) multipartCapabilities() (uploads, downloads bool) {
	if !s.ServeArtifacts || s.Artifacts == nil {
		return false, false
	}
	_, uploads = s.Artifacts.(MultipartStore)
	_, downloads = s.Artifacts.(PresignStore)
	return uploads, downloads
}
