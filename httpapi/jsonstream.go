package httpapi

import "net/http"

// streamChunk is how much of a streamed answer is buffered before it is
// sent: large enough that writes are few, small enough that the first bytes
// leave early and memory stays flat however long the answer.
const streamChunk = 64 << 10

// flushFull sends the buffered part of the answer once it reaches
// streamChunk, and reports the first write error, after which the handler
// should stop producing.
func (w *jsonWriter) flushFull() error {
	if len(w.b) < streamChunk {
		return w.outErr
	}
	return w.flush()
}

// flush sends what is buffered as the next piece of a 200 answer, without a
// Content-Length (net/http then uses chunked encoding). Without out, as for
// writers not made by Server.api, it keeps buffering.
func (w *jsonWriter) flush() error {
	if w.out == nil || w.outErr != nil {
		return w.outErr
	}
	if !w.started {
		w.started = true
		w.out.Header()["Content-Type"] = jsonContentType
		w.out.WriteHeader(http.StatusOK)
	}
	if _, err := w.out.Write(w.b); err != nil {
		w.outErr = err
	}
	w.b = w.b[:0]
	return w.outErr
}
