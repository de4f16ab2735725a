package pipeline

import (
	"fmt"
	"io"

	"github.com/weir-ml/weir/ml"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Summary is what a pipeline run ends with; its JSON keys are stable.
type Summary struct {
	// Task is binary, multiclass or regression; TaskWhy says how it was
	// chosen. Positive is a binary task's positive class.
	Task     string `json:"task"`
	TaskWhy  string `json:"task_why"`
	Positive string `json:"positive,omitempty"`
	// Split says how the holdout was set aside.
	Split         string                        `json:"split"`
	Pipeline      string                        `json:"pipeline"`
	Question      string                        `json:"question"`
	Data          DataSummary                   `json:"data"`
	Holdout       map[string]map[string]float64 `json:"holdout"`
	Baseline      map[string]float64            `json:"baseline"`
	Winner        string                        `json:"winner"`
	Champion      ChampionSummary               `json:"champion"`
	Business      BusinessSummary               `json:"business"`
	Reports       map[string]string             `json:"reports"`
	Image         StepOutcome                   `json:"image"`
	Monitoring    MonitoringSummary             `json:"monitoring"`
	Steps         []StepResult                  `json:"steps"`
	PipelineRunID string                        `json:"pipeline_run_id"`
	TrackingURI   string                        `json:"tracking_uri"`
	ServeCommand  string                        `json:"serve_command"`
	// ModelDir is the local copy of the registered model directory.
	ModelDir string  `json:"model_dir"`
	Seconds  float64 `json:"seconds"`
	// Importance is the winner's permutation importance on the holdout,
	// most important first; ImportanceScore the score it is the change of.
	Importance      []Importance `json:"importance,omitempty"`
	ImportanceScore string       `json:"importance_score,omitempty"`
}

// DataSummary describes the dataset and the split.
type DataSummary struct {
	Name        string `json:"name"`
	Source      string `json:"source"`
	SHA256      string `json:"sha256"`
	Digest      string `json:"digest"`
	Rows        int    `json:"rows"`
	Columns     int    `json:"columns"`
	TrainRows   int    `json:"train_rows"`
	HoldoutRows int    `json:"holdout_rows"`
	// RowsByPeriod counts the rows of each period, when there are periods.
	RowsByPeriod map[string]int `json:"rows_by_period,omitempty"`
	Leakage      []string       `json:"leakage_warnings"`
}

// ChampionSummary is the registered winner.
type ChampionSummary struct {
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	ModelURI string   `json:"model_uri"`
	ModelID  string   `json:"model_id"`
	Aliases  []string `json:"aliases"`
	Promoted bool     `json:"promoted"`
	Reason   string   `json:"reason"`
}

// BusinessSummary holds the money figures on the holdout, at the decision
// threshold chosen on the training period.
type BusinessSummary struct {
	CostPerContact     float64 `json:"cost_per_contact"`
	ValuePerConversion float64 `json:"value_per_conversion"`
	Threshold          float64 `json:"threshold"`
	// ThresholdChosenOn says what the threshold was chosen on.
	ThresholdChosenOn   string  `json:"threshold_chosen_on"`
	Contacted           int     `json:"contacted"`
	Conversions         int     `json:"conversions"`
	Profit              float64 `json:"profit"`
	ProfitContactAll    float64 `json:"profit_contact_everyone"`
	ConversionsAll      int     `json:"conversions_contact_everyone"`
	LiftTopDecile       float64 `json:"lift_top_decile"`
	SuccessCriterionMet bool    `json:"success_criterion_met"`
	Criterion           string  `json:"criterion"`
	// Verdict says in plain words why a missed criterion was missed.
	Verdict string `json:"verdict,omitempty"`
	// CostPerRow (multiclass with business.costs) is the holdout's mean
	// cost of the model's decisions; BaselineCostPerRow that of the best
	// constant guess on the training class shares.
	CostPerRow         float64 `json:"cost_per_row,omitempty"`
	BaselineCostPerRow float64 `json:"baseline_cost_per_row,omitempty"`
	// Hindsight is the best the model could have done on the holdout,
	// with a threshold chosen on the holdout's own answers.
	Hindsight *Hindsight `json:"hindsight,omitempty"`
}

// Hindsight is a figure chosen with the answers: an upper bound, never the
// reported result.
type Hindsight struct {
	Threshold   float64 `json:"threshold"`
	Contacted   int     `json:"contacted"`
	Conversions int     `json:"conversions"`
	Profit      float64 `json:"profit"`
}

// StepOutcome is the result of a step that may be skipped.
type StepOutcome struct {
	Status    string `json:"status"` // "done" or "skipped: <reason>"
	Reference string `json:"reference,omitempty"`
	Digest    string `json:"digest,omitempty"`
}

// MonitoringSummary is the replay of later periods.
type MonitoringSummary struct {
	Status           string          `json:"status"`
	ReferenceProfile string          `json:"reference_profile,omitempty"`
	ReplayedThrough  string          `json:"replayed_through,omitempty"`
	Periods          []PeriodMonitor `json:"periods,omitempty"`
	Retrain          bool            `json:"retrain"`
	Decision         string          `json:"decision,omitempty"`
}

// PeriodMonitor is what monitoring saw in one replayed period.
type PeriodMonitor struct {
	Period string  `json:"period"`
	Rows   int     `json:"rows"`
	AUC    float64 `json:"auc,omitempty"`
	// Metric and Score are the task's metric in the period, for multiclass
	// (accuracy) and regression (rmse) tasks.
	Metric         string   `json:"metric,omitempty"`
	Score          float64  `json:"score,omitempty"`
	PositiveRate   float64  `json:"positive_rate"`
	MeanPrediction float64  `json:"mean_prediction"`
	DriftedColumns []string `json:"drifted_columns"`
	DriftShare     float64  `json:"drift_share"`
}

// StepResult is how a step went in this invocation.
type StepResult struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"` // ran or cached
	Seconds float64 `json:"seconds"`
	RunID   string  `json:"run_id"`
}

