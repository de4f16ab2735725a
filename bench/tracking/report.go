package main

import (
	"fmt"
	"strings"
)

// report is everything one load-generator run measured; it is what -json
// writes and -combine reads.
type report struct {
	Label         string   `json:"label"`
	URL           string   `json:"url"`
	Date          string   `json:"date"`
	GoVersion     string   `json:"go_version"`
	CPUs          int      `json:"cpus"`
	Clients       int      `json:"clients"`
	Warmup        string   `json:"warmup"`
	Duration      string   `json:"duration"`
	MaxDuration   string   `json:"max_duration"`
	MinOps        int      `json:"min_ops"`
	MaxOps        int      `json:"max_ops"`
	SearchRuns    int      `json:"search_runs"`
	SearchPage    int      `json:"search_page"`
	SearchFilter  string   `json:"search_filter"`
	HistoryPoints int      `json:"history_points"`
	LoadBefore    string   `json:"load_before"` // /proc/loadavg: the machine is shared
	LoadAfter     string   `json:"load_after"`
	IdleMemory    *memory  `json:"idle_memory,omitempty"`
	LoadedMemory  *memory  `json:"loaded_memory,omitempty"`
	Results       []result `json:"results"`
}

// markdown renders one server's results as a table.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", r.Label)
	fmt.Fprintf(&b, "%d clients; each operation warmed up %s, then measured for at least %s and %d calls, at most %s",
		r.Clients, r.Warmup, r.Duration, r.MinOps, r.MaxDuration)
	if r.MaxOps > 0 {
		fmt.Fprintf(&b, " or %d calls", r.MaxOps)
	}
	fmt.Fprintf(&b, ". Search: `%s` over %d runs, first %d results. History: %d points.\n\n",
		r.SearchFilter, r.SearchRuns, r.SearchPage, r.HistoryPoints)
	b.WriteString("| operation | ok | errors | mean ms | p50 ms | p99 ms | ops/s | MB/s |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s |\n",
			x.Name, x.OK, x.Errors, num(x.MeanMs), num(x.P50Ms), num(x.P99Ms), num(x.OpsPerSec), num(x.MBPerSec))
	}
	fmt.Fprintf(&b, "\nMachine load average (1, 5, 15 min) before: %s; after: %s.\n", r.LoadBefore, r.LoadAfter)
	if m := r.IdleMemory; m != nil {
		fmt.Fprintf(&b, "\nIdle memory: RSS %.1f MB (PSS %.1f MB) in %d processes.",
			m.MB(), float64(m.PSSKB)/1024, m.Processes)
		if l := r.LoadedMemory; l != nil {
			fmt.Fprintf(&b, " After the load: RSS %.1f MB, peak %.1f MB.", l.MB(), float64(l.PeakRSSKB)/1024)
		}
		b.WriteString("\n")
	}
	for _, x := range r.Results {
		if x.WarmupErrors > 0 {
			fmt.Fprintf(&b, "\n%s: %d warm-up calls failed too.\n", x.Name, x.WarmupErrors)
		}
		if x.FirstError != "" {
			fmt.Fprintf(&b, "\nFirst error in %s: %s\n", x.Name, x.FirstError)
		}
	}
	return b.String()
}

// num formats a measurement with three significant figures or so: enough to
// compare, not so many that noise looks like precision.
func num(v float64) string {
	switch {
	case v == 0:
		return "–"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
