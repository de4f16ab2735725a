package serve

import (
	"bytes"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/weir-ml/weir"
)

// A scoring request costs memory several times its body: the body itself,
// the decoded cells (an interface value each, boxed numbers, and for the
// general JSON path a whole tree of maps, slices and numbers' text first)
// and the answer. The costs per JSON value below are upper bounds measured
// on the densest bodies (one-digit numbers: "[0,0,0]"), answer included, so
// that the memory budget holds whatever the body looks like:
//
//	dataframe_split fast path  23 B/value decoded  -> 96
//	text/csv                   65 B/value          -> 112
//	other JSON (tree)          109-122 B/value     -> 192
//	Open Inference Protocol    130 B/value         -> 192
//
// plus the body's size once more for the text of its strings, which
// decoding copies out of it.
const (
	labelsCost = 8 // per byte of a POST /labels body: the body and its map
	costSplit  = 96
	costCSV    = 112
	costTree   = 192
	costOIP    = 192
)

// memBudget bounds the memory that requests in flight may hold, summed
// over all of them.
type memBudget struct {
	limit int64
	used  atomic.Int64
}

// reservation is one request's share of the budget; release returns it.
type reservation struct {
	b    *memBudget
	held int64
}

// budgetError refuses a request whose cost does not fit: 413 when it could
// never fit, 429 when requests in flight hold the rest.
type budgetError struct {
	status int
	need   int64
	limit  int64
}

func (e *budgetError) Error() string {
	if e.status == http.StatusRequestEntityTooLarge {
		return fmt.Sprintf("The request needs about %s of memory to decode and score, more than the server's memory budget of %s (--memory-budget); send fewer rows per request",
			mib(e.need), mib(e.limit))
	}
	return "The server's memory budget for requests in flight is in use; retry later"
}

func mib(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// take adds n bytes to the reservation, or refuses them.
func (r *reservation) take(n int64) error {
	if r == nil || r.b == nil || n <= 0 {
		return nil
	}
	if r.held+n > r.b.limit {
		return &budgetError{http.StatusRequestEntityTooLarge, r.held + n, r.b.limit}
	}
	if r.b.used.Add(n) > r.b.limit {
		r.b.used.Add(-n)
		return &budgetError{http.StatusTooManyRequests, r.held + n, r.b.limit}
	}
	r.held += n
	return nil
}

// release gives the reservation back.
func (r *reservation) release() {
	if r != nil && r.b != nil && r.held > 0 {
		r.b.used.Add(-r.held)
		r.held = 0
	}
}

// countThreshold is the body size above which the values are counted;
// below it every byte is taken for a value, which costs no scan and at
// most a few MiB of budget.
const countThreshold = 16 << 10

// valueBound bounds the number of values in a JSON or CSV body: every
// value but the first follows a comma, opens an array or object, or (CSV)
// starts a line.
func valueBound(body []byte, csv bool) int64 {
	if len(body) < countThreshold {
		return int64(len(body)) + 1
	}
	n := bytes.Count(body, []byte{','}) + 1
	if csv {
		return int64(n + bytes.Count(body, []byte{'\n'}))
	}
	return int64(n + bytes.Count(body, []byte{'['}) + bytes.Count(body, []byte{'{'}))
}

// budgetFailure turns a budget error into an answer.
func budgetFailure(e *budgetError) failure {
	if e.status == http.StatusTooManyRequests {
		return failure{e.status, weir.ErrResourceExhausted, e.Error()}
	}
	return failure{e.status, weir.ErrInvalidParameterValue, e.Error()}
}