func newSummary(s *Spec) *Summary {
	return &Summary{
		Pipeline: s.Name, Question: s.Business.Question,
		Holdout: map[string]map[string]float64{}, Reports: map[string]string{},
		Image: StepOutcome{Status: "not run"}, Monitoring: MonitoringSummary{Status: "not run"},
	}
}

// WriteText writes the summary for a person.
func (s *Summary) WriteText(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("")
	p("Question   %s", s.Question)
	p("Data       %s: %s rows × %s columns, sha256 %s", s.Data.Name, thousands(s.Data.Rows), thousands(s.Data.Columns), shortHash(s.Data.SHA256))
	p("           train %s rows, holdout %s rows (split %s)", thousands(s.Data.TrainRows), thousands(s.Data.HoldoutRows), s.Split)
	if len(s.Data.Leakage) > 0 {
		p("           leakage: %s", strings.Join(s.Data.Leakage, "; "))
	}
	if s.TaskWhy != "" {
		p("Task       %s", s.TaskWhy)
	}
	cols := []struct{ key, label string }{{"roc_auc", "AUC"}, {"pr_auc", "PR-AUC"}, {"log_loss", "log-loss"}, {"brier", "Brier"}}
	switch s.Task {
	case ml.TaskMulticlass:
		cols = []struct{ key, label string }{{"roc_auc_ovr", "AUC (OvR)"}, {"accuracy", "accuracy"}, {"f1_macro", "F1 (macro)"}, {"log_loss", "log-loss"}}
	case ml.TaskRegression:
		cols = []struct{ key, label string }{{"rmse", "RMSE"}, {"mae", "MAE"}, {"r2", "R²"}}
	}
	p("Models     holdout metrics (baseline %s %.4f):", cols[0].label, s.Baseline[cols[0].key])
	for _, name := range slices.Sorted(maps.Keys(s.Holdout)) {
		m := s.Holdout[name]
		mark := " "
		if name == s.Winner {
			mark = "*"
		}
		line := fmt.Sprintf("         %s %-20s", mark, name)
		for _, c := range cols {
			line += fmt.Sprintf(" %s %.4f ", c.label, m[c.key])
		}
		p("%s", strings.TrimRight(line, " "))
	}
	p("Winner     %s, registered as %s version %s (aliases %s)", s.Winner, s.Champion.Name, s.Champion.Version, strings.Join(s.Champion.Aliases, ", "))
	p("           %s", s.Champion.Reason)
	if line := s.leansOn(3); line != "" {
		p("           %s", line)
	}
	b := s.Business
	if s.Task != "" && s.Task != ml.TaskBinary {
		if b.CostPerRow != 0 || b.BaselineCostPerRow != 0 {
			p("Business   decisions of least expected cost: %.4f per row on the holdout vs %.4f for the best constant guess", b.CostPerRow, b.BaselineCostPerRow)
		}
		p("Result     success criterion (%s): %s", b.Criterion, metOrMissed(b.SuccessCriterionMet))
		if b.Verdict != "" {
			p("           %s", b.Verdict)
		}
	} else {
		s.writeBusiness(p)
	}
	p("Reports")
	for _, k := range slices.Sorted(maps.Keys(s.Reports)) {
		p("           %-18s %s", k, s.Reports[k])
	}
	p("%s", strings.TrimRight("Image      "+s.Image.Status+" "+s.Image.Reference, " "))
	p("Monitoring %s", s.Monitoring.Status)
	if s.Monitoring.ReplayedThrough != "" {
		p("           replayed through %s", s.Monitoring.ReplayedThrough)
	}
	for _, m := range s.Monitoring.Periods {
		if m.Metric != "" {
			p("           %s: %s rows, %s %.4f, %s", m.Period, thousands(m.Rows), metricLabel(m.Metric), m.Score, driftedText(m.DriftedColumns))
			continue
		}
		p("           %s: %s rows, AUC %.4f, positive rate %.3f, mean prediction %.3f, %s", m.Period, thousands(m.Rows), m.AUC, m.PositiveRate, m.MeanPrediction, driftedText(m.DriftedColumns))
	}
	if s.Monitoring.Decision != "" {
		p("           retraining decision: %s", s.Monitoring.Decision)
	}
	cached := 0
	for _, st := range s.Steps {
		if st.Status == "cached" {
			cached++
		}
	}
	p("Run        %s (%d of %d steps cached) in %.1fs", s.PipelineRunID, cached, len(s.Steps), s.Seconds)
	p("Serve      %s", s.ServeCommand)
}

