package pipeline

import (
	"context"
	"fmt"
	"html"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/predictor"
)

// predictHoldout scores rows of f with a saved predictor as the task reads
// them: K probabilities a row for multiclass, values for regression.
func predictHoldout(p *predictor.Predictor, f *frame.Frame) ([]float64, error) {
	if p.Task == ml.TaskRegression {
		return p.PredictValueFrame(f)
	}
	proba, _, err := p.PredictProbaFrame(f)
	return proba, err
}

// taskMetrics are the holdout metrics of predictions for a multiclass or
// regression task (scikit-learn's definitions; ml/metrics).
func taskMetrics(task string, y, pred []float64, k int) (map[string]float64, error) {
	if task == ml.TaskRegression {
		return metrics.Regression(y, pred, nil)
	}
	return metrics.Multiclass(y, pred, k, nil)
}

// evaluateTask is the evaluate step of a multiclass or regression task:
// every candidate's holdout metrics against the baseline (prior class
// probabilities, or the training mean), the success criterion (the winner
// beats the baseline on the selection metric) and a report.
func evaluateTask(ctx context.Context, r *Runner, dir string) (any, error) {
	task, k := r.st.info.Task, len(r.st.info.Classes)
	hold, y, yTrain, err := r.evaluationData()
	if err != nil {
		return nil, err
	}
	var base []float64
	if task == ml.TaskRegression {
		base, err = metrics.MeanBaseline(yTrain, nil, len(y))
	} else {
		_, base, err = metrics.PriorBaseline(yTrain, k, nil, len(y))
	}
	if err != nil {
		return nil, err
	}
	res := evaluateResult{Holdout: map[string]map[string]float64{}}
	if res.Baseline, err = taskMetrics(task, y, base, k); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	logged := map[string]float64{}
	var winnerPred []float64
	for _, c := range r.st.candidates {
		p, err := loadPredictor(c.Model)
		if err != nil {
			return nil, err
		}
		pred, err := predictHoldout(p, hold)
		if err != nil {
			return nil, err
		}
		m, err := taskMetrics(task, y, pred, k)
		if err != nil {
			return nil, fmt.Errorf("%s on the holdout: %w", c.Learner, err)
		}
		res.Holdout[c.Learner] = m
		for name, v := range m {
			logged["holdout."+c.Learner+"."+name] = v
		}
		if c.Learner == r.st.winner {
			winnerPred = pred
			for name, v := range m {
				logged["holdout_"+name] = v
			}
		}
	}
	for name, v := range res.Baseline {
		logged["baseline."+name] = v
	}
	metric := selectionMetric(task)
	got, want := res.Holdout[r.st.winner][metric], res.Baseline[metric]
	met := got > want
	if lowerIsBetter(task) {
		met = got < want
	}
	rel := map[bool]string{true: "better than", false: "no better than"}[met]
	res.Business = BusinessSummary{SuccessCriterionMet: met,
		Criterion: fmt.Sprintf("holdout %s %.4f %s the baseline's %.4f", metricLabel(metric), got, rel, want)}
	costs, err := costMatrix(r.Spec.Business, r.st.info.Classes)
	if err != nil {
		return nil, err
	}
	if b := r.Spec.Business; task == ml.TaskRegression && b.UnderCost > 0 && b.OverCost > 0 {
		// The shift was chosen on out-of-fold errors of the training rows;
		// the holdout only reports what it costs.
		decided := make([]float64, len(winnerPred))
		for i, v := range winnerPred {
			decided[i] = v + r.st.offset
		}
		guess := make([]float64, len(y))
		for i := range guess {
			guess[i] = leastCostOffset(yTrain, make([]float64, len(yTrain)), b.UnderCost, b.OverCost)
		}
		bs := &res.Business
		bs.CostPerRow = asymmetricCost(y, decided, b.UnderCost, b.OverCost)
		bs.BaselineCostPerRow = asymmetricCost(y, guess, b.UnderCost, b.OverCost)
		cheaper := bs.CostPerRow < bs.BaselineCostPerRow
		bs.SuccessCriterionMet = met && cheaper
		bs.Criterion += fmt.Sprintf(", and a cost per row of %.4f %s the best constant guess's %.4f", bs.CostPerRow,
			map[bool]string{true: "below", false: "not below"}[cheaper], bs.BaselineCostPerRow)
		logged["business.cost_per_row"], logged["business.baseline_cost_per_row"] = bs.CostPerRow, bs.BaselineCostPerRow
		logged["business.offset"] = r.st.offset
	}
	if task == ml.TaskMulticlass && costs != nil {
		// The decision rule is fixed by the costs, so nothing is tuned on
		// the holdout: each row gets its class of least expected cost.
		p, err := loadPredictor(winnerModel(r))
		if err != nil {
			return nil, err
		}
		decided := make([]float64, len(y))
		for i := range decided {
			decided[i] = float64(p.Decide(winnerPred[i*k : (i+1)*k]))
		}
		bs := &res.Business
		bs.CostPerRow = costPerRow(costs, y, decided)
		bs.BaselineCostPerRow = costPerRow(costs, y, constantDecision(costs, yTrain, k, len(y)))
		cheaper := bs.CostPerRow < bs.BaselineCostPerRow
		bs.SuccessCriterionMet = met && cheaper
		bs.Criterion += fmt.Sprintf(", and a cost per row of %.4f %s the best constant guess's %.4f", bs.CostPerRow,
			map[bool]string{true: "below", false: "not below"}[cheaper], bs.BaselineCostPerRow)
		logged["business.cost_per_row"], logged["business.baseline_cost_per_row"] = bs.CostPerRow, bs.BaselineCostPerRow
	}
	if !met {
		res.Business.Verdict = fmt.Sprintf("The winner does not beat predicting %s: it has learnt nothing that holds on the holdout.", baselineText(task))
	}
	var decided []float64
	decision := ""
	if task == ml.TaskMulticlass {
		p, err := loadPredictor(winnerModel(r))
		if err != nil {
			return nil, err
		}
		decided = make([]float64, len(y))
		for i := range decided {
			decided[i] = float64(p.Decide(winnerPred[i*k : (i+1)*k]))
		}
		decision = "each row is decided its most probable class"
		if p.CostMatrix != nil {
			decision = "each row is decided its class of least expected cost (business.costs)"
		}
	}
	if res.Inspection, err = r.inspectWinner(ctx, hold, y, decided, decision); err != nil {
		return nil, err
	}
	report := filepath.Join(dir, "evaluation.html")
	if err := writeTaskEvaluation(report, r, y, winnerPred, res); err != nil {
		return nil, err
	}
	if err := r.logMetrics(ctx, r.parentID, logged); err != nil {
		return nil, err
	}
	if err := r.logFile(ctx, r.parentID, "reports", report); err != nil {
		return nil, err
	}
	res.Report = report
	return res, loadEvaluate(r, mustJSON(res))
}

