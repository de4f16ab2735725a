package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
)

// leakAUC is the single-column AUC above which a column is flagged as a
// likely leak: no honest single input of a marketing model separates the
// classes that well, while a value measured after the outcome does.
const leakAUC = 0.75

// EDA is what the data-understanding report found.
type EDA struct {
	Warnings []string `json:"warnings"`
	// ColumnAUC is each numeric column's AUC as a score of the target, folded
	// to at least 0.5.
	ColumnAUC map[string]float64 `json:"column_auc"`
}

// Understand writes the EDA report of f (target column target, positive
// class pos, each row's period in periods, which may be nil) as
// self-contained HTML to path. Columns in declared are warned about as
// leaks whatever their AUC.
func Understand(f *frame.Frame, target, pos string, periods []string, declared []string, path string) (*EDA, error) {
	tc, err := f.Column(target)
	if err != nil {
		return nil, err
	}
	// A binary target (pos names its positive class) is read as 0/1 for
	// the leakage scan and the rates; other targets are described only.
	var y []float64
	eda := &EDA{ColumnAUC: map[string]float64{}}
	var body strings.Builder
	if pos != "" {
		y = make([]float64, f.NumRows())
		for i := range y {
			if tc.Text(i) == pos {
				y[i] = 1
			}
		}
		fmt.Fprintf(&body, "<p>%s rows, %d columns; target <b>%s</b> = %q in %.1f%% of rows.</p>", thousands(f.NumRows()), f.NumCols(), html.EscapeString(target), pos, 100*mean(y))
	} else {
		fmt.Fprintf(&body, "<p>%s rows, %d columns; target <b>%s</b> (%s).</p>", thousands(f.NumRows()), f.NumCols(), html.EscapeString(target), tc.Kind())
	}

	// Leakage first: it is what a reader must not miss.
	for _, name := range f.Names() {
		c, _ := f.Column(name)
		if y == nil || name == target || !c.Kind().Numeric() {
			continue
		}
		score := make([]float64, c.Len())
		for i := range score {
			score[i] = c.Float(i)
			if math.IsNaN(score[i]) {
				score[i] = math.Inf(-1)
			}
		}
		auc, err := metrics.ROCAUC(y, score, nil)
		if err != nil {
			continue
		}
		auc = math.Max(auc, 1-auc)
		eda.ColumnAUC[name] = auc
		if auc > leakAUC {
			eda.Warnings = append(eda.Warnings, fmt.Sprintf("%s alone separates the target with AUC %.3f: it is likely known only after the outcome (leakage)", name, auc))
		}
	}
	for _, name := range declared {
		if _, ok := eda.ColumnAUC[name]; ok && eda.ColumnAUC[name] > leakAUC {
			continue
		}
		eda.Warnings = append(eda.Warnings, fmt.Sprintf("%s is declared as leaking the target (data.leakage): excluded from the features", name))
	}
	body.WriteString("<h2>Leakage warnings</h2>")
	for _, w := range eda.Warnings {
		fmt.Fprintf(&body, `<div class="warn">⚠ %s</div>`, html.EscapeString(w))
	}
	if len(eda.Warnings) == 0 {
		body.WriteString("<p>None found.</p>")
	}

	schemaTable(&body, f, eda.ColumnAUC)
	if y != nil {
		overTime(&body, y, periods)
	}
	body.WriteString(`<h2>Distributions and target rate by feature</h2><div class="grid">`)
	for _, name := range f.Names() {
		if name == target {
			continue
		}
		c, _ := f.Column(name)
		body.WriteString(distribution(name, c))
		if y != nil {
			body.WriteString(rateBy(name, c, y))
		}
	}
	body.WriteString("</div>")
	correlations(&body, f, target)

	if err := os.WriteFile(path, []byte(page("Data understanding", body.String())), 0o644); err != nil {
		return nil, err
	}
	return eda, nil
}

