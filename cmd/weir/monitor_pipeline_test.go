//go:build !weir_serve

package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/pipeline"
)

// agreeSpec is a quick binary pipeline over the rows agreeCSV writes: 2020
// trains, 2021 is the holdout the monitoring step replays.
const agreeSpec = `
name: agree
experiment: agree
seed: 3
business: {question: "Who buys?", cost_per_contact: 2, value_per_conversion: 15, min_auc: 0.5}
data: {name: agree, path: PATH, target: y, positive: "yes"}
split: {kind: time, column: year, cutoff: "2021"}
prepare:
  steps:
    - {name: numeric, columns: [age, score], transforms: [{type: standard_scaler}]}
    - {name: categories, columns: [job], transforms: [{type: one_hot}]}
model:
  folds: 2
  cv: stratified
  candidates:
    - {learner: logistic_regression, search: grid, space: {c: {choice: [1.0]}}}
registry: {model_name: agree, promote_margin: 0.01}
monitoring: {period_column: year, window_size: 150}
`

// agreeCSV writes 900 rows of 2020 and 700 of 2021 in which y follows
// score, and returns the path and the 2021 rows as a CSV of their own.
func agreeCSV(t *testing.T, dir string) (all, holdout string) {
	t.Helper()
	r := rand.New(rand.NewPCG(5, 6))
	head := "age,job,score,year,y\n"
	var b, h strings.Builder
	b.WriteString(head)
	h.WriteString(head)
	for i := range 1600 {
		year := 2020 + i/900
		score := r.NormFloat64()
		y := "no"
		if score+r.NormFloat64() > 1.2-0.4*float64(year-2020) {
			y = "yes"
		}
		line := fmt.Sprintf("%d,%s,%.3f,%d,%s\n", 18+r.IntN(60), []string{"a", "b", "c"}[r.IntN(3)], score, year, y)
		b.WriteString(line)
		if year == 2021 {
			h.WriteString(line)
		}
	}
	all, holdout = filepath.Join(dir, "all.csv"), filepath.Join(dir, "holdout.csv")
	for p, s := range map[string]string{all: b.String(), holdout: h.String()} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return all, holdout
}

