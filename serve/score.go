package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-ml/weir"
)

// work turns a request body into a response body with model m, appending
// it to out (an empty buffer kept from earlier requests) when it can. It
// takes what decoding and scoring will cost from res before it decodes.
type work func(m *served, body []byte, requestID string, out []byte, res *reservation) ([]byte, error)

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// respBuf keeps a response body's buffer for the next request: a 100-row
// answer is 6 KB, otherwise garbage after every request.
type respBuf struct{ b []byte }

var respPool = sync.Pool{New: func() any { return new(respBuf) }}

// maxKeptResponse bounds the buffers kept, so one huge answer does not
// stay in memory.
const maxKeptResponse = 1 << 20

// score runs one scoring request: concurrency limit, body limit, timeout,
// then fn; errors are answered in MLflow's JSON or, when oip, the Open
// Inference Protocol's.
func (s *Server) score(w http.ResponseWriter, r *http.Request, oip bool, fn work) {
	start := time.Now()
	fail := func(f failure) {
		if oip {
			writeOIPError(w, f.status, f.msg)
		} else {
			writeMLflowError(w, f.status, f.code, f.msg)
		}
	}
	s.Metrics.inflight.Add(1)
	defer s.Metrics.inflight.Add(-1)
	if f, ok := s.acquire(r, start); !ok {
		if f.status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		if f.status != 0 {
			fail(f)
		}
		return
	}
	defer func() { <-s.slots }()

	id := requestID(r)
	w.Header().Set("X-Request-Id", id)
	deadline := start.Add(s.RequestTimeout)
	res := &reservation{b: s.budget}
	defer res.release()
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	if f, ok := s.readBody(w, r, buf, deadline, res); !ok {
		putBody(buf)
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		fail(f)
		return
	}
	m := s.current.Load()
	// fn runs on this goroutine (a hand-off to another one costs more than
	// scoring a row); if the deadline passes first, the timer answers 504
	// and this goroutine drops fn's answer when it comes.
	var g answerGuard
	timer := time.AfterFunc(time.Until(deadline), func() {
		if g.claim() {
			s.Metrics.timeouts.Add(1)
			// The connection stays busy until fn returns; a client must
			// not send its next request on it.
			w.Header().Set("Connection", "close")
			fail(failure{http.StatusGatewayTimeout, weir.ErrDeadlineExceeded, msgTimeout})
			_ = http.NewResponseController(w).Flush()
			g.release()
		}
	})
	rb := respPool.Get().(*respBuf)
	b, err := fn(m, buf.Bytes(), id, rb.b[:0], res)
	putBody(buf)
	timer.Stop()
	if !g.claim() {
		g.wait() // the 504 is being written; w must outlive it
		return
	}
	if err != nil {
		f, internal := classify(err)
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		if internal {
			s.Logger.Error("scoring failed", "request_id", id, "model", m.Name, "version", m.Version, "err", err)
		}
		fail(f)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b) // copies b: the ResponseWriter keeps none of it
	if cap(b) <= maxKeptResponse {
		rb.b = b[:0]
		respPool.Put(rb)
	}
}

// answerGuard lets exactly one of the handler and its timeout timer write
// the response.
type answerGuard struct {
	mu      sync.Mutex
	claimed bool
	written chan struct{}
}

// claim reports whether the caller may answer; only the first caller may.
func (g *answerGuard) claim() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.claimed {
		return false
	}
	g.claimed = true
	g.written = make(chan struct{})
	return true
}

// release says the claimer has finished writing.
func (g *answerGuard) release() { close(g.written) }

// wait waits until the claimer has finished writing.
func (g *answerGuard) wait() {
	g.mu.Lock()
	ch := g.written
	g.mu.Unlock()
	<-ch
}

// acquire takes a scoring slot. When all are busy the request queues if
// fewer than MaxQueue already wait, else it is refused with 503 at once. A
// zero failure with !ok means the client left while queued.
func (s *Server) acquire(r *http.Request, start time.Time) (failure, bool) {
	select {
	case s.slots <- struct{}{}:
		return failure{}, true
	default:
	}
	if s.waiting.Add(1) > int64(s.MaxQueue) {
		s.waiting.Add(-1)
		s.Metrics.rejected.Add(1)
		return failure{http.StatusServiceUnavailable, weir.ErrTemporarilyUnavailable, msgOverload}, false
	}
	defer s.waiting.Add(-1)
	timer := time.NewTimer(time.Until(start.Add(s.RequestTimeout)))
	defer timer.Stop()
	select {
	case s.slots <- struct{}{}:
		return failure{}, true
	case <-timer.C:
		s.Metrics.timeouts.Add(1)
		return failure{http.StatusGatewayTimeout, weir.ErrDeadlineExceeded, msgTimeout}, false
	case <-r.Context().Done():
		return failure{}, false
	}
}

