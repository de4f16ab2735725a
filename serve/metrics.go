package serve

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBuckets start at 10 µs: a tree model scores a row in tens of
// microseconds, and the Prometheus client's default buckets (from 5 ms)
// would put every request in the first one.
var latencyBuckets = []float64{
	10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6,
	1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
	1, 2.5, 5, 10, 30, 60,
}

// histogram is a lock-free Prometheus histogram.
type histogram struct {
	counts []atomic.Uint64 // per bucket, not cumulative; last is +Inf
	sum    atomic.Uint64   // float64 bits
	count  atomic.Uint64
}

func newHistogram() *histogram {
	return &histogram{counts: make([]atomic.Uint64, len(latencyBuckets)+1)}
}

func (h *histogram) observe(d time.Duration) {
	v := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, v)
	h.counts[i].Add(1)
	h.count.Add(1)
	for {
		old := h.sum.Load()
		if h.sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

func (h *histogram) write(w io.Writer, name, labels string) {
	var cum uint64
	sep := ""
	if labels != "" {
		sep = ","
	}
	for i, b := range latencyBuckets {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{%s%sle=\"%s\"} %d\n", name, labels, sep, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += h.counts[len(latencyBuckets)].Load()
	fmt.Fprintf(w, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, labels, sep, cum)
	fmt.Fprintf(w, "%s_sum{%s} %s\n", name, labels, strconv.FormatFloat(math.Float64frombits(h.sum.Load()), 'g', -1, 64))
	fmt.Fprintf(w, "%s_count{%s} %d\n", name, labels, cum)
}

// Stages of a scoring request, timed separately so that users can see
// whether JSON or the model costs them time.
const (
	stageDecode  = "decode"
	stagePredict = "predict"
	stageEncode  = "encode"
)

// Metrics are the server's Prometheus metrics. Every label takes values from
// a fixed set (routes are the server's own patterns, codes are HTTP status
// codes, model and version change only on a swap), so cardinality stays
// bounded whatever callers send.
type Metrics struct {
	mu       sync.Mutex
	requests map[routeCode]uint64
	latency  map[string]*histogram // by route
	models   []modelLabel          // info gauge; the current one is 1

	stages         [3]*histogram // decode, predict, encode
	rows           atomic.Uint64
	inflight       atomic.Int64
	rejected       atomic.Uint64
	timeouts       atomic.Uint64
	swapsOK        atomic.Uint64
	swapsFailed    atomic.Uint64
	batches        atomic.Uint64
	logRows        atomic.Uint64
	logDropped     atomic.Uint64
	logWriteErrors atomic.Uint64
	pollHits       atomic.Uint64
	pollMisses     atomic.Uint64
	refusedHost    atomic.Uint64
	refusedToken   atomic.Uint64

	cols map[string]*columnCount // by input column name, under mu
}

// columns returns the counters of the columns of a model being installed,
// creating those not seen before; a column keeps its counters across
// model swaps.
func (m *Metrics) columns(cols []Column, known []map[string]struct{}) []*columnCount {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cols == nil {
		m.cols = map[string]*columnCount{}
	}
	out := make([]*columnCount, len(cols))
	for j, c := range cols {
		cc := m.cols[c.Name]
		if cc == nil {
			cc = &columnCount{}
			m.cols[c.Name] = cc
		}
		if known[j] != nil {
			cc.categorical = true
		}
		out[j] = cc
	}
	return out
}

// Imputed returns how many missing values column has had scored.
func (m *Metrics) Imputed(column string) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cc := m.cols[column]; cc != nil {
		return cc.imputed.Load()
	}
	return 0
}

// UnknownCategories returns how many values of column were categories the
// model was not fitted with.
func (m *Metrics) UnknownCategories(column string) uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cc := m.cols[column]; cc != nil {
		return cc.unknown.Load()
	}
	return 0
}

// refused counts a request the guard turned away: "host" or "token".
func (m *Metrics) refused(why string) {
	if why == "host" {
		m.refusedHost.Add(1)
	} else {
		m.refusedToken.Add(1)
	}
}

type routeCode struct {
	route string
	code  int
}

type modelLabel struct{ name, version string }

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	m := &Metrics{requests: map[routeCode]uint64{}, latency: map[string]*histogram{}}
	for i := range m.stages {
		m.stages[i] = newHistogram()
	}
	return m
}