// bankHoldout writes the bank data's 2009 and 2010 rows, which the demo
// replays, as a CSV of their own.
func bankHoldout(t *testing.T, dir string) (all, holdout string) {
	t.Helper()
	all = os.Getenv("WEIR_BANK_DATA")
	if all == "" {
		all = filepath.Join("..", "..", "..", "shared", "data", "bank-marketing", "bank-full.csv")
	}
	raw, err := os.ReadFile(all)
	if err != nil {
		t.Skipf("bank-marketing data not found at %s (set WEIR_BANK_DATA): %v", all, err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	holdout = filepath.Join(dir, "holdout.csv")
	body := lines[0] + "\n" + strings.Join(lines[1+bankEnd2008:], "\n") + "\n"
	if err := os.WriteFile(holdout, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return all, holdout
}

// TestMonitorReportAgreesWithPipeline runs a pipeline, then weir monitor
// report on the rows its monitoring step replayed, as a CSV scored by the
// registered model: every window must have the same rows, label and
// figures in both reports, the business value included.
func TestMonitorReportAgreesWithPipeline(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec func(data string) []byte
		data func(t *testing.T, dir string) (all, holdout string)
		slow bool
		// year is the CSV's column of years, for windows by time.
		year string
	}{
		{"synthetic", func(data string) []byte { return []byte(strings.Replace(agreeSpec, "PATH", data, 1)) }, agreeCSV, false, "year"},
		{"bank demo", func(string) []byte { return pipeline.BankMarketing }, bankHoldout, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && testing.Short() {
				t.Skip("trains on the bank data")
			}
			dir := t.TempDir()
			all, holdout := tc.data(t, dir)
			spec := filepath.Join(dir, "pipeline.yaml")
			if err := os.WriteFile(spec, tc.spec(all), 0o644); err != nil {
				t.Fatal(err)
			}
			store := []string{"--tracking-uri", "sqlite:///" + filepath.Join(dir, "weir.db"), "--artifacts-destination", filepath.Join(dir, "artifacts")}
			summary := filepath.Join(dir, "summary.json")
			args := append([]string{"pipeline", "run", spec, "--data", all, "--no-image", "--state-dir", filepath.Join(dir, "state"), "--summary-json", summary}, store...)
			if _, _, err := runMainErr(t, args...); err != nil {
				t.Fatalf("pipeline run: %v", err)
			}
			var sum pipeline.Summary
			mustReadJSON(t, summary, &sum)
			var want monitor.Report
			mustReadJSON(t, filepath.Join(filepath.Dir(sum.Reports["monitoring"]), "monitoring.json"), &want)

			out := filepath.Join(dir, "report")
			size := fmt.Sprint(want.Windows[0].Rows)
			args = append([]string{"monitor", "report", "-m", sum.ModelDir, "--current", holdout, "--window-rows", size, "--out", out, "--no-log"}, store...)
			if _, _, err := runMainErr(t, args...); err != nil {
				if _, fired := err.(*alertsFired); !fired {
					t.Fatalf("monitor report: %v", err)
				}
			}
			var got monitor.Report
			mustReadJSON(t, filepath.Join(out, "report.json"), &got)
			if got.Decision != want.Decision {
				t.Errorf("monitor report decides %q, the pipeline %q", got.Decision, want.Decision)
			}
			if len(got.Windows) != len(want.Windows) {
				t.Fatalf("monitor report has %d windows, the pipeline's %d", len(got.Windows), len(want.Windows))
			}
			// Both score the same rows with the same predictor; only the
			// order of floating-point sums may differ.
			const tol = 1e-9
			for i, w := range want.Windows {
				g := got.Windows[i]
				if !strings.HasPrefix(w.Label, g.Label+" (") || g.FirstRow != w.FirstRow || g.LastRow != w.LastRow || g.Rows != w.Rows {
					t.Errorf("window %d: got %q rows %d–%d, want %q rows %d–%d", i, g.Label, g.FirstRow, g.LastRow, w.Label, w.FirstRow, w.LastRow)
				}
				for _, m := range []struct {
					name      string
					got, want monitor.Number
				}{
					{"roc_auc", g.ROCAUC, w.ROCAUC}, {"precision", g.Precision, w.Precision}, {"recall", g.Recall, w.Recall},
					{"business_value", g.Business, w.Business}, {"positive_rate", g.PositiveRate, w.PositiveRate},
					{"mean_score", g.MeanScore, w.MeanScore}, {"estimated_roc_auc", g.EstROCAUC, w.EstROCAUC},
				} {
					a, b := float64(m.got), float64(m.want)
					if math.IsNaN(a) && math.IsNaN(b) {
						continue // no decision to score in either: nobody contacted
					}
					if math.IsNaN(a) != math.IsNaN(b) || math.Abs(a-b) > tol*math.Max(1, math.Abs(b)) {
						t.Errorf("window %s %s: got %v, want %v (pipeline)", w.Label, m.name, m.got, m.want)
					}
				}
			}
			priced := false
			for _, w := range got.Windows {
				priced = priced || !math.IsNaN(float64(w.Business)) && w.Business != 0
			}
			if !priced {
				t.Error("no window has a business value: the model's prices were not read")
			}
			if !strings.HasPrefix(got.Windows[0].Label, "rows 1–") {
				t.Errorf("first window is labelled %q, want its rows", got.Windows[0].Label)
			}
			if tc.year == "" {
				return
			}
			// With a time column, windows follow --window and are named by
			// their period.
			args = append([]string{"monitor", "report", "-m", sum.ModelDir, "--current", holdout, "--time-column", tc.year, "--window", "year", "--out", out, "--no-log"}, store...)
			if _, _, err := runMainErr(t, args...); err != nil {
				if _, fired := err.(*alertsFired); !fired {
					t.Fatalf("monitor report --time-column: %v", err)
				}
			}
			mustReadJSON(t, filepath.Join(out, "report.json"), &got)
			if n := len(want.Windows); len(got.Windows) != 1 || got.Windows[0].Label != "2021" || got.Windows[0].Rows != want.Windows[n-1].LastRow {
				t.Errorf("windows by year: %d windows, the first %q of %d rows; want one, 2021, of every replayed row", len(got.Windows), got.Windows[0].Label, got.Windows[0].Rows)
			}
		})
	}
}

func mustReadJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
