package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// runCombine reads the JSON reports named in cfg.combine and prints the
// side-by-side comparison.
func runCombine(cfg config, w io.Writer) error {
	reps, err := readReports(cfg.combine)
	if err != nil {
		return err
	}
	out := comparison(reps, cfg.base)
	bars, err := judgeBars(reps, cfg.base, cfg.bars, cfg.barRSSMB)
	if err != nil {
		return err
	}
	abars, err := judgeArtifactBars(reps, cfg.base, cfg.artifactBars)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out+bars+abars)
	return err
}

// readReports parses "label=file,label=file"; the label overrides the one
// stored in the file, and a missing file is an error.
func readReports(spec string) ([]*report, error) {
	var reps []*report
	for _, item := range strings.Split(spec, ",") {
		label, path, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || label == "" || path == "" {
			return nil, fmt.Errorf("-combine wants label=file.json items, got %q", item)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		r := new(report)
		if err := json.Unmarshal(data, r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r.Label = label
		reps = append(reps, r)
	}
	return reps, nil
}

// comparison renders throughput, latency, call-count and memory tables for
// the reports, with the ratio of base to each other server.
func comparison(reps []*report, baseLabel string) string {
	c := &comparer{reps: reps}
	for _, r := range reps {
		if r.Label == baseLabel && c.base == nil {
			c.base = r
		} else {
			c.others = append(c.others, r)
		}
	}
	if c.base == nil {
		c.others = nil // nothing to compare against
	}
	c.throughput()
	c.bandwidth()
	c.latency()
	c.counts()
	c.memory()
	return c.b.String()
}

// comparer writes the comparison tables; base is nil when the server the
// ratios are about was not measured.
type comparer struct {
	reps   []*report
	base   *report
	others []*report
	b      strings.Builder
}

// header writes a table header: first column left-aligned, the rest right.
func (c *comparer) header(first string, cols []string) {
	c.b.WriteString("| " + first + " | " + strings.Join(cols, " | ") + " |\n|---|")
	c.b.WriteString(strings.Repeat("--:|", len(cols)) + "\n")
}

func (c *comparer) row(name string, cells []string) {
	c.b.WriteString("| " + name + " | " + strings.Join(cells, " | ") + " |\n")
}

// labels names one column per server, plus one ratio column per other
// server when ratioWhat is not empty.
func (c *comparer) labels(suffix, ratioWhat string) []string {
	var cols []string
	for _, r := range c.reps {
		cols = append(cols, r.Label+suffix)
	}
	if ratioWhat != "" {
		for _, o := range c.others {
			cols = append(cols, fmt.Sprintf("%s vs %s (%s)", c.base.Label, o.Label, ratioWhat))
		}
	}
	return cols
}

func (c *comparer) throughput() {
	c.b.WriteString("Throughput, successful calls per second (higher is better); the ratio is how many times more " +
		"the first server did.\n\n")
	c.header("operation", c.labels(" ops/s", "×"))
	get := func(x result) float64 { return x.OpsPerSec }
	for _, op := range opNames(c.reps) {
		var cells []string
		for _, r := range c.reps {
			cells = append(cells, cell(r, op, get))
		}
		for _, o := range c.others {
			cells = append(cells, ratio(c.base, o, op, get, false))
		}
		c.row(op.name, cells)
	}
}

// bandwidth writes the MB/s table of the operations that move files, if
// any report has one.
func (c *comparer) bandwidth() {
	var ops []opRef
	for _, op := range opNames(c.reps) {
		if opBytes(op.key) > 0 {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return
	}
	c.b.WriteString("\nArtifact throughput, MB/s of successful transfers (1 MB = 2^20 bytes; higher is better).\n\n")
	c.header("operation", c.labels(" MB/s", "×"))
	get := func(x result) float64 { return x.MBPerSec }
	for _, op := range ops {
		var cells []string
		for _, r := range c.reps {
			cells = append(cells, cell(r, op, get))
		}
		for _, o := range c.others {
			cells = append(cells, ratio(c.base, o, op, get, false))
		}
		c.row(op.name, cells)
	}
}

// opBytes is what one call of the operation key moves, 0 for API calls.
func opBytes(key string) int64 {
	for _, op := range operations(0, 0) {
		if op.key == key {
			return op.bytes
		}
	}
	return 0
}

// optIn reports whether the operation key belongs to issue #3's opt-in set,
// which issue #2's bars do not judge.
func optIn(key string) bool {
	for _, op := range operations(0, 0) {
		if op.key == key {
			return op.optIn
		}
	}
	return false
}

func (c *comparer) latency() {
	c.b.WriteString("\nLatency p50 / p99 in ms (lower is better); the ratio is the other server's p50 over the " +
		"first's, i.e. how many times faster the first answered.\n\n")
	c.header("operation", c.labels(" p50 / p99", "p50 ×"))
	for _, op := range opNames(c.reps) {
		var cells []string
		for _, r := range c.reps {
			x, ok := find(r, op.key)
			if !ok || x.OK == 0 {
				cells = append(cells, "–")
				continue
			}
			cells = append(cells, num(x.P50Ms)+" / "+num(x.P99Ms))
		}
		for _, o := range c.others {
			cells = append(cells, ratio(c.base, o, op, func(x result) float64 { return x.P50Ms }, true))
		}
		c.row(op.name, cells)
	}
}

func (c *comparer) counts() {
	c.b.WriteString("\nCalls measured, successful / failed (a failed call is any non-2xx answer, transport " +
		"error, or an answer with the wrong content; failed warm-up calls are included).\n\n")
	c.header("operation", c.labels("", ""))
	for _, op := range opNames(c.reps) {
		var cells []string
		for _, r := range c.reps {
			if x, ok := find(r, op.key); ok {
				cells = append(cells, fmt.Sprintf("%d / %d", x.OK, x.failed()))
			} else {
				cells = append(cells, "not run")
			}
		}
		c.row(op.name, cells)
	}
}

func (c *comparer) memory() {
	c.b.WriteString("\nIdle memory after start-up, before any load, summed over the server's process tree.\n\n")
	c.header("memory", c.labels("", "÷"))
	mb := func(v float64) string { return fmt.Sprintf("%.1f MB", v) }
	c.memoryRow("idle RSS", func(m *memory) float64 { return float64(m.RSSKB) / 1024 }, mb, true)
	c.memoryRow("idle PSS", func(m *memory) float64 { return float64(m.PSSKB) / 1024 }, mb, true)
	c.memoryRow("processes", func(m *memory) float64 { return float64(m.Processes) },
		func(v float64) string { return fmt.Sprintf("%.0f", v) }, false)
}

func (c *comparer) memoryRow(name string, get func(*memory) float64, show func(float64) string, ratios bool) {
	var cells []string
	for _, r := range c.reps {
		if r.IdleMemory == nil {
			cells = append(cells, "–")
		} else {
			cells = append(cells, show(get(r.IdleMemory)))
		}
	}
	for _, o := range c.others {
		if !ratios || c.base.IdleMemory == nil || o.IdleMemory == nil || get(c.base.IdleMemory) == 0 {
			cells = append(cells, "")
			continue
		}
		cells = append(cells, fmt.Sprintf("%.1f× less", get(o.IdleMemory)/get(c.base.IdleMemory)))
	}
	c.row(name, cells)
}

// opRef names one operation across reports.
type opRef struct{ key, name string }

// opNames lists the operations any report measured, in table order, named
// as the first report that measured them names them.
func opNames(reps []*report) []opRef {
	var refs []opRef
	for _, op := range operations(0, 0) {
		for _, r := range reps {
			if x, ok := find(r, op.key); ok {
				refs = append(refs, opRef{op.key, x.Name})
				break
			}
		}
	}
	return refs
}

func find(r *report, key string) (result, bool) {
	for _, x := range r.Results {
		if x.Key == key {
			return x, true
		}
	}
	return result{}, false
}

// cell shows a value, or why there is none; errors are shown next to it so a
// failing server does not look fast.
func cell(r *report, op opRef, get func(result) float64) string {
	x, ok := find(r, op.key)
	switch {
	case !ok:
		return "not run"
	case x.OK == 0:
		return fmt.Sprintf("failed (%s)", plural(x.failed(), "error"))
	case x.failed() > 0:
		return fmt.Sprintf("%s (%s)", num(get(x)), plural(x.failed(), "error"))
	}
	return num(get(x))
}

// ratio compares base with other on op. It refuses when either side had a
// failed call, because a speed bought by failing is no speed. With
// lowerBetter the ratio is other/base, else base/other; either way above 1
// means base did better.
func ratio(base, other *report, op opRef, get func(result) float64, lowerBetter bool) string {
	x, _ := find(base, op.key)
	y, _ := find(other, op.key)
	if x.failed() > 0 || y.failed() > 0 {
		return "n/a (errors)"
	}
	return fmtRatio(ratioValue(base, other, op.key, get, lowerBetter))
}

// judgeBars renders whether base meets issue #2's bars: for each "label=factor"
// in spec, every operation at least factor times the other server's
// throughput and factor times faster at p50; and idle RSS under rssMB. An
// operation where either side failed a call cannot meet a bar.
func judgeBars(reps []*report, baseLabel, spec string, rssMB float64) (string, error) {
	var base *report
	byLabel := map[string]*report{}
	for _, r := range reps {
		byLabel[r.Label] = r
		if r.Label == baseLabel {
			base = r
		}
	}
	var b strings.Builder
	b.WriteString("\nIssue #2 bars for " + baseLabel + ":\n\n| bar | verdict |\n|---|---|\n")
	if base == nil {
		b.WriteString("| all | not judged: " + baseLabel + " was not measured |\n")
		return b.String(), nil
	}
	for _, item := range strings.Split(spec, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		label, f, ok := strings.Cut(strings.TrimSpace(item), "=")
		factor, err := strconv.ParseFloat(f, 64)
		if !ok || err != nil || factor <= 0 {
			return "", fmt.Errorf("-bars wants label=factor items, got %q", item)
		}
		bar := fmt.Sprintf("every operation ≥%g× %s (throughput and p50)", factor, label)
		other := byLabel[label]
		if label == baseLabel {
			continue
		}
		if other == nil {
			fmt.Fprintf(&b, "| %s | not judged: %s was not measured |\n", bar, label)
			continue
		}
		var misses, unjudged []string
		judged := 0
		for _, op := range opNames(reps) {
			if optIn(op.key) {
				continue
			}
			judged++
			t := ratioValue(base, other, op.key, func(x result) float64 { return x.OpsPerSec }, false)
			l := ratioValue(base, other, op.key, func(x result) float64 { return x.P50Ms }, true)
			switch {
			case t < 0 || l < 0:
				unjudged = append(unjudged, op.name)
			case t < factor || l < factor:
				misses = append(misses, fmt.Sprintf("%s (%s / %s)", op.name, fmtRatio(t), fmtRatio(l)))
			}
		}
		var verdict []string
		if len(misses) > 0 {
			verdict = append(verdict, "missed: "+strings.Join(misses, "; "))
		}
		if len(unjudged) > 0 {
			verdict = append(verdict, "not comparable (not run or failed calls): "+strings.Join(unjudged, "; "))
		}
		switch {
		case judged == 0:
			verdict = append(verdict, "not judged: none of its operations was measured")
		case len(verdict) == 0:
			verdict = append(verdict, "met")
		}
		fmt.Fprintf(&b, "| %s | %s |\n", bar, strings.Join(verdict, ". "))
	}
	bar := fmt.Sprintf("idle RSS under %g MB", rssMB)
	switch m := base.IdleMemory; {
	case m == nil:
		fmt.Fprintf(&b, "| %s | not measured |\n", bar)
	case m.MB() < rssMB:
		fmt.Fprintf(&b, "| %s | met (%.1f MB) |\n", bar, m.MB())
	default:
		fmt.Fprintf(&b, "| %s | missed (%.1f MB) |\n", bar, m.MB())
	}
	return b.String(), nil
}

// ratioValue is ratio's number, or -1 when the operation cannot be compared.
func ratioValue(base, other *report, key string, get func(result) float64, lowerBetter bool) float64 {
	x, okx := find(base, key)
	y, oky := find(other, key)
	if !okx || !oky || x.OK == 0 || y.OK == 0 || x.failed() > 0 || y.failed() > 0 {
		return -1
	}
	a, c := get(x), get(y)
	if lowerBetter {
		a, c = c, a
	}
	if c == 0 {
		return -1
	}
	return a / c
}

func fmtRatio(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", v)
}

// plural writes "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