func (m *Metrics) request(route string, code int, d time.Duration) {
	m.mu.Lock()
	m.requests[routeCode{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = newHistogram()
		m.latency[route] = h
	}
	m.mu.Unlock()
	h.observe(d)
}

func (m *Metrics) stage(name string, d time.Duration) {
	switch name {
	case stageDecode:
		m.stages[0].observe(d)
	case stagePredict:
		m.stages[1].observe(d)
	case stageEncode:
		m.stages[2].observe(d)
	}
}

// setModel records the model being served; earlier ones stay listed with
// value 0 so dashboards see the change, up to a few, to bound cardinality.
func (m *Metrics) setModel(name, version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := modelLabel{name, version}
	m.models = slices.DeleteFunc(m.models, func(x modelLabel) bool { return x == l })
	m.models = append(m.models, l)
	if len(m.models) > 5 {
		m.models = m.models[len(m.models)-5:]
	}
}

// LogDropped returns how many rows the inference log dropped because its
// queue was full.
func (m *Metrics) LogDropped() uint64 { return m.logDropped.Load() }

// RowsScored returns how many rows the server has scored.
func (m *Metrics) RowsScored() uint64 { return m.rows.Load() }

// Write writes the metrics in Prometheus' text exposition format.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	keys := make([]routeCode, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b routeCode) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	counts := make([]uint64, len(keys))
	for i, k := range keys {
		counts[i] = m.requests[k]
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	hists := make([]*histogram, len(routes))
	for i, r := range routes {
		hists[i] = m.latency[r]
	}
	models := slices.Clone(m.models)
	colNames := make([]string, 0, len(m.cols))
	for n := range m.cols {
		colNames = append(colNames, n)
	}
	slices.Sort(colNames)
	colCounts := make([]*columnCount, len(colNames))
	for i, n := range colNames {
		colCounts[i] = m.cols[n]
	}
	m.mu.Unlock()

	help(w, "weir_serve_requests_total", "counter", "HTTP requests by route and status code.")
	for i, k := range keys {
		fmt.Fprintf(w, "weir_serve_requests_total{route=\"%s\",code=\"%d\"} %d\n", label(k.route), k.code, counts[i])
	}
	help(w, "weir_serve_request_duration_seconds", "histogram", "Time from request received to response written, by route.")
	for i, r := range routes {
		hists[i].write(w, "weir_serve_request_duration_seconds", "route=\""+label(r)+"\"")
	}
	help(w, "weir_serve_stage_duration_seconds", "histogram", "Time spent per scoring stage: decode (body to rows), predict (model), encode (rows to response).")
	for i, s := range []string{stageDecode, stagePredict, stageEncode} {
		m.stages[i].write(w, "weir_serve_stage_duration_seconds", "stage=\""+s+"\"")
	}
	help(w, "weir_serve_model_info", "gauge", "The model being served (1) and the ones it replaced (0).")
	for i, l := range models {
		v := 0
		if i == len(models)-1 {
			v = 1
		}
		fmt.Fprintf(w, "weir_serve_model_info{model=\"%s\",version=\"%s\"} %d\n", label(l.name), label(l.version), v)
	}
	counter(w, "weir_serve_rows_scored_total", "Rows scored.", m.rows.Load())
	help(w, "weir_serve_inflight_requests", "gauge", "Scoring requests being processed or queued.")
	fmt.Fprintf(w, "weir_serve_inflight_requests %d\n", m.inflight.Load())
	counter(w, "weir_serve_rejected_total", "Scoring requests refused with 503 because the concurrency limit and queue were full.", m.rejected.Load())
	counter(w, "weir_serve_timeouts_total", "Scoring requests answered 504 after the request timeout.", m.timeouts.Load())
	counter(w, "weir_serve_batches_total", "Micro-batches scored (only with micro-batching on).", m.batches.Load())
	help(w, "weir_serve_model_swaps_total", "counter", "Model replacements by result.")
	fmt.Fprintf(w, "weir_serve_model_swaps_total{result=\"ok\"} %d\n", m.swapsOK.Load())
	fmt.Fprintf(w, "weir_serve_model_swaps_total{result=\"failed\"} %d\n", m.swapsFailed.Load())
	counter(w, "weir_serve_inference_log_rows_total", "Rows written to the inference log.", m.logRows.Load())
	counter(w, "weir_serve_inference_log_dropped_total", "Rows not written to the inference log because its queue was full.", m.logDropped.Load())
	counter(w, "weir_serve_inference_log_write_errors_total", "Inference log write or rotation errors.", m.logWriteErrors.Load())
	help(w, "weir_serve_busy_polls_total", "counter", "Connection reads that busy-polled (--busy-poll), by whether data came within the window (hit) or the connection went to sleep (miss).")
	fmt.Fprintf(w, "weir_serve_busy_polls_total{result=\"hit\"} %d\n", m.pollHits.Load())
	fmt.Fprintf(w, "weir_serve_busy_polls_total{result=\"miss\"} %d\n", m.pollMisses.Load())
	help(w, "weir_serve_imputed_total", "counter", "Missing values (null, absent or NaN) scored, by input column: the model imputes them or routes them by its missing-value rule.")
	for i, n := range colNames {
		fmt.Fprintf(w, "weir_serve_imputed_total{column=\"%s\"} %d\n", label(n), colCounts[i].imputed.Load())
	}
	help(w, "weir_serve_unknown_category_total", "counter", "Values of a categorical input column that the model was not fitted with, by column (scored as the model's encoders treat an unseen category; refused with --strict-categories).")
	for i, n := range colNames {
		if colCounts[i].categorical {
			fmt.Fprintf(w, "weir_serve_unknown_category_total{column=\"%s\"} %d\n", label(n), colCounts[i].unknown.Load())
		}
	}
	help(w, "weir_serve_refused_total", "counter", "Requests refused before any handler: a Host header outside --allowed-hosts (host) or a missing or wrong bearer token (token).")
	fmt.Fprintf(w, "weir_serve_refused_total{reason=\"host\"} %d\n", m.refusedHost.Load())
	fmt.Fprintf(w, "weir_serve_refused_total{reason=\"token\"} %d\n", m.refusedToken.Load())
}

func help(w io.Writer, name, typ, text string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ)
}

func counter(w io.Writer, name, text string, v uint64) {
	help(w, name, "counter", text)
	fmt.Fprintf(w, "%s %d\n", name, v)
}

// label escapes a label value as the exposition format wants: backslash,
// double quote and newline, nothing else.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func label(s string) string { return labelEscaper.Replace(s) }
