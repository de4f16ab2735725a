package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// runReport reads bench's JSON outputs and prints them side by side.
func runReport(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: scale report OUT.json...")
	}
	var reps []*benchReport
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var r benchReport
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		reps = append(reps, &r)
	}
	_, err := io.WriteString(stdout, markdown(reps))
	return err
}

// opNames are the table's row labels, in order.
var opNames = []struct{ key, name string }{
	{"search", "search runs"},
	{"history", "get-history, all pages"},
	{"page-first", "runs page, first load"},
	{"page-sorted", "runs page, sorted by m1"},
}

// cell is one (engine, size): the Weir and the mlflow report measured on it.
type cell struct {
	engine       string
	runs, points int
	weir, mlflow *benchReport
}

// cells pairs the reports by engine and size, PostgreSQL after SQLite,
// small sizes first.
func cells(reps []*benchReport) []*cell {
	var cs []*cell
	for _, r := range reps {
		i := slices.IndexFunc(cs, func(c *cell) bool { return c.engine == r.Engine && c.runs == r.Runs && c.points == r.Points })
		if i < 0 {
			cs = append(cs, &cell{engine: r.Engine, runs: r.Runs, points: r.Points})
			i = len(cs) - 1
		}
		if r.Server == "mlflow" {
			cs[i].mlflow = r
		} else {
			cs[i].weir = r
		}
	}
	slices.SortFunc(cs, func(a, b *cell) int {
		return cmp.Or(cmp.Compare(b.engine, a.engine), cmp.Compare(a.runs, b.runs), cmp.Compare(a.points, b.points))
	})
	return cs
}

// markdown renders the latency table and the size table.
func markdown(reps []*benchReport) string {
	var b strings.Builder
	cs := cells(reps)
	b.WriteString("| engine | runs / history points | operation | Weir p50 ms | Weir p99 ms | mlflow p50 ms | mlflow p99 ms | mlflow ÷ Weir (p50) |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|--:|\n")
	for _, c := range cs {
		for _, o := range opNames {
			w, m := find(c.weir, o.key), find(c.mlflow, o.key)
			if w == nil && m == nil {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s / %s | %s | %s | %s | %s | %s | %s |\n", c.engine, short(c.runs), short(c.points), o.name,
				p50(w), p99(w), p50(m), p99(m), ratio(w, m))
		}
	}
	b.WriteString("\np99 is the slowest call when fewer than 100 were timed; (n) is the number of calls timed when it is below the\n")
	b.WriteString("run's -reps (capped by -max-time); a cell with errors shows them instead of a time.\n\n")
	b.WriteString("| engine | runs / history points | Weir bytes per run | mlflow bytes per run | Weir bytes per point | mlflow bytes per point | Weir run tables MB | mlflow run tables MB |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, c := range cs {
		ws, ms := size(c.weir), size(c.mlflow)
		if ws == nil && ms == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s / %s | %s | %s | %s | %s | %s | %s |\n", c.engine, short(c.runs), short(c.points),
			sizeNum(ws, func(s *storeSize) float64 { return s.PerRun }), sizeNum(ms, func(s *storeSize) float64 { return s.PerRun }),
			sizeNum(ws, func(s *storeSize) float64 { return s.PerPoint }), sizeNum(ms, func(s *storeSize) float64 { return s.PerPoint }),
			sizeNum(ws, func(s *storeSize) float64 { return float64(s.Bytes) / (1 << 20) }), sizeNum(ms, func(s *storeSize) float64 { return float64(s.Bytes) / (1 << 20) }))
	}
	b.WriteString("\nMachine load average (1, 5, 15 min) before and after each server's run:\n\n")
	for _, c := range cs {
		for _, r := range []*benchReport{c.weir, c.mlflow} {
			if r != nil {
				fmt.Fprintf(&b, "- %s, %s, %s runs: %s → %s\n", r.Label, r.Engine, short(r.Runs), r.LoadBefore, r.LoadAfter)
			}
		}
	}
	return b.String()
}

func find(r *benchReport, key string) *opResult {
	if r == nil {
		return nil
	}
	for i := range r.Results {
		if r.Results[i].Key == key {
			return &r.Results[i]
		}
	}
	return nil
}

func size(r *benchReport) *storeSize {
	if r == nil {
		return nil
	}
	return r.Size
}

func p50(r *opResult) string {
	if s, bad := badCell(r); bad {
		return s
	}
	return num(r.P50Ms)
}

// p99 also says how many calls were timed when the time cap cut them short.
func p99(r *opResult) string {
	if s, bad := badCell(r); bad {
		return s
	}
	if r.Capped {
		return fmt.Sprintf("%s (%d)", num(r.P99Ms), r.OK)
	}
	return num(r.P99Ms)
}

// badCell is the text of a cell that has no honest time: not measured, or
// some answers wrong.
func badCell(r *opResult) (string, bool) {
	switch {
	case r == nil:
		return "–", true
	case r.Errors > 0:
		return fmt.Sprintf("%d errors", r.Errors), true
	}
	return "", false
}

func ratio(w, m *opResult) string {
	if _, bad := badCell(w); bad {
		return "–"
	}
	if _, bad := badCell(m); bad || w.P50Ms == 0 {
		return "–"
	}
	return num(m.P50Ms/w.P50Ms) + "x"
}

func sizeNum(s *storeSize, f func(*storeSize) float64) string {
	if s == nil {
		return "–"
	}
	return num(f(s))
}

// num formats a measurement with about three significant figures.
func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// short writes 10000 as 10k and 1000000 as 1M.
func short(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