// maxKeptBody bounds the body buffers kept for later requests, so that a
// large body's memory goes back to the heap with the request.
const maxKeptBody = 1 << 20

func putBody(buf *bytes.Buffer) {
	if buf.Cap() <= maxKeptBody {
		bodyPool.Put(buf)
	}
}

// readBody reads the whole body into buf within the deadline, the body
// limit and the memory budget: a body of known length is reserved before
// it is read, one of unknown length as it grows (twice its size, since
// its buffer doubles).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, deadline time.Time, res *reservation) (failure, bool) {
	tooLarge := failure{http.StatusRequestEntityTooLarge, weir.ErrInvalidParameterValue,
		"Request body is larger than the server's limit of " + strconv.FormatInt(s.MaxBodyBytes, 10) + " bytes"}
	if r.ContentLength > s.MaxBodyBytes {
		return tooLarge, false
	}
	// Not every ResponseWriter supports deadlines (httptest's does not);
	// the timer in score still bounds the answer.
	_ = http.NewResponseController(w).SetReadDeadline(deadline)
	var body io.Reader = http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
	if r.ContentLength > 0 {
		if err := res.take(r.ContentLength + bytes.MinRead); err != nil {
			return budgetFailure(err.(*budgetError)), false
		}
		// ReadFrom wants MinRead bytes free to see the end of the body;
		// without them a body that fills buf exactly makes it double.
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	} else {
		body = &budgetReader{r: body, res: res}
	}
	_, err := buf.ReadFrom(body)
	var mbe *http.MaxBytesError
	var be *budgetError
	switch {
	case err == nil:
		return failure{}, true
	case errors.As(err, &be):
		return budgetFailure(be), false
	case errors.As(err, &mbe):
		return tooLarge, false
	case time.Now().After(deadline):
		s.Metrics.timeouts.Add(1)
		return failure{http.StatusGatewayTimeout, weir.ErrDeadlineExceeded, msgTimeout}, false
	}
	return failure{http.StatusBadRequest, weir.ErrBadRequest, "Could not read the request body: " + err.Error()}, false
}

// predict scores rows with m (through the batcher when micro-batching is
// on), counts them and offers them to the inference log.
func (s *Server) predict(m *served, rows [][]any, requestID string) ([]Prediction, error) {
	return s.predictInto(m, rows, requestID, make([]Prediction, len(rows)))
}

// predictInto is predict with the predictions written to out, one per row.
func (s *Server) predictInto(m *served, rows [][]any, requestID string, out []Prediction) ([]Prediction, error) {
	if err := s.audit(m, rows, s.StrictCategories); err != nil {
		return nil, err
	}
	start := time.Now()
	if len(rows) > 0 {
		var err error
		if b := s.batch; b != nil {
			err = b.predict(m, rows, out)
		} else {
			err = m.Model.Predict(rows, out)
		}
		if err != nil {
			return nil, err
		}
	}
	s.Metrics.stage(stagePredict, time.Since(start))
	s.Metrics.rows.Add(uint64(len(rows)))
	if s.Drift != nil && len(rows) > 0 {
		s.Drift.offer(m, rows, out, requestID)
	}
	if s.InferenceLog != nil && len(rows) > 0 {
		s.InferenceLog.offer(&logEntry{requestID: requestID, time: start, model: m.Name, version: m.Version,
			cols: m.schema.cols, known: m.known, rows: rows, preds: out, output: m.Output})
	}
	return out, nil
}

// budgetReader takes factor times what it reads from a reservation
// (2 when 0: a buffer that doubles as it grows).
type budgetReader struct {
	r      io.Reader
	res    *reservation
	factor int64
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	f := b.factor
	if f == 0 {
		f = 2
	}
	if terr := b.res.take(f * int64(n)); terr != nil {
		return n, terr
	}
	return n, err
}

var (
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// requestID returns the caller's X-Request-Id when it is a sane token (so
// logs join with the caller's traces), else a new process-unique id.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 128 && printable(id) {
		return id
	}
	return newRequestID()
}

func newRequestID() string {
	return idPrefix + "-" + strconv.FormatUint(idCounter.Add(1), 10)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' {
			return false
		}
	}
	return true
}
