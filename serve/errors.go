package serve

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/weir-ml/weir"
)

// writeMLflowError answers in MLflow's error JSON.
func writeMLflowError(w http.ResponseWriter, status int, code, msg string) {
	b := append([]byte(`{"error_code":`), appendString(nil, code)...)
	b = append(b, `,"message":`...)
	b = appendString(b, msg)
	b = append(b, '}')
	writeBody(w, status, b)
}

// writeOIPError answers in the Open Inference Protocol's error JSON.
func writeOIPError(w http.ResponseWriter, status int, msg string) {
	b := append([]byte(`{"error":`), appendString(nil, msg)...)
	b = append(b, '}')
	writeBody(w, status, b)
}

// writeBody writes a JSON answer with its length, so that a client has the
// whole answer even while the handler is still running (a timeout's 504).
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// failure is an error answer: status, MLflow code and safe message.
type failure struct {
	status int
	code   string
	msg    string
}

// Messages of the answers the server gives on its own behalf.
const (
	msgTimeout   = "Request processing time exceeded limit"
	msgOverload  = "The server is at its concurrency limit; retry later"
	msgModelFail = "Encountered an unexpected error while evaluating the model. Verify that the input is compatible with the model for inference."
)

// classify turns a scoring error into an answer. Input errors carry their
// message; a model's *weir.Error is its safe message; anything else is
// logged by the caller and answered with a generic message.
func classify(err error) (f failure, internal bool) {
	var be *budgetError
	if errors.As(err, &be) {
		return budgetFailure(be), false
	}
	var ie *inputError
	if errors.As(err, &ie) {
		return failure{http.StatusBadRequest, ie.code, ie.msg}, false
	}
	var we *weir.Error
	if errors.As(err, &we) {
		if we.Code == weir.ErrTemporarilyUnavailable {
			// A model's worker process died or timed out: retry later.
			return failure{http.StatusServiceUnavailable, we.Code, we.Message}, false
		}
		return failure{http.StatusBadRequest, we.Code, msgModelFail + " " + we.Message}, false
	}
	return failure{http.StatusBadRequest, weir.ErrBadRequest, msgModelFail}, true
}
