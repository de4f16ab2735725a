package ui

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/tracking"
)

// Tag keys MLflow's clients set that the UI reads.
const (
	tagParent    = "mlflow.parentRunId"
	tagSource    = "mlflow.source.name"
	tagGitCommit = "mlflow.source.git.commit"
	tagUser      = "mlflow.user"
	tagRunName   = "mlflow.runName"
	tagNote      = "mlflow.note.content"
)

// defaultColumns is how many param and metric columns the runs table shows
// when the URL chooses none.
const defaultColumns = 4

// maxPageSize bounds ?n= so that one request cannot ask for everything.
const maxPageSize = 500

// column is one chosen column of the runs table.
type column struct {
	Kind    string // "param", "metric" or "tag"
	Key     string
	SortURL string
	Sort    string // "ascending", "descending" or "" (aria-sort)
	Pinned  bool   // shown first and kept in view when the table scrolls sideways
	PinURL  string // the page with this column pinned, or unpinned when it is
}

// ID names the column in the URL's pin= list: "m:auc", "p:depth", "t:team".
func (c column) ID() string { return kindLetter[c.Kind] + ":" + c.Key }

// kindLetter is the URL parameter of each kind of column.
var kindLetter = map[string]string{"param": "p", "metric": "m", "tag": "t"}

// runRow is one row of the runs table.
type runRow struct {
	*tracking.Run
	Name     string
	Depth    int    // 1 for a child shown under its parent on this page
	Parent   string // the parent run ID, when there is one
	Children int    // children folded under this row
	Cells    []string
}

// keyChoice is one key offered by the column chooser.
type keyChoice struct {
	Key      string
	Selected bool
}

type runsData struct {
	Exp         *tracking.Experiment
	Filter      string
	FilterError string
	Order       string
	PageSize    int
	Columns     []column
	Attr        map[string]column // sortable attribute columns by key
	Rows        []runRow
	Params      []keyChoice
	Metrics     []keyChoice
	Tags        []keyChoice
	NextURL     string
	PrevURL     string
	FirstURL    string
	Hidden      url.Values // the query to keep in the column chooser form
	Pins        []string   // the pinned columns' IDs, in the URL's order
	chosen      bool       // the URL chose the columns, possibly none
}

func (h *Handler) runsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	ctx := r.Context()
	exp, err := h.Tracking.GetExperiment(ctx, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d := &runsData{Exp: exp, Filter: strings.TrimSpace(q.Get("filter")), Order: q.Get("order"), PageSize: h.PageSize}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n > 0 {
		d.PageSize = min(n, maxPageSize)
	}
	s := tracking.RunSearch{ExperimentIDs: []string{exp.ID}, Filter: d.Filter, MaxResults: d.PageSize, PageToken: q.Get("page")}
	if d.Order != "" {
		s.OrderBy = []string{d.Order}
	}
	if _, err := tracking.ParseRunFilter(d.Filter); err != nil {
		d.FilterError = weir.ErrorMessage(err)
	} else if _, err := tracking.ParseRunOrderBy(s.OrderBy); err != nil {
		d.FilterError = weir.ErrorMessage(err)
	}
	var runs []*tracking.Run
	var next string
	if d.FilterError == "" {
		runs, next, err = h.Tracking.SearchRuns(ctx, s)
		if err != nil {
			if weir.ErrorCode(err) != weir.ErrInvalidParameterValue {
				return nil, err
			}
			d.FilterError = weir.ErrorMessage(err)
		}
	}
	d.chooseColumns(q, runs)
	d.Rows = foldChildren(runs, d.Columns)
	d.pageLinks(r.URL, next)
	return &view{
		Template: "runs", Title: exp.Name, Data: d,
		Crumbs: []crumb{{"Experiments", "/experiments"}},
	}, nil
}

