package httpapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weir-ml/weir"
)

// This file bounds what a request body may cost: a size cap per endpoint,
// a server-wide budget of body bytes held in memory at once, and a read
// timeout that closes a body that stops arriving.

// LogBatchMaxBytes caps a runs/log-batch body. The largest batch MLflow
// allows (100 params of 6000 characters, 100 tags of 8000, 800 metrics
// with 250-character keys) is under 20 MiB even with every character
// written as a JSON \u escape pair, as Python's json module writes
// characters outside the BMP.
const LogBatchMaxBytes = 24 << 20

// bodyCap returns the largest body an endpoint takes, 0 for none: artifact
// uploads stream to their store and are never held in memory.
func (s *Server) bodyCap(r *http.Request) int64 {
	p := r.URL.Path
	switch {
	case isArtifactUpload(r):
		return 0
	case p == "/ajax-api/2.0/mlflow/upload-artifact":
		return maxUIUpload
	case strings.HasSuffix(p, "/mlflow/runs/log-batch") && s.MaxBodyBytes > LogBatchMaxBytes:
		return LogBatchMaxBytes
	}
	return s.MaxBodyBytes
}

// budget counts the body bytes that requests hold in memory, server-wide.
type budget struct {
	max  int64
	used atomic.Int64
}

// take reserves n bytes, or reports false when that would pass max.
func (b *budget) take(n int64) bool {
	if b == nil || b.max <= 0 {
		return true
	}
	for {
		used := b.used.Load()
		if used+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

func (b *budget) give(n int64) {
	if b != nil && b.max > 0 && n > 0 {
		b.used.Add(-n)
	}
}

// budgetStep is how much more a body of unknown length reserves each time
// it outgrows its reservation.
const budgetStep = 256 << 10

// memPerByte is what a body byte held in memory is charged to the budget:
// the buffer it is read into, and what JSON decoding makes of it (a string
// field is copied at least twice on its way to the handler).
const memPerByte = 4

// errBusy is the answer when the memory budget is spent: MLflow's clients
// retry 503 with backoff.
var errBusy = weir.Errorf(weir.ErrTemporarilyUnavailable,
	"The server is busy: too many large requests are being read at once. Retry later.")

// limitedBody wraps a request body: it caps its size, charges the bytes it holds
// to the budget, and gives each read BodyReadTimeout to make progress.
type limitedBody struct {
	limit   int64 // 0: no cap
	rc      io.ReadCloser
	ctl     *http.ResponseController
	timeout time.Duration
	armed   time.Time     // when the read deadline was last pushed back
	budget  *budget       // nil for bodies not held in memory
	values  *valueCounter // nil for bodies that are not JSON
	read    int64
	charged int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.timeout > 0 {
		// Pushing the deadline back costs a timer update: once a second
		// is enough, since the timeout is many seconds.
		if now := time.Now(); now.Sub(b.armed) > time.Second {
			b.ctl.SetReadDeadline(now.Add(b.timeout))
			b.armed = now
		}
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.values != nil {
		if b.values.feed(p[:n]); b.values.n > maxJSONValues {
			return n, errTooManyValues
		}
	}
	if b.budget != nil && b.read*memPerByte > b.charged {
		more := max(b.read*memPerByte-b.charged, budgetStep)
		if !b.budget.take(more) {
			return n, errBusy
		}
		b.charged += more
	}
	switch {
	case err == io.EOF && b.timeout > 0:
		// Read in full: clear the deadline, or the server's watch for
		// the client going away would take it as a disconnect.
		b.ctl.SetReadDeadline(time.Time{})
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = weir.Errorf(weir.ErrBadRequest, "The request body stopped arriving: nothing came for %s.", b.timeout)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// limitBody wraps r.Body and returns the function that ends its accounting,
// or answers 503 and returns nil when the budget cannot take a body of the
// declared length.
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) (done func(), ok bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return func() {}, true
	}
	limit := s.bodyCap(r)
	b := &limitedBody{limit: limit, rc: r.Body, ctl: http.NewResponseController(w), timeout: s.BodyReadTimeout}
	if countsJSON(r) && (r.ContentLength < 0 || r.ContentLength >= countAbove) {
		// Declared smaller bodies cannot hold enough values to matter,
		// and a 1000-metric batch is not worth the scan.
		b.values = new(valueCounter)
	}
	if limit > 0 {
		b.budget = s.budget
		b.rc = http.MaxBytesReader(w, r.Body, limit)
		if r.ContentLength > limit {
			r.Body = b
			s.writeError(w, r, tooLarge(r, limit))
			return nil, false
		}
		if r.ContentLength > 0 {
			if !b.budget.take(r.ContentLength * memPerByte) {
				w.Header().Set("Retry-After", "1")
				s.writeError(w, r, errBusy)
				return nil, false
			}
			b.charged = r.ContentLength * memPerByte
		}
	}
	if b.timeout > 0 {
		now := time.Now()
		b.ctl.SetReadDeadline(now.Add(b.timeout))
		b.armed = now
	}
	r.Body = b
	return func() { b.budget.give(b.charged) }, true
}

// tooLarge is the answer to a body over its endpoint's limit.
func tooLarge(r *http.Request, limit int64) error {
	if r != nil && r.URL.Path == "/ajax-api/2.0/mlflow/upload-artifact" {
		return errUIUploadTooLarge
	}
	return weir.Errorf(weir.ErrBadRequest, "Request body is larger than the limit of %d bytes.", limit)
}

// sizeHint returns the length to reserve for reading r's body at once: its
// declared length when the cap vouches for it, else 0.
func sizeHint(r *http.Request) int {
	if b, ok := r.Body.(*limitedBody); ok && b.limit > 0 && r.ContentLength > 0 && r.ContentLength <= b.limit {
		return int(r.ContentLength)
	}
	return 0
}

// bodyError turns the error of reading a body into its answer: the size
// limit, the budget and the read timeout each say what happened.
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	var werr *weir.Error
	switch {
	case errors.As(err, &tooBig):
		return tooLarge(nil, tooBig.Limit)
	case errors.As(err, &werr):
		return err
	}
	return weir.Errorf(weir.ErrBadRequest, "Could not read the request body.")
}
