package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracing"
	"github.com/weir-ml/weir/tracking"
)

// The trace pages' templates join the list here rather than in render.go,
// so that pages added at the same time elsewhere merge cleanly.
func init() {
	pageNames = append(pageNames, "traces", "trace")
	funcs["spanTime"] = func(ns uint64) string {
		if ns == 0 || ns > 1<<63-1 {
			return "—"
		}
		return time.Unix(0, int64(ns)).UTC().Format("2006-01-02 15:04:05.000")
	}
	funcs["millis"] = fmtMillis
}

// maxIndent is the deepest level the span tree indents (traces.css has a
// class for each); deeper spans line up with it.
const maxIndent = 16

// Trace metadata MLflow's client writes that the pages read.
const metaTokenUsage = "mlflow.trace.tokenUsage"

// traceStates are the states the traces tab filters on.
var traceStates = []string{tracing.StateOK, tracing.StateError, tracing.StateInProgress}

// traceOrders are the orders the traces tab's headers offer, by the
// value of its order= parameter.
var traceOrders = map[string]string{
	"oldest": "timestamp_ms ASC", "slowest": "execution_time_ms DESC", "fastest": "execution_time_ms ASC",
}

// tracePageSizes are the page sizes the traces tab offers.
var tracePageSizes = []int{25, 50, 100, 250}

// tracesData is an experiment's traces tab.
type tracesData struct {
	Exp         *tracking.Experiment
	Status      string
	Name        string
	Filter      string
	FilterError string
	Order       string // a key of traceOrders; "" is newest first
	PageSize    int
	States      []string
	PageSizes   []int
	Rows        []traceRow
	NoStore     bool // the server keeps no traces
	NextURL     string
	PrevURL     string
	FirstURL    string
}

// traceRow is one row of the traces table.
type traceRow struct {
	tracing.Info
	Name     string
	Request  string
	Response string
	Tokens   *tokenUsage
	Tags     []tracking.Tag // the tags people set, not mlflow.*
	RunID    string
}

// tokenUsage is MLflow's mlflow.trace.tokenUsage metadata.
type tokenUsage struct {
	Input  int64 `json:"input_tokens"`
	Output int64 `json:"output_tokens"`
	Total  int64 `json:"total_tokens"`
}

func parseTokenUsage(meta map[string]string) *tokenUsage {
	s, ok := meta[metaTokenUsage]
	if !ok {
		return nil
	}
	var u tokenUsage
	if json.Unmarshal([]byte(s), &u) != nil {
		return nil
	}
	if u.Total == 0 {
		u.Total = u.Input + u.Output
	}
	return &u
}

func (h *Handler) tracesPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	exp, err := h.Tracking.GetExperiment(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d := &tracesData{Exp: exp, Status: q.Get("status"), Name: strings.TrimSpace(q.Get("name")),
		Filter: strings.TrimSpace(q.Get("filter")), PageSize: 50, States: traceStates, PageSizes: tracePageSizes}
	if _, ok := traceOrders[q.Get("order")]; ok {
		d.Order = q.Get("order")
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n > 0 {
		d.PageSize = min(n, maxPageSize)
	}
	if !slices.Contains(d.PageSizes, d.PageSize) {
		d.PageSizes = append([]int{d.PageSize}, d.PageSizes...)
	}
	v := &view{Template: "traces", Title: "Traces", Data: d,
		Crumbs: []crumb{{"Experiments", "/experiments"}, {exp.Name, "/experiments/" + url.PathEscape(exp.ID)}}}
	if h.Traces == nil {
		d.NoStore = true
		return v, nil
	}
	filter, problem := d.search()
	if problem != "" {
		d.FilterError = problem
		return v, nil
	}
	req := tracing.SearchRequest{ExperimentIDs: []string{exp.ID}, Filter: filter, MaxResults: d.PageSize, PageToken: q.Get("page")}
	if d.Order != "" {
		req.OrderBy = []string{traceOrders[d.Order]}
	}
	infos, next, err := h.Traces.SearchTraces(ctx, req)
	if err != nil {
		if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
			return nil, err
		}
		d.FilterError = weir.ErrorMessage(err)
		return v, nil
	}
	for _, in := range infos {
		d.Rows = append(d.Rows, newTraceRow(in))
	}
	d.pageLinks(q, next)
	return v, nil
}