// chooseColumns takes the columns named in the URL (p=, m=, t=) or, when
// none is named, the experiment's key metrics (keyMetrics) and the params
// most runs on the page have. Pinned columns (pin=m:auc) come first. Only
// keys present on the page are offered, so 500 distinct metrics across
// 10,000 runs never have to be loaded to draw one page.
func (d *runsData) chooseColumns(q url.Values, runs []*tracking.Run) {
	params, metrics, tags := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, run := range runs {
		for _, p := range run.Data.Params {
			params[p.Key] = true
		}
		for _, m := range run.Data.Metrics {
			metrics[m.Key] = true
		}
		for _, t := range run.Data.Tags {
			if !strings.HasPrefix(t.Key, "mlflow.") {
				tags[t.Key] = true
			}
		}
	}
	chosen := map[string][]string{"param": nonEmpty(q["p"]), "metric": nonEmpty(q["m"]), "tag": nonEmpty(q["t"])}
	d.chosen = len(q["p"])+len(q["m"])+len(q["t"]) > 0 || q.Get("cols") != ""
	if !d.chosen {
		chosen["param"] = commonParams(runs, defaultColumns)
		chosen["metric"] = keyMetrics(d.Exp, runs, defaultColumns)
	}
	d.Pins = nonEmpty(q["pin"])
	var pinned, rest []column
	for _, id := range d.Pins {
		letter, key, _ := strings.Cut(id, ":")
		for kind, l := range kindLetter {
			if l == letter && key != "" {
				pinned = append(pinned, column{Kind: kind, Key: key, Pinned: true})
			}
		}
	}
	for _, kind := range []string{"metric", "param", "tag"} {
		for _, k := range chosen[kind] {
			c := column{Kind: kind, Key: k}
			if !slices.ContainsFunc(pinned, func(p column) bool { return p.ID() == c.ID() }) {
				rest = append(rest, c)
			}
		}
	}
	d.Pins = d.Pins[:0]
	for _, c := range pinned {
		d.Pins = append(d.Pins, c.ID())
		chosen[c.Kind] = append(chosen[c.Kind], c.Key)
	}
	d.Columns = append(pinned, rest...)
	for i, c := range d.Columns { // after all columns are known: links keep them
		d.Columns[i] = d.sortable(c.Kind, c.Key)
		d.Columns[i].Pinned = c.Pinned
		d.Columns[i].PinURL = d.pinURL(c)
	}
	d.Attr = map[string]column{}
	for _, k := range []string{"run_name", "start_time", "status"} {
		d.Attr[k] = d.sortable("attribute", k)
	}
	d.Params = choices(params, chosen["param"])
	d.Metrics = choices(metrics, chosen["metric"])
	d.Tags = choices(tags, chosen["tag"])
}

// pinURL is the page with c pinned (or unpinned when it is), which keeps
// every column shown, so the URL remembers the whole choice.
func (d *runsData) pinURL(c column) string {
	var pins []string
	for _, id := range d.Pins {
		if id != c.ID() {
			pins = append(pins, id)
		}
	}
	if !c.Pinned {
		pins = append(pins, c.ID())
	}
	if pins == nil {
		pins = []string{}
	}
	return "?" + d.query(map[string][]string{"pin": pins, "page": nil, "hist": nil})
}

// sortable makes a column whose header link sorts by it, toggling the
// direction when it is already the sort key.
func (d *runsData) sortable(kind, key string) column {
	entity := map[string]string{"param": "params", "metric": "metrics", "tag": "tags", "attribute": "attributes"}[kind]
	expr := entity + ".`" + key + "`"
	c := column{Kind: kind, Key: key}
	order := expr + " DESC"
	switch d.Order {
	case expr + " DESC":
		c.Sort, order = "descending", expr+" ASC"
	case expr + " ASC", expr:
		c.Sort = "ascending"
	}
	c.SortURL = "?" + d.query(map[string][]string{"order": {order}, "page": nil, "hist": nil})
	return c
}

func sortedKeys(set map[string]bool) []string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func choices(seen map[string]bool, chosen []string) []keyChoice {
	sel := map[string]bool{}
	for _, k := range chosen {
		sel[k] = true
		seen[k] = true
	}
	var out []keyChoice
	for _, k := range sortedKeys(seen) {
		out = append(out, keyChoice{k, sel[k]})
	}
	return out
}