func schemaTable(b *strings.Builder, f *frame.Frame, auc map[string]float64) {
	b.WriteString("<h2>Schema and missing values</h2><table><tr><th>column</th><th>kind</th><th>missing</th><th>distinct</th><th>min</th><th>mean</th><th>max</th><th>AUC alone</th></tr>")
	for _, name := range f.Names() {
		c, _ := f.Column(name)
		miss, seen := 0, map[string]bool{}
		lo, hi, sum, n := math.Inf(1), math.Inf(-1), 0.0, 0
		for i := 0; i < c.Len(); i++ {
			if c.IsMissing(i) {
				miss++
				continue
			}
			if len(seen) <= 1000 {
				seen[c.Text(i)] = true
			}
			if x := c.Float(i); !math.IsNaN(x) {
				lo, hi, sum, n = math.Min(lo, x), math.Max(hi, x), sum+x, n+1
			}
		}
		stats := "<td></td><td></td><td></td>"
		if n > 0 {
			f := figureText
			if c.Kind() == frame.Time {
				f = dateText // 2008-05-05, not Unix seconds
			} else if yearLike(lo, hi) {
				f = yearText // 2008, not 2,008
			}
			stats = fmt.Sprintf("<td>%s</td><td>%s</td><td>%s</td>", f(lo), f(sum/float64(n)), f(hi))
		}
		a := ""
		if v, ok := auc[name]; ok {
			a = fmt.Sprintf("%.3f", v)
		}
		distinct := thousands(len(seen))
		if len(seen) > 1000 {
			distinct = "over 1,000"
		}
		fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td>%s<td>%s</td></tr>", html.EscapeString(name), c.Kind(), thousands(miss), distinct, stats, a)
	}
	b.WriteString("</table>")
}

// overTime tabulates the target rate by period and plots it in blocks of
// rows in file order.
func overTime(b *strings.Builder, y []float64, periods []string) {
	if len(periods) == len(y) {
		b.WriteString("<h2>Target rate by period</h2><table><tr><th>period</th><th>rows</th><th>target rate</th></tr>")
		byPeriod := map[string][2]float64{}
		for i, p := range periods {
			v := byPeriod[p]
			byPeriod[p] = [2]float64{v[0] + 1, v[1] + y[i]}
		}
		for _, p := range sortPeriods(slices.Collect(maps.Keys(byPeriod))) {
			v := byPeriod[p]
			fmt.Fprintf(b, "<tr><td>%s</td><td>%s</td><td>%.3f</td></tr>", html.EscapeString(p), thousands(int(v[0])), v[1]/v[0])
		}
		b.WriteString("</table>")
	}
	// Blocks of 1,000 rows in file order show drift within periods too,
	// when the rows are in time order.
	const block = 1000
	if len(y) < 2*block {
		return
	}
	var xs, rates []float64
	for s := 0; s < len(y); s += block {
		e := min(s+block, len(y))
		xs = append(xs, float64(s))
		rates = append(rates, mean(y[s:e]))
	}
	b.WriteString(lineChart("Target rate per 1,000 rows, in file order", "row of the file", "target rate", false, series{Name: "target rate", X: xs, Y: rates}))
}

// yearLike reports whether a column's range [lo, hi] looks like years:
// whole numbers from 1000 to 2999.
func yearLike(lo, hi float64) bool {
	return lo >= 1000 && hi < 3000 && lo == math.Trunc(lo) && hi == math.Trunc(hi)
}

// axisText picks how a numeric column's values are written on a chart:
// dates for a time column, years without separators, else tickText.
func axisText(c frame.Column, lo, hi float64) func(v, step float64) string {
	switch {
	case c.Kind() == frame.Time:
		return dateTick
	case yearLike(lo, hi):
		return yearTick
	}
	return nil
}

