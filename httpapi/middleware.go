package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/weir-ml/weir"
)

// middleware wraps every request: it refuses foreign hosts and cross-site
// writes, bounds the body, turns panics into a 500 JSON error and writes a
// debug-level access log line.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		// Host, CORS and cross-site checks, then the body's size, memory
		// and time limits (security_*.go, limits_body.go).
		done, ok := func() {}, s.guard(rec, r)
		if ok {
			done, ok = s.limitBody(rec, r)
		}
		defer func() {
			if done != nil {
				done()
			}
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.logger().Error("panic in handler", "method", r.Method, "path", r.URL.Path,
					"panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.writeError(rec, r, weir.Errorf(weir.ErrInternal, "Internal error."))
				}
			}
			if log := s.logger(); log.Enabled(r.Context(), slog.LevelDebug) {
				log.LogAttrs(r.Context(), slog.LevelDebug, "request",
					slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", rec.code()), slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", time.Since(start)))
			}
		}()
		if ok {
			next.ServeHTTP(rec, r)
		}
	})
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// statusRecorder remembers the status and size of a response for the
// access log and for knowing whether a panic can still be reported.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// apiFunc is a JSON endpoint: it writes the response object into w, or
// leaves w empty for MLflow's empty response {}, or returns an error.
type apiFunc func(w *jsonWriter, r *http.Request) error

// api adapts an apiFunc to net/http, writing the response or the error.
func (s *Server) api(fn apiFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		w := getWriter()
		defer putWriter(w)
		w.out = rw
		err := fn(w, r)
		if w.started {
			// Part of a streamed answer is out: an error can no longer
			// become an error answer, so the connection is cut, which the
			// client sees as a broken response, never a short valid one.
			if err != nil && w.outErr == nil {
				s.logger().Error("streamed answer failed", "method", r.Method, "path", r.URL.Path, "err", err)
				panic(http.ErrAbortHandler)
			}
			rw.Write(w.b)
			return
		}
		if err != nil {
			s.writeError(rw, r, err)
			return
		}
		if len(w.b) == 0 {
			w.b = append(w.b, '{', '}')
		}
		h := rw.Header()
		h["Content-Type"] = jsonContentType
		h["Content-Length"] = []string{strconv.Itoa(len(w.b))}
		rw.WriteHeader(http.StatusOK)
		rw.Write(w.b)
	}
}

var jsonContentType = []string{"application/json"}

// writeError sends err as MLflow's error JSON. Only *weir.Error messages
// reach the caller; anything else is logged and reported as INTERNAL_ERROR.
func (s *Server) writeError(rw http.ResponseWriter, r *http.Request, err error) {
	code, msg := weir.ErrorCode(err), weir.ErrorMessage(err)
	var werr *weir.Error
	switch {
	case errors.As(err, &werr):
		if code == weir.ErrInternal {
			s.logger().Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		s.logger().Debug("request canceled by client", "method", r.Method, "path", r.URL.Path)
	default:
		s.logger().Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	body := appendErrorJSON(nil, code, msg)
	h := rw.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	rw.WriteHeader(StatusCode(code))
	rw.Write(body)
}
