package pipeline

import (
	"context"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/inspect"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/predictor"
)

// Inspection is what the evaluate step finds inside the winner on the
// holdout: how its decisions fall (a confusion matrix, for classes) and
// which input columns it leans on (permutation importance).
type Inspection struct {
	// Classes name Confusion's rows (true) and columns (decided).
	Classes   []string    `json:"classes,omitempty"`
	Confusion [][]float64 `json:"confusion,omitempty"`
	// Decision says how a row's class was decided.
	Decision string `json:"decision,omitempty"`
	// Score is what importance is the drop of ("roc_auc", "log_loss" or
	// "rmse"); for a loss the drop is its rise. Rows is how many holdout
	// rows were shuffled, Repeats how many times per column.
	Score      string       `json:"score"`
	Rows       int          `json:"rows"`
	Repeats    int          `json:"repeats"`
	Importance []Importance `json:"importance"`
}

// Importance is one input column's permutation importance: the mean and
// standard deviation of the score's drop over the shuffles.
type Importance struct {
	Column string  `json:"column"`
	Mean   float64 `json:"mean"`
	Std    float64 `json:"std"`
}

// Bounds of the permutation importance: enough rows and shuffles to rank
// the columns, few enough to keep the evaluate step quick.
const (
	importanceRows    = 3000
	importanceRepeats = 5
)

// confusion counts decided classes against true ones.
func confusion(y, decided []float64, k int) ([][]float64, error) {
	cm, err := metrics.NewConfusionMatrix(y, decided, k, nil)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, k)
	for t := range out {
		out[t] = make([]float64, k)
		for p := range out[t] {
			out[t][p] = cm.At(t, p)
		}
	}
	return out, nil
}

// importance returns the permutation importance of p's input columns on
// the rows of hold (targets y): the drop of the task's score when one
// column's values are shuffled among the rows, as scikit-learn's
// permutation_importance does on the columns of a DataFrame. At most
// importanceRows rows, evenly spaced, are scored.
func importance(ctx context.Context, p *predictor.Predictor, task string, k int, hold *frame.Frame, y []float64, seed uint64) (score string, rows int, out []Importance, err error) {
	if n := hold.NumRows(); n > importanceRows {
		idx := make([]int, importanceRows)
		for i := range idx {
			idx[i] = i * n / importanceRows
		}
		if hold, err = hold.Take(idx); err != nil {
			return "", 0, nil, err
		}
		ys := make([]float64, len(idx))
		for i, r := range idx {
			ys[i] = y[r]
		}
		y = ys
	}
	var names []string
	for _, f := range p.InputSchema().Fields {
		if _, err := hold.Column(f.Name); err == nil {
			names = append(names, f.Name)
		}
	}
	if hold, err = hold.Select(names...); err != nil {
		return "", 0, nil, err
	}
	// Each matrix cell is a row number of hold: shuffling a column of the
	// matrix shuffles which row's value that column takes, whatever the
	// column's kind, and predict rebuilds the frame from the numbers.
	X := ml.NewMatrix(hold.NumRows(), len(names))
	X.Names = names
	for j := range X.Cols {
		for i := range X.Cols[j] {
			X.Cols[j][i] = float64(i)
		}
	}
	predict := func(X *ml.Matrix) ([]float64, error) {
		cols := make([]frame.Column, len(names))
		rows := make([]int, X.Rows)
		for j, name := range names {
			for i, v := range X.Cols[j] {
				rows[i] = int(v)
			}
			one, err := hold.Select(name)
			if err != nil {
				return nil, err
			}
			if one, err = one.Take(rows); err != nil {
				return nil, err
			}
			cols[j] = one.ColumnAt(0)
		}
		f, err := frame.New(names, cols)
		if err != nil {
			return nil, err
		}
		if task == ml.TaskBinary {
			proba, _, err := p.PredictFrame(f)
			return proba, err
		}
		return predictHoldout(p, f)
	}
	opt := inspect.Options{NRepeats: importanceRepeats, Seed: seed}
	switch task {
	case ml.TaskBinary:
		score, opt.Score = "roc_auc", metrics.ROCAUC
	case ml.TaskMulticlass:
		score = "log_loss"
		opt.Score = inspect.Negate(func(y, proba, w []float64) (float64, error) { return metrics.MulticlassLogLoss(y, proba, k, w) })
	default:
		score, opt.Score = "rmse", inspect.Negate(metrics.RMSE)
	}
	res, err := inspect.Permutation(ctx, predict, X, y, nil, opt)
	if err != nil {
		return "", 0, nil, err
	}
	for _, fi := range res.Importances {
		out = append(out, Importance{Column: fi.Name, Mean: fi.Mean, Std: fi.Std})
	}
	slices.SortStableFunc(out, func(a, b Importance) int { return cmpFloat(b.Mean, a.Mean) })
	return score, hold.NumRows(), out, nil
}

// inspectWinner computes the winner's inspection: the confusion matrix of
// its decisions (decided, one class index a row; nil for regression) and
// its permutation importance.
func (r *Runner) inspectWinner(ctx context.Context, hold *frame.Frame, y, decided []float64, decision string) (*Inspection, error) {
	p, err := loadPredictor(winnerModel(r))
	if err != nil {
		return nil, err
	}
	task, k := r.st.info.Task, len(r.st.info.Classes)
	in := &Inspection{Repeats: importanceRepeats}
	if decided != nil {
		in.Classes, in.Decision = r.st.info.Classes, decision
		if in.Confusion, err = confusion(y, decided, k); err != nil {
			return nil, fmt.Errorf("confusion matrix: %w", err)
		}
	}
	// Importance explains the model; a holdout it cannot be computed on
	// (one class only, say) leaves the reports without it, not the run
	// without an evaluation.
	if in.Score, in.Rows, in.Importance, err = importance(ctx, p, task, k, hold, y, r.Spec.Seed); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		fmt.Fprintf(r.Progress, "           warning: no permutation importance: %v\n", err)
		in.Importance = nil
	}
	return in, nil
}

