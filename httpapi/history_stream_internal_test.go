package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// endlessHistory is a historyStreamer whose history never ends: it stops
// only when fn fails, and counts the points it handed out.
type endlessHistory struct{ n int }

func (h *endlessHistory) EachMetricHistory(ctx context.Context, q tracking.MetricHistoryQuery, fn func(*tracking.Metric) error) (string, error) {
	m := tracking.Metric{Key: q.Key, RunID: q.RunID, Value: 0.5}
	for {
		h.n++
		m.Step = int64(h.n)
		if err := fn(&m); err != nil {
			return "", err
		}
	}
}

// brokenWriter is a client that went away: every write fails.
type brokenWriter struct{ *httptest.ResponseRecorder }

var errGone = errors.New("client gone")

func (brokenWriter) Write([]byte) (int, error) { return 0, errGone }

// TestStreamMetricHistoryStopsWhenClientGoes checks that when sending
// fails, the read stops soon after and the handler returns the write's
// error instead of waiting for ever on its writer goroutine.
func TestStreamMetricHistoryStopsWhenClientGoes(t *testing.T) {
	w := getWriter()
	defer putWriter(w)
	w.out = brokenWriter{httptest.NewRecorder()}
	h := &endlessHistory{}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	err := streamMetricHistory(w, r, h, tracking.MetricHistoryQuery{RunID: "r", Key: "loss"})
	if !errors.Is(err, errGone) {
		t.Errorf("got error %v, want %v", err, errGone)
	}
	// The writer fails on its first chunk; the reader may be a few
	// batches ahead by then, not more.
	if limit := 8 * historyBatch; h.n > limit {
		t.Errorf("got %d points read after the client went, want at most %d", h.n, limit)
	}
}