// winnerModel is the winning candidate's predictor file.
func winnerModel(r *Runner) string {
	for _, c := range r.st.candidates {
		if c.Learner == r.st.winner {
			return c.Model
		}
	}
	return ""
}

// constantDecision decides every row the class of least expected cost
// under the training class shares: the best guess without a model.
func constantDecision(costs [][]float64, yTrain []float64, k, n int) []float64 {
	share := make([]float64, k)
	for _, v := range yTrain {
		share[int(v)]++
	}
	best, bestCost := 0, math.Inf(1)
	for j := 0; j < k; j++ {
		c := 0.0
		for i := 0; i < k; i++ {
			c += share[i] * costs[i][j]
		}
		if c < bestCost {
			best, bestCost = j, c
		}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(best)
	}
	return out
}

func baselineText(task string) string {
	if task == ml.TaskRegression {
		return "the training mean for every row"
	}
	return "the training class shares for every row"
}

// metricOrder lists a task's metrics in the order reports show them.
func metricOrder(task string) []string {
	if task == ml.TaskRegression {
		return []string{"rmse", "mae", "r2", "mape", "explained_variance", "median_ae"}
	}
	return []string{"accuracy", "balanced_accuracy", "f1_macro", "f1_weighted", "roc_auc_ovr", "roc_auc_ovo", "log_loss", "brier"}
}

func writeTaskEvaluation(path string, r *Runner, y, pred []float64, res evaluateResult) error {
	task := r.st.info.Task
	var b strings.Builder
	fmt.Fprintf(&b, "<p>A %s task. Trained on %s rows, evaluated on %s holdout rows (split %s). Winner (chosen by %s on %s, never on the holdout): <b>%s</b>.</p>",
		task, thousands(len(r.st.train)), thousands(len(y)), html.EscapeString(r.Spec.Split.describe()), html.EscapeString(metricLabel(selectionMetric(task))), html.EscapeString(r.validationText()), html.EscapeString(r.st.winner))
	cols := metricOrder(task)
	b.WriteString("<h2>Holdout metrics</h2><table><tr><th>model</th>")
	for _, c := range cols {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(metricLabel(c)))
	}
	b.WriteString("</tr>")
	rows := maps.Clone(res.Holdout)
	rows["baseline"] = res.Baseline
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		fmt.Fprintf(&b, "<tr><td>%s</td>", html.EscapeString(name))
		for _, c := range cols {
			if v, ok := rows[name][c]; ok {
				fmt.Fprintf(&b, "<td>%s</td>", four(v))
			} else {
				b.WriteString("<td>–</td>")
			}
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	if task != ml.TaskMulticlass {
		// Predicted against actual, by deciles of the prediction.
		idx := make([]int, len(pred))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, c int) int { return cmpFloat(pred[a], pred[c]) })
		var px, py []float64
		for d := 0; d < 10; d++ {
			lo, hi := d*len(idx)/10, (d+1)*len(idx)/10
			if hi <= lo {
				continue
			}
			var sp, sy float64
			for _, i := range idx[lo:hi] {
				sp, sy = sp+pred[i], sy+y[i]
			}
			px, py = append(px, sp/float64(hi-lo)), append(py, sy/float64(hi-lo))
		}
		b.WriteString(lineChart("Actual against predicted, by deciles of the prediction", "mean predicted", "mean actual", false,
			series{Name: "model", X: px, Y: py}, series{Name: "perfect", X: []float64{px[0], px[len(px)-1]}, Y: []float64{px[0], px[len(px)-1]}, Color: "#aaa"}))
	}
	bs := res.Business
	fmt.Fprintf(&b, "<h2>Result</h2><p>Success criterion (%s): <b>%s</b>.</p>", html.EscapeString(bs.Criterion), metOrMissed(bs.SuccessCriterionMet))
	if bs.Verdict != "" {
		fmt.Fprintf(&b, "<p><b>%s</b></p>", html.EscapeString(bs.Verdict))
	}
	res.Inspection.writeHTML(&b)
	return os.WriteFile(path, []byte(page("Evaluation", b.String())), 0o644)
}