// foldChildren orders the page so that each child run follows its parent
// when both are on the page, and fills the chosen cells.
func foldChildren(runs []*tracking.Run, cols []column) []runRow {
	onPage := map[string]bool{}
	for _, run := range runs {
		onPage[run.Info.RunID] = true
	}
	children := map[string][]*tracking.Run{}
	var top []*tracking.Run
	for _, run := range runs {
		if p := tagValue(run.Data.Tags, tagParent); p != "" && onPage[p] && p != run.Info.RunID {
			children[p] = append(children[p], run)
			continue
		}
		top = append(top, run)
	}
	var rows []runRow
	var add func(run *tracking.Run, depth int)
	add = func(run *tracking.Run, depth int) {
		row := runRow{Run: run, Name: runName(run), Depth: min(depth, 1),
			Parent: tagValue(run.Data.Tags, tagParent), Children: len(children[run.Info.RunID])}
		for _, c := range cols {
			row.Cells = append(row.Cells, cell(run, c))
		}
		rows = append(rows, row)
		if depth < 8 { // a parent cycle in bad data stops here
			for _, child := range children[run.Info.RunID] {
				add(child, depth+1)
			}
		}
	}
	for _, run := range top {
		add(run, 0)
	}
	return rows
}

func cell(run *tracking.Run, c column) string {
	switch c.Kind {
	case "param":
		for _, p := range run.Data.Params {
			if p.Key == c.Key {
				return p.Value
			}
		}
	case "metric":
		for _, m := range run.Data.Metrics {
			if m.Key == c.Key {
				return fmtNum(m.Value)
			}
		}
	case "tag":
		return tagValue(run.Data.Tags, c.Key)
	}
	return ""
}

func tagValue(tags []tracking.Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

func runName(run *tracking.Run) string {
	if run.Info.RunName != "" {
		return run.Info.RunName
	}
	if n := tagValue(run.Data.Tags, tagRunName); n != "" {
		return n
	}
	return shortID(run.Info.RunID)
}

// pageLinks builds next, previous and first-page links. Page tokens only go
// forward, so the URL carries the tokens of the pages before (hist=).
func (d *runsData) pageLinks(u *url.URL, next string) {
	q := u.Query()
	hist := q["hist"]
	cur := q.Get("page")
	if next != "" {
		d.NextURL = "?" + d.query(map[string][]string{"page": {next}, "hist": append(append([]string(nil), hist...), cur)})
	}
	if cur != "" {
		prev := hist[:max(len(hist)-1, 0)]
		var prevTok []string
		if len(hist) > 0 && hist[len(hist)-1] != "" {
			prevTok = hist[len(hist)-1:]
		}
		d.PrevURL = "?" + d.query(map[string][]string{"page": prevTok, "hist": prev})
		d.FirstURL = "?" + d.query(map[string][]string{"page": nil, "hist": nil})
	}
	d.Hidden = url.Values{}
	for _, k := range []string{"filter", "order", "n"} {
		if v := q.Get(k); v != "" {
			d.Hidden.Set(k, v)
		}
	}
	for _, id := range d.Pins {
		d.Hidden.Add("pin", id)
	}
}

// query renders the page's current state with some keys replaced.
func (d *runsData) query(set map[string][]string) string {
	v := url.Values{}
	if d.Filter != "" {
		v.Set("filter", d.Filter)
	}
	if d.Order != "" {
		v.Set("order", d.Order)
	}
	if d.PageSize != 0 {
		v.Set("n", strconv.Itoa(d.PageSize))
	}
	for _, c := range d.Columns {
		v.Add(kindLetter[c.Kind], c.Key)
	}
	for _, id := range d.Pins {
		v.Add("pin", id)
	}
	if d.chosen && len(d.Columns) == 0 {
		v.Set("cols", "none")
	}
	for k, vals := range set {
		v.Del(k)
		for _, x := range vals {
			v.Add(k, x)
		}
	}
	return v.Encode()
}

// PageSizes are the page sizes the runs table offers.
func (d *runsData) PageSizes() []int {
	sizes := []int{25, 50, 100, 250, 500}
	for _, n := range sizes {
		if n == d.PageSize {
			return sizes
		}
	}
	return append([]int{d.PageSize}, sizes...)
}

// ColSpan is the number of columns of the runs table.
func (d *runsData) ColSpan() int { return 5 + len(d.Columns) }

// nonEmpty drops blank keys, such as an "add a column" box left empty.
func nonEmpty(keys []string) []string {
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}
