package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/weir-ml/weir/tracking"
)

// historyBatch is how many points the store's reader hands the JSON writer
// at a time: enough that the hand-over costs nothing per point, few enough
// that the first bytes leave early.
const historyBatch = 2048

// streamMetricHistory writes the same answer as GetMetricHistory's, but
// sends it in chunks while the points are read: a 100,000-point history is
// about 11 MB of JSON, which would otherwise be built in memory, and held as
// points before that, before its first byte left.
//
// Reading the store and writing JSON take about as long as each other for
// a long history, so they run side by side: this goroutine reads, another
// encodes and sends, and batches of points pass between them through a
// fixed set of buffers. On two idle cores a million points go out in the
// time of the read alone.
func streamMetricHistory(w *jsonWriter, r *http.Request, st historyStreamer, q tracking.MetricHistoryQuery) error {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	const buffers = 3
	full := make(chan []tracking.Metric, buffers)
	free := make(chan []tracking.Metric, buffers)
	for range buffers {
		free <- make([]tracking.Metric, 0, historyBatch)
	}
	type written struct {
		n   int
		err error
	}
	done := make(chan written, 1)

	w.openObject()
	// The writer owns w until it sends on done; it always drains full and
	// gives every buffer back, so the reader never waits on it for ever.
	go func() {
		var res written
		var enc historyEncoder
		for b := range full {
			if res.err == nil {
				res.n, res.err = writeHistoryPoints(w, &enc, b, res.n)
				if res.err != nil {
					cancel() // stops the read: the client is gone
				}
			}
			free <- b[:0]
		}
		done <- res
	}()

	batch := <-free
	next, err := st.EachMetricHistory(ctx, q, func(m *tracking.Metric) error {
		batch = append(batch, *m)
		if len(batch) < historyBatch {
			return nil
		}
		full <- batch
		batch = <-free
		return ctx.Err()
	})
	if len(batch) > 0 && err == nil {
		full <- batch
	}
	close(full)
	res := <-done
	if res.err != nil {
		return res.err
	}
	if err != nil {
		return err
	}
	if res.n > 0 {
		w.closeArray()
	}
	w.optStringField("next_page_token", next)
	w.closeObject()
	return nil
}

// writeHistoryPoints writes points to w's "metrics" array, opening it
// before the first (an empty history has none, as in MLflow), n points
// having been written before, and sends what has filled a chunk.
func writeHistoryPoints(w *jsonWriter, enc *historyEncoder, points []tracking.Metric, n int) (int, error) {
	for i := range points {
		if n == 0 {
			w.arrayField("metrics")
		}
		n++
		w.comma()
		w.b = enc.append(w.b, &points[i])
	}
	return n, w.flushFull()
}

// historyEncoder writes a point as jsonWriter.metric does, with the parts
// every point of one history shares (its key and run ID, escaped) made
// once: per point it only formats the numbers.
type historyEncoder struct {
	key, runID string
	head, tail []byte // {"key":...,"value":  and  ,"run_id":...}
	scratch    jsonWriter
}

// append appends m's JSON object to b.
func (e *historyEncoder) append(b []byte, m *tracking.Metric) []byte {
	if e.head == nil || m.Key != e.key || m.RunID != e.runID {
		e.key, e.runID = m.Key, m.RunID
		e.head = append(appendJSONString(append(e.head[:0], `{"key":`...), m.Key), `,"value":`...)
		e.tail = e.tail[:0]
		if m.RunID != "" {
			e.tail = appendJSONString(append(e.tail, `,"run_id":`...), m.RunID)
		}
	}
	b = append(b, e.head...)
	b = appendJSONFloat(b, m.Value)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, m.Timestamp, 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, m.Step, 10)
	if m.DatasetName != "" || m.DatasetDigest != "" || m.ModelID != "" {
		e.scratch.b, e.scratch.first = b, false
		e.scratch.optStringField("dataset_name", m.DatasetName)
		e.scratch.optStringField("dataset_digest", m.DatasetDigest)
		e.scratch.optStringField("model_id", m.ModelID)
		b, e.scratch.b = e.scratch.b, nil
	}
	b = append(b, e.tail...)
	return append(b, '}')
}
