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
	"sort"
	"strings"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
)

// holdoutMetrics returns the metrics of probabilities p against labels y.
func holdoutMetrics(y, p []float64) (map[string]float64, error) {
	auc, err := metrics.ROCAUC(y, p, nil)
	if err != nil {
		return nil, err
	}
	ap, err := metrics.AveragePrecision(y, p, nil)
	if err != nil {
		return nil, err
	}
	ll, err := metrics.LogLoss(y, p, nil)
	if err != nil {
		return nil, err
	}
	br, err := metrics.Brier(y, p, nil)
	if err != nil {
		return nil, err
	}
	ks, err := metrics.KS(y, p, nil)
	if err != nil {
		return nil, err
	}
	return map[string]float64{"roc_auc": auc, "pr_auc": ap, "log_loss": ll, "brier": br, "ks": ks}, nil
}

// ProfitPoint is the profit of contacting the clients whose score is above
// Threshold.
type ProfitPoint struct {
	Threshold   float64 `json:"threshold"`
	Contacted   int     `json:"contacted"`
	Conversions int     `json:"conversions"`
	Profit      float64 `json:"profit"`
}

// ProfitCurve returns the profit of every cut of the scores, from contacting
// nobody to contacting everyone: value per conversion minus cost per
// contact. Tied scores are contacted together, since a threshold cannot
// separate them.
func ProfitCurve(y, score []float64, cost, value float64) []ProfitPoint {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] > score[idx[b]] })
	out := []ProfitPoint{{Threshold: math.Inf(1)}}
	conv := 0
	for k := 0; k < len(idx); k++ {
		if y[idx[k]] == 1 {
			conv++
		}
		if k+1 < len(idx) && score[idx[k+1]] == score[idx[k]] {
			continue
		}
		th := math.Inf(-1)
		if k+1 < len(idx) {
			th = score[idx[k+1]] // contact when score > the next one down
		}
		out = append(out, ProfitPoint{Threshold: th, Contacted: k + 1, Conversions: conv, Profit: value*float64(conv) - cost*float64(k+1)})
	}
	return out
}

type evaluateResult struct {
	Holdout   map[string]map[string]float64 `json:"holdout"`
	Baseline  map[string]float64            `json:"baseline"`
	Business  BusinessSummary               `json:"business"`
	Report    string                        `json:"report"`
	Threshold float64                       `json:"threshold"`
	// Inspection is the winner's confusion matrix and importance.
	Inspection *Inspection `json:"inspection,omitempty"`
}

// evaluationData returns the holdout rows' features and targets, and the
// training rows' targets.
func (r *Runner) evaluationData() (hold *frame.Frame, y, yTrain []float64, err error) {
	f, _, err := r.features()
	if err != nil {
		return nil, nil, nil, err
	}
	if hold, err = f.Take(r.st.holdout); err != nil {
		return nil, nil, nil, err
	}
	if y, err = r.st.target(r.st.holdout); err != nil {
		return nil, nil, nil, err
	}
	yTrain, err = r.st.target(r.st.train)
	return hold, y, yTrain, err
}