// driftedText says which columns drifted: "no column drifted", "drifted 2
// columns (age, job)".
func driftedText(cols []string) string {
	if len(cols) == 0 {
		return "no column drifted"
	}
	return fmt.Sprintf("drifted %s (%s)", countOf(len(cols), "column", "columns"), strings.Join(cols, ", "))
}

// metOrMissed says plainly whether a criterion held.
func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// thousands writes n with thousands separators: 12,345.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// money writes an amount rounded to whole units with thousands separators.
func money(v float64) string { return thousands(int(math.Round(v))) }

// writeBusiness writes a binary task's business figures.
func (s *Summary) writeBusiness(p func(format string, args ...any)) {
	b := s.Business
	p("Business   call when P(%s) > %.3f (chosen on %s):", s.Positive, b.Threshold, b.ThresholdChosenOn)
	p("           %s contacts, %s conversions, profit %s on the holdout", thousands(b.Contacted), thousands(b.Conversions), money(b.Profit))
	p("           vs contacting everyone: profit %s (%s conversions); top-decile lift %.2f", money(b.ProfitContactAll), thousands(b.ConversionsAll), b.LiftTopDecile)
	if h := b.Hindsight; h != nil {
		p("           hindsight (threshold %.3f chosen on the holdout itself, an upper bound): profit %s", h.Threshold, money(h.Profit))
	}
	p("           success criterion (%s): %s", b.Criterion, metOrMissed(b.SuccessCriterionMet))
	if b.Verdict != "" {
		p("           %s", b.Verdict)
	}
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// four writes a metric to four decimals, without the minus sign of a value
// that rounds to zero.
func four(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if s == "-0.0000" {
		return "0.0000"
	}
	return s
}

// leansOn names the n most important columns of the winner and what
// shuffling each costs, of those whose shuffling costs anything: "most
// important: month, poutcome and balance (the holdout ROC AUC drops by
// 0.0551, 0.0262 and 0.0232 when one is shuffled)".
func (s *Summary) leansOn(n int) string {
	var cols, costs []string
	for _, fi := range s.Importance {
		if len(cols) == n || fi.Mean <= 0 {
			break
		}
		cols, costs = append(cols, fi.Column), append(costs, fmt.Sprintf("%.4f", fi.Mean))
	}
	if len(cols) == 0 {
		return ""
	}
	change := "rises"
	if s.ImportanceScore == "roc_auc" {
		change = "drops"
	}
	which := "one"
	if len(cols) == 1 {
		which = "it"
	}
	return fmt.Sprintf("most important: %s (the holdout %s %s by %s when %s is shuffled)", listText(cols), scoreName(s.ImportanceScore), change, listText(costs), which)
}