// yearText writes a column of years: whole years without separators.
func yearText(v float64) string {
	if v == math.Trunc(v) {
		return strconv.Itoa(int(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// sortPeriods orders periods numerically when they are all numbers, else
// as text (ISO dates sort correctly as text).
func sortPeriods(ps []string) []string {
	nums := make(map[string]float64, len(ps))
	for _, p := range ps {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			slices.Sort(ps)
			return ps
		}
		nums[p] = v
	}
	slices.SortFunc(ps, func(a, b string) int { return cmpFloat(nums[a], nums[b]) })
	return ps
}

func distribution(name string, c frame.Column) string {
	if c.Kind().Numeric() {
		var xs []float64
		for i := 0; i < c.Len(); i++ {
			if x := c.Float(i); !math.IsNaN(x) {
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			return ""
		}
		lo, hi := slices.Min(xs), slices.Max(xs)
		const bins = 20
		counts := make([]float64, bins)
		edges := make([]float64, bins+1)
		for _, x := range xs {
			k := 0
			if hi > lo {
				k = min(int((x-lo)/(hi-lo)*bins), bins-1)
			}
			counts[k]++
		}
		for k := range edges {
			edges[k] = lo + (hi-lo)*float64(k)/bins
		}
		if hi == lo {
			edges[bins] = lo + 1
		}
		return histogram(name+": distribution", name, "rows", edges, counts, axisText(c, lo, hi))
	}
	labels, counts := levelCounts(c, nil)
	return barChart(name+": distribution", "rows", labels, counts)
}

// levelCounts counts each category (the 15 most frequent); with y it sums y
// instead.
func levelCounts(c frame.Column, y []float64) ([]string, []float64) {
	n, s := map[string]float64{}, map[string]float64{}
	for i := 0; i < c.Len(); i++ {
		k := c.Text(i)
		if c.IsMissing(i) {
			k = "(missing)"
		}
		n[k]++
		if y != nil {
			s[k] += y[i]
		}
	}
	keys := slices.Collect(maps.Keys(n))
	slices.SortFunc(keys, func(a, b string) int {
		if n[a] != n[b] {
			if n[a] > n[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	keys = keys[:min(len(keys), 15)]
	vals := make([]float64, len(keys))
	for i, k := range keys {
		vals[i] = n[k]
		if y != nil {
			vals[i] = s[k] / n[k]
		}
	}
	return keys, vals
}

// rateBy plots the target rate per category, or per decile of a number.
func rateBy(name string, c frame.Column, y []float64) string {
	if !c.Kind().Numeric() {
		labels, rates := levelCounts(c, y)
		return barChart("target rate by "+name, "target rate", labels, rates)
	}
	idx := make([]int, 0, c.Len())
	for i := 0; i < c.Len(); i++ {
		if !math.IsNaN(c.Float(i)) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch x, z := c.Float(a), c.Float(b); {
		case x < z:
			return -1
		case x > z:
			return 1
		}
		return 0
	})
	// Deciles, except that equal values share one bar: a decile boundary
	// inside a run of ties moves to the run's end (rows of equal value
	// split by file order would show rates that mean nothing).
	const bins = 10
	text := figureText
	if f := axisText(c, c.Float(idx[0]), c.Float(idx[len(idx)-1])); f != nil {
		text = func(v float64) string { return f(v, 0) }
	}
	var labels []string
	var rates []float64
	for s := 0; s < len(idx); {
		j := 1 // the first decile boundary after s
		for j*len(idx)/bins <= s {
			j++
		}
		e := j * len(idx) / bins
		for e < len(idx) && c.Float(idx[e]) == c.Float(idx[e-1]) {
			e++
		}
		sum := 0.0
		for _, i := range idx[s:e] {
			sum += y[i]
		}
		labels = append(labels, "≥"+text(c.Float(idx[s])))
		rates = append(rates, sum/float64(e-s))
		s = e
	}
	return barChart("target rate by "+name+" decile", "target rate", labels, rates)
}

// correlations writes the Pearson correlations of the numeric columns.
func correlations(b *strings.Builder, f *frame.Frame, target string) {
	var names []string
	var cols [][]float64
	for _, name := range f.Names() {
		c, _ := f.Column(name)
		if name == target || !c.Kind().Numeric() {
			continue
		}
		xs := make([]float64, c.Len())
		for i := range xs {
			xs[i] = c.Float(i)
		}
		names, cols = append(names, name), append(cols, xs)
	}
	b.WriteString("<h2>Correlations (Pearson, numeric columns)</h2><table><tr><th></th>")
	for _, n := range names {
		fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(n))
	}
	b.WriteString("</tr>")
	for i, n := range names {
		fmt.Fprintf(b, "<tr><td>%s</td>", html.EscapeString(n))
		for j := range names {
			r := pearson(cols[i], cols[j])
			fmt.Fprintf(b, `<td style="background:rgba(51,102,170,%.2f)">%.2f</td>`, math.Abs(r)*0.6, r)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
}

func pearson(a, b []float64) float64 {
	var n, sa, sb, saa, sbb, sab float64
	for i := range a {
		if math.IsNaN(a[i]) || math.IsNaN(b[i]) {
			continue
		}
		n++
		sa, sb = sa+a[i], sb+b[i]
		saa, sbb, sab = saa+a[i]*a[i], sbb+b[i]*b[i], sab+a[i]*b[i]
	}
	den := math.Sqrt((n*saa - sa*sa) * (n*sbb - sb*sb))
	if n == 0 || den == 0 {
		return math.NaN()
	}
	return (n*sab - sa*sb) / den
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

type understandResult struct {
	Report string `json:"report"`
	EDA    *EDA   `json:"eda"`
}

func runUnderstand(ctx context.Context, r *Runner, dir string) (any, error) {
	f, err := r.st.data()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "eda.html")
	pos := ""
	if r.st.info.Task == ml.TaskBinary {
		pos = r.st.info.Classes[1]
	}
	eda, err := Understand(f, r.Spec.Data.Target, pos, r.st.periods, r.Spec.Data.Leakage, path)
	if err != nil {
		return nil, err
	}
	if err := r.logFile(ctx, r.parentID, "reports", path); err != nil {
		return nil, err
	}
	res := understandResult{Report: path, EDA: eda}
	return res, loadUnderstand(r, mustJSON(res))
}

func loadUnderstand(r *Runner, raw json.RawMessage) error {
	var res understandResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	r.st.summary.Reports["eda"] = res.Report
	r.st.summary.Data.Leakage = res.EDA.Warnings
	return nil
}