// search joins the tab's status and name choices and the free filter into
// one search_traces filter, or explains what is wrong with them.
func (d *tracesData) search() (filter, problem string) {
	var clauses []string
	if d.Status != "" {
		if !slices.Contains(traceStates, d.Status) {
			return "", "Status '" + d.Status + "' is not one of " + strings.Join(traceStates, ", ") + "."
		}
		clauses = append(clauses, "trace.status = '"+d.Status+"'")
	}
	if d.Name != "" {
		if strings.Contains(d.Name, "'") && strings.Contains(d.Name, `"`) {
			return "", "A name to look for cannot hold both ' and \" quotes."
		}
		clauses = append(clauses, "trace.name ILIKE "+quoteLiteral("%"+d.Name+"%"))
	}
	if d.Filter != "" {
		if _, err := tracking.ParseTraceFilter(d.Filter); err != nil {
			return "", weir.ErrorMessage(err)
		}
		clauses = append(clauses, d.Filter)
	}
	return strings.Join(clauses, " AND "), ""
}

func newTraceRow(in tracing.Info) traceRow {
	row := traceRow{Info: in, Name: in.Tags[tracing.TagTraceName], Request: clip(in.RequestPreview),
		Response: clip(in.ResponsePreview), Tokens: parseTokenUsage(in.Metadata), RunID: in.Metadata[tracing.MetaSourceRun]}
	for k, v := range in.Tags {
		if !strings.HasPrefix(k, "mlflow.") {
			row.Tags = append(row.Tags, tracking.Tag{Key: k, Value: v})
		}
	}
	sort.Slice(row.Tags, func(i, j int) bool { return row.Tags[i].Key < row.Tags[j].Key })
	return row
}

// pageLinks builds next, previous and first-page links. Page tokens only
// go forward, so the URL carries the tokens of the pages before (hist=),
// as the runs table's does.
func (d *tracesData) pageLinks(q url.Values, next string) {
	hist, cur := q["hist"], q.Get("page")
	if next != "" {
		d.NextURL = "?" + d.query(next, append(slices.Clone(hist), cur))
	}
	if cur != "" {
		var prevTok string
		if len(hist) > 0 {
			prevTok = hist[len(hist)-1]
		}
		d.PrevURL = "?" + d.query(prevTok, hist[:max(len(hist)-1, 0)])
		d.FirstURL = "?" + d.query("", nil)
	}
}

// SortURL is the tab in the order a header offers: its first order, or
// its second when the first is the current one.
func (d *tracesData) SortURL(first, second string) string {
	o := *d
	o.Order = first
	if d.Order == first {
		o.Order = second
	}
	return "?" + o.query("", nil)
}

// Sort is a header's aria-sort: the direction when the tab is in one of
// the orders the header offers.
func (d *tracesData) Sort(desc, asc string) string {
	switch d.Order {
	case desc:
		return "descending"
	case asc:
		return "ascending"
	}
	return ""
}

// query renders the tab's choices with the page token and history given.
func (d *tracesData) query(page string, hist []string) string {
	v := url.Values{}
	for k, s := range map[string]string{"status": d.Status, "name": d.Name, "filter": d.Filter, "order": d.Order, "page": page} {
		if s != "" {
			v.Set(k, s)
		}
	}
	v.Set("n", strconv.Itoa(d.PageSize))
	if page != "" {
		v["hist"] = hist
	}
	return v.Encode()
}

// traceData is the page of one trace: its spans as a tree and a timeline,
// the selected span's details, and the trace's info.
type traceData struct {
	Info     *tracing.Info
	Name     string
	Tree     *spanTree
	Rows     template.HTML // the tree's rows (spanRows)
	Pane     *spanPane
	Missing  string // a span asked for that the trace does not hold
	Errors   int    // spans whose status is ERROR
	Ticks    []string
	Tokens   *tokenUsage
	RunID    string
	RunName  string
	Request  *paneValue
	Response *paneValue
	Tags     []tracking.Tag
	Metadata []tracking.Tag
	// Assessments are the trace's feedback and expectations.
	Assessments []assessmentRow
}