func runEvaluate(ctx context.Context, r *Runner, dir string) (any, error) {
	if r.st.info.Task != ml.TaskBinary {
		return evaluateTask(ctx, r, dir)
	}
	hold, y, yTrain, err := r.evaluationData()
	if err != nil {
		return nil, err
	}
	res := evaluateResult{Holdout: map[string]map[string]float64{}}
	// The naive baseline predicts the training positive rate for everyone.
	base := make([]float64, len(y))
	for i := range base {
		base[i] = mean(yTrain)
	}
	if res.Baseline, err = holdoutMetrics(y, base); err != nil {
		return nil, err
	}
	var winnerProba []float64
	logged := map[string]float64{}
	for _, c := range r.st.candidates {
		p, err := loadPredictor(c.Model)
		if err != nil {
			return nil, err
		}
		proba, _, err := p.PredictFrame(hold)
		if err != nil {
			return nil, err
		}
		m, err := holdoutMetrics(y, proba)
		if err != nil {
			return nil, err
		}
		res.Holdout[c.Learner] = m
		for k, v := range m {
			logged["holdout."+c.Learner+"."+k] = v
		}
		if c.Learner == r.st.winner {
			winnerProba = proba
			for k, v := range m {
				logged["holdout_"+k] = v
			}
		}
	}
	for k, v := range res.Baseline {
		logged["baseline."+k] = v
	}
	b := r.Spec.Business
	oof, err := readOOF(r.st.oofPath)
	if err != nil {
		return nil, err
	}
	// The decision rule is chosen where the model's choice was made: on
	// out-of-fold scores of the training period. The holdout only reports
	// what that rule earns.
	chosen := slices.MaxFunc(ProfitCurve(oof.Y, oof.Score, b.CostPerContact, b.ValuePerConversion), func(a, b ProfitPoint) int { return cmpFloat(a.Profit, b.Profit) })
	curve := ProfitCurve(y, winnerProba, b.CostPerContact, b.ValuePerConversion)
	// A threshold is a probability the predictor compares with: "contact
	// everyone" (-Inf) is 0, "contact nobody" (+Inf) is 1.
	at := profitAt(y, winnerProba, probability(chosen.Threshold), b.CostPerContact, b.ValuePerConversion)
	hind := slices.MaxFunc(curve, func(a, b ProfitPoint) int { return cmpFloat(a.Profit, b.Profit) })
	hind.Threshold = probability(hind.Threshold)
	all := curve[len(curve)-1]
	gains, err := metrics.Gains(y, winnerProba, nil, 10)
	if err != nil {
		return nil, err
	}
	bs := BusinessSummary{
		CostPerContact: b.CostPerContact, ValuePerConversion: b.ValuePerConversion,
		Threshold: at.Threshold, ThresholdChosenOn: oof.From,
		Contacted: at.Contacted, Conversions: at.Conversions, Profit: at.Profit,
		ProfitContactAll: all.Profit, ConversionsAll: all.Conversions, LiftTopDecile: gains[0].Lift,
		Hindsight: &Hindsight{Threshold: hind.Threshold, Contacted: hind.Contacted, Conversions: hind.Conversions, Profit: hind.Profit},
	}
	auc := res.Holdout[r.st.winner]["roc_auc"]
	bs.SuccessCriterionMet = auc >= b.MinAUC && (!b.BeatContactEveryone || at.Profit > all.Profit)
	rel := ">"
	if at.Profit <= all.Profit {
		rel = "<="
	}
	bs.Criterion = fmt.Sprintf("holdout AUC %.4f >= %g and profit %s %s contacting everyone %s", auc, b.MinAUC, money(at.Profit), rel, money(all.Profit))
	if !bs.SuccessCriterionMet {
		bs.Verdict = missedVerdict(auc, b.MinAUC, mean(oof.Y), mean(y))
	}
	res.Business, res.Threshold = bs, at.Threshold
	logged["business.threshold"], logged["business.profit"], logged["business.profit_contact_everyone"] = at.Threshold, at.Profit, all.Profit
	logged["business.hindsight.threshold"], logged["business.hindsight.profit"] = hind.Threshold, hind.Profit
	logged["business.lift_top_decile"] = gains[0].Lift

	decided := make([]float64, len(y))
	for i, v := range winnerProba {
		if v > at.Threshold {
			decided[i] = 1
		}
	}
	pos := r.st.info.Classes[1]
	decision := fmt.Sprintf("a row is decided %s when P(%s) > %.4f, the decision threshold", pos, pos, at.Threshold)
	if res.Inspection, err = r.inspectWinner(ctx, hold, y, decided, decision); err != nil {
		return nil, err
	}
	report := filepath.Join(dir, "evaluation.html")
	if err := writeEvaluation(report, r, y, winnerProba, res, curve); err != nil {
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

// missedVerdict says in plain words why the success criterion was missed.
func missedVerdict(auc, minAUC, trainRate, holdoutRate float64) string {
	if auc < minAUC {
		return fmt.Sprintf("The model ranks the holdout worse than required (ROC AUC %.4f < %g): it is not ready to decide whom to contact.", auc, minAUC)
	}
	if r := holdoutRate / trainRate; r > 1.25 || r < 0.8 {
		return fmt.Sprintf("The model ranks well enough, but the rule learnt on the training rows earns less than contacting everyone on the holdout: "+
			"the positive rate moved from %.1f%% to %.1f%%, so a threshold set on the past misjudges the future. "+
			"Monitoring shows the drift; retraining on recent data is the answer.", 100*trainRate, 100*holdoutRate)
	}
	return "The model ranks well enough, but at these costs the rule learnt on the training rows earns less than contacting everyone on the holdout: a conversion is worth so much more than a contact that contacting everyone is the better decision."
}

// readOOF reads the winner's out-of-fold scores.
func readOOF(path string) (oofScores, error) {
	var o oofScores
	b, err := os.ReadFile(path)
	if err != nil {
		return o, fmt.Errorf("out-of-fold scores: %w", err)
	}
	if err := json.Unmarshal(b, &o); err != nil || len(o.Y) != len(o.Score) || len(o.Y) == 0 {
		return o, fmt.Errorf("out-of-fold scores %s are damaged: run again with --force model", path)
	}
	return o, nil
}

// probability clamps a threshold to [0, 1].
func probability(th float64) float64 { return math.Min(math.Max(th, 0), 1) }

// profitAt is the profit of contacting the rows whose score is above th.
func profitAt(y, score []float64, th, cost, value float64) ProfitPoint {
	p := ProfitPoint{Threshold: th}
	for i, s := range score {
		if s > th {
			p.Contacted++
			if y[i] == 1 {
				p.Conversions++
			}
		}
	}
	p.Profit = value*float64(p.Conversions) - cost*float64(p.Contacted)
	return p
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func loadEvaluate(r *Runner, raw json.RawMessage) error {
	var res evaluateResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	s := r.st.summary
	s.Holdout, s.Baseline, s.Business = res.Holdout, res.Baseline, res.Business
	s.Reports["evaluation"] = res.Report
	r.st.threshold = res.Threshold
	r.st.inspection = res.Inspection
	if in := res.Inspection; in != nil {
		s.Importance, s.ImportanceScore = in.Importance, in.Score
	}
	return nil
}

func writeEvaluation(path string, r *Runner, y, p []float64, res evaluateResult, curve []ProfitPoint) error {
	var b strings.Builder
	fmt.Fprintf(&b, "<p>Trained on %s rows, evaluated on %s holdout rows (split %s). Winner (chosen by %s, never on the holdout): <b>%s</b>.</p>",
		thousands(len(r.st.train)), thousands(len(y)), html.EscapeString(r.Spec.Split.describe()), html.EscapeString(r.validationText()), html.EscapeString(r.st.winner))
	b.WriteString("<h2>Holdout metrics</h2><table><tr><th>model</th><th>ROC AUC</th><th>PR AUC</th><th>log loss</th><th>Brier</th><th>KS</th></tr>")
	rows := maps.Clone(res.Holdout)
	rows["baseline (training rate)"] = res.Baseline
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		m := rows[name]
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%.4f</td></tr>", html.EscapeString(name), m["roc_auc"], m["pr_auc"], m["log_loss"], m["brier"], m["ks"])
	}
	b.WriteString("</table><h2>Curves of the winner</h2><div class=\"grid\">")
	fpr, tpr, _, err := metrics.ROCCurve(y, p, nil)
	if err != nil {
		return err
	}
	b.WriteString(lineChart("ROC", "false positive rate", "true positive rate", true, series{Name: "model", X: fpr, Y: tpr}, series{Name: "chance", X: []float64{0, 1}, Y: []float64{0, 1}, Color: "#aaa"}))
	prec, rec, _, err := metrics.PrecisionRecallCurve(y, p, nil)
	if err != nil {
		return err
	}
	b.WriteString(lineChart("Precision-recall", "recall", "precision", true, series{Name: "model", X: rec, Y: prec}))
	bins := r.Spec.Evaluation.CalibrationBins
	if bins <= 0 {
		bins = 10
	}
	pt, pp, err := metrics.CalibrationCurve(y, p, bins, "quantile")
	if err != nil {
		return err
	}
	b.WriteString(lineChart("Calibration", "mean predicted", "observed rate", true, series{Name: "model", X: pp, Y: pt}, series{Name: "perfect", X: []float64{0, 1}, Y: []float64{0, 1}, Color: "#aaa"}))
	gb := r.Spec.Evaluation.GainsBins
	if gb <= 0 {
		gb = 10
	}
	gains, err := metrics.Gains(y, p, nil, gb)
	if err != nil {
		return err
	}
	var gx, lift []float64
	for _, g := range gains {
		gx, lift = append(gx, g.Fraction), append(lift, g.Lift)
	}
	b.WriteString(lineChart("Lift", "fraction contacted", "lift", false, series{Name: "model", X: gx, Y: lift}))
	var cx, cy []float64
	for _, c := range curve {
		cx, cy = append(cx, float64(c.Contacted)/float64(len(y))), append(cy, c.Profit)
	}
	b.WriteString(lineChart("Expected profit", "fraction contacted", "profit", false, series{Name: "model", X: cx, Y: cy}))
	b.WriteString("</div>")
	bs := res.Business
	fmt.Fprintf(&b, "<h2>Business result</h2><p>Contact when P(%s) &gt; %.4f, the threshold that maximises profit on %s: %s contacts, %s conversions, profit %s. Contacting everyone: %s conversions, profit %s. Top-decile lift %.2f.</p><p>Success criterion (%s): <b>%s</b>.</p>",
		html.EscapeString(r.Spec.Data.Positive), bs.Threshold, html.EscapeString(bs.ThresholdChosenOn), thousands(bs.Contacted), thousands(bs.Conversions), money(bs.Profit),
		thousands(bs.ConversionsAll), money(bs.ProfitContactAll), bs.LiftTopDecile, html.EscapeString(bs.Criterion), metOrMissed(bs.SuccessCriterionMet))
	if bs.Verdict != "" {
		fmt.Fprintf(&b, "<p><b>%s</b></p>", html.EscapeString(bs.Verdict))
	}
	if h := bs.Hindsight; h != nil {
		fmt.Fprintf(&b, "<p><i>Hindsight:</i> the threshold that maximises profit on the holdout itself, %.4f, would have made %s. It is chosen with the answers, so it is an upper bound, not a result.</p>", h.Threshold, money(h.Profit))
	}
	res.Inspection.writeHTML(&b)
	return os.WriteFile(path, []byte(page("Evaluation", b.String())), 0o644)
}