// scoreName writes a score's name for people.
func scoreName(s string) string {
	switch s {
	case "roc_auc":
		return "ROC AUC"
	case "log_loss":
		return "log-loss"
	case "rmse":
		return "RMSE"
	}
	return s
}

// dropText says what an importance is the drop of.
func (in *Inspection) dropText() string {
	what := "fall of the " + scoreName(in.Score)
	if in.Score != "roc_auc" {
		what = "rise of the " + scoreName(in.Score)
	}
	return fmt.Sprintf("the %s when the column's values are shuffled among %s holdout rows (mean and standard deviation over %d shuffles)",
		what, thousands(in.Rows), in.Repeats)
}

// maxImportanceRows bounds the importance rows a report lists.
const maxImportanceRows = 20

// writeHTML writes the inspection as report sections.
func (in *Inspection) writeHTML(b *strings.Builder) {
	if in == nil {
		return
	}
	if in.Confusion != nil {
		fmt.Fprintf(b, "<h2>Confusion matrix of the winner</h2><p>Holdout rows by true class (rows) and decided class (columns); %s.</p>", html.EscapeString(in.Decision))
		b.WriteString(`<table><tr><th>true \ decided</th>`)
		for _, c := range in.Classes {
			fmt.Fprintf(b, "<th>%s</th>", html.EscapeString(c))
		}
		b.WriteString("<th>rows</th><th>recall</th></tr>")
		for t, c := range in.Classes {
			fmt.Fprintf(b, "<tr><th>%s</th>", html.EscapeString(c))
			sum := 0.0
			for _, v := range in.Confusion[t] {
				sum += v
			}
			for p, v := range in.Confusion[t] {
				style := ""
				if sum > 0 {
					style = fmt.Sprintf(` style="background:rgba(51,102,170,%.2f)"`, 0.5*v/sum)
				}
				if p == t {
					style += ` class="diag"`
				}
				fmt.Fprintf(b, "<td%s>%s</td>", style, thousands(int(v)))
			}
			fmt.Fprintf(b, "<td>%s</td><td>%s</td></tr>", thousands(int(sum)), share(in.Confusion[t][t], sum))
		}
		b.WriteString("<tr><th>precision</th>")
		for p := range in.Classes {
			col := 0.0
			for t := range in.Classes {
				col += in.Confusion[t][p]
			}
			fmt.Fprintf(b, "<td>%s</td>", share(in.Confusion[p][p], col))
		}
		b.WriteString("<td></td><td></td></tr></table>")
	}
	if len(in.Importance) == 0 {
		return
	}
	fmt.Fprintf(b, "<h2>Permutation importance of the winner</h2><p>Importance is %s. Columns whose shuffling costs nothing are ones the model does not use.</p>", html.EscapeString(in.dropText()))
	shown := in.Importance[:min(len(in.Importance), maxImportanceRows)]
	labels := make([]string, len(shown))
	values := make([]float64, len(shown))
	for i, fi := range shown {
		labels[i], values[i] = fi.Column, fi.Mean
	}
	change := " drop"
	if in.Score != "roc_auc" {
		change = " rise"
	}
	b.WriteString(hbarChart("Permutation importance ("+scoreName(in.Score)+change+")", labels, values))
	b.WriteString("<table><tr><th>column</th><th>importance</th><th>std</th></tr>")
	for _, fi := range shown {
		fmt.Fprintf(b, "<tr><td>%s</td><td>%.4f</td><td>%.4f</td></tr>", html.EscapeString(fi.Column), fi.Mean, fi.Std)
	}
	b.WriteString("</table>")
	if n := len(in.Importance) - len(shown); n > 0 {
		fmt.Fprintf(b, "<p>%s more columns are left out.</p>", thousands(n))
	}
}

// writeMarkdown writes the inspection as model-card sections.
func (in *Inspection) writeMarkdown(p func(format string, args ...any)) {
	if in == nil {
		return
	}
	if in.Confusion != nil {
		p("\n## Confusion matrix\nHoldout rows by true class (rows) and decided class (columns); %s.\n", in.Decision)
		head := "| true \\ decided |"
		rule := "|---|"
		for _, c := range in.Classes {
			head += " " + c + " |"
			rule += "---|"
		}
		p("%s recall |\n%s---|", head, rule)
		for t, c := range in.Classes {
			cells := make([]string, len(in.Classes))
			sum := 0.0
			for q, v := range in.Confusion[t] {
				cells[q], sum = thousands(int(v)), sum+v
			}
			p("| %s | %s | %s |", c, strings.Join(cells, " | "), share(in.Confusion[t][t], sum))
		}
	}
	if len(in.Importance) == 0 {
		return
	}
	p("\n## Permutation importance\nImportance is %s.\n", in.dropText())
	p("| column | importance | std |\n|---|---|---|")
	for _, fi := range in.Importance[:min(len(in.Importance), maxImportanceRows)] {
		p("| %s | %.4f | %.4f |", fi.Column, fi.Mean, fi.Std)
	}
}

// share writes a/b to three decimals, "–" when b is 0.
func share(a, b float64) string {
	if b == 0 || math.IsNaN(a/b) {
		return "–"
	}
	return fmt.Sprintf("%.3f", a/b)
}