func (h *Handler) tracePage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	tr, err := h.trace(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	d := &traceData{Info: &tr.Info, Tree: buildSpanTree(tr.Spans), Tokens: parseTokenUsage(tr.Info.Metadata),
		RunID: tr.Info.Metadata[tracing.MetaSourceRun], Tags: sortedTags(tr.Info.Tags), Metadata: sortedTags(tr.Info.Metadata),
		Assessments: assessmentRows(tr.Info.Assessments)}
	d.Name = tr.Info.Tags[tracing.TagTraceName]
	if d.Name == "" && len(d.Tree.Nodes) > 0 {
		d.Name = d.Tree.Nodes[0].Name
	}
	if d.Name == "" {
		d.Name = tr.Info.TraceID
	}
	if d.RunID != "" {
		d.RunName = d.RunID
		if run, err := h.Tracking.GetRun(ctx, d.RunID); err == nil {
			d.RunName = runName(run)
		}
	}
	if tr.Info.RequestPreview != "" {
		d.Request = newPaneValue(tr.Info.RequestPreview)
	}
	if tr.Info.ResponsePreview != "" {
		d.Response = newPaneValue(tr.Info.ResponsePreview)
	}
	for i := range d.Tree.Nodes {
		if d.Tree.Nodes[i].StatusName == "ERROR" {
			d.Errors++
		}
	}
	total := d.Tree.End - d.Tree.Start
	d.Ticks = append(d.Ticks, "0")
	for k := range uint64(4) {
		d.Ticks = append(d.Ticks, fmtNanos(total*(k+1)/4))
	}
	sel := r.URL.Query().Get("span")
	i := d.Tree.find(sel)
	if i < 0 && sel != "" {
		d.Missing = sel
	}
	if i < 0 && len(d.Tree.Nodes) > 0 {
		i = 0
	}
	if i >= 0 {
		d.Pane = newSpanPane(tr.Info.TraceID, d.Tree, &d.Tree.Nodes[i])
		d.Rows = spanRows(d.Tree, d.Tree.Nodes[i].ID)
	}
	crumbs := []crumb{{"Experiments", "/experiments"}}
	if exp, err := h.Tracking.GetExperiment(ctx, tr.Info.ExperimentID); err == nil {
		crumbs = append(crumbs, crumb{exp.Name, "/experiments/" + url.PathEscape(exp.ID)},
			crumb{"Traces", "/experiments/" + url.PathEscape(exp.ID) + "/traces"})
	}
	return &view{Template: "trace", Title: d.Name, Data: d, Crumbs: crumbs}, nil
}

// spanFragment answers the trace page's script with the detail pane of
// one span, so that choosing a span does not reload the whole page.
func (h *Handler) spanFragment(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tr, err := h.trace(r.Context(), q.Get("trace"))
	var pane *spanPane
	if err == nil {
		t := buildSpanTree(tr.Spans)
		if i := t.find(q.Get("span")); i >= 0 {
			pane = newSpanPane(tr.Info.TraceID, t, &t.Nodes[i])
		} else {
			err = weir.Errorf(weir.ErrResourceDoesNotExist, "Trace %s has no span %s.", tr.Info.TraceID, q.Get("span"))
		}
	}
	hd := w.Header()
	setPageHeaders(hd)
	hd.Set("Content-Type", "text/html; charset=utf-8")
	if err != nil {
		v := h.errorView(r, err)
		w.WriteHeader(v.Status)
		h.pages["trace"].ExecuteTemplate(w, "pane-error", v.Data)
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := h.pages["trace"].ExecuteTemplate(buf, "pane", pane); err != nil {
		h.Logger.Error("ui: render span pane", "trace", tr.Info.TraceID, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Write(buf.Bytes())
}

// trace reads one trace, spans included.
func (h *Handler) trace(ctx context.Context, id string) (*tracing.Trace, error) {
	if h.Traces == nil {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "This server keeps no traces.")
	}
	if id == "" {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, "A trace page needs a trace ID.")
	}
	traces, err := h.Traces.GetTraces(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if len(traces) == 0 {
		return nil, weir.Errorf(weir.ErrResourceDoesNotExist, "Trace %s not found.", id)
	}
	return &traces[0], nil
}

// fmtMillis shows a trace's latency, which MLflow keeps in whole
// milliseconds.
func fmtMillis(ms int64) string {
	switch {
	case ms < 1:
		return "< 1 ms"
	case ms < 1000:
		return strconv.FormatInt(ms, 10) + " ms"
	}
	return fmtNanos(uint64(ms) * 1e6)
}

// sortedTags lists a map of tags or metadata by key.
func sortedTags(m map[string]string) []tracking.Tag {
	out := make([]tracking.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, tracking.Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Duration is how long the span ran, for its row.
func (n spanNode) Duration() string { return spanDuration(&n) }

// Indent is the span's indentation level on the page.
func (n spanNode) Indent() int { return min(n.Depth, maxIndent) }
