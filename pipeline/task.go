package pipeline

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
)

var tasks = []string{ml.TaskBinary, ml.TaskMulticlass, ml.TaskRegression}

// maxInferredClasses is the most distinct integer values a numeric target
// may have to be taken as classes rather than a quantity.
const maxInferredClasses = 20

// targetInfo is what the pipeline knows of its target: the task, and a
// classifier's labels in the predictor's order (binary: negative, then
// positive).
type targetInfo struct {
	Task    string   `json:"task"`
	Classes []string `json:"classes,omitempty"`
	// Why says how the task was chosen, for people.
	Why string `json:"why"`
}

// inferTarget reads the target column and decides the task: the spec's
// task when set, else two values make a binary task, text or up to
// maxInferredClasses integer values a multiclass one, other numbers a
// regression.
func inferTarget(f *frame.Frame, d DataSpec, task string) (targetInfo, error) {
	c, err := f.Column(d.Target)
	if err != nil {
		return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "data.target: %v", err)
	}
	var labels []string
	seen := map[string]bool{}
	integral := true
	for i := 0; i < c.Len(); i++ {
		if c.IsMissing(i) {
			return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "target %s has no value in row %d: drop or fill the rows without a target first", d.Target, i+1)
		}
		if v := c.Float(i); c.Kind().Numeric() && v != math.Trunc(v) {
			integral = false
		}
		if t := c.Text(i); !seen[t] && len(labels) <= 1000 {
			seen[t] = true
			labels = append(labels, t)
		}
	}
	predictor.SortLabels(labels, c.Kind())
	numeric := c.Kind() == frame.Float || c.Kind() == frame.Int
	info := targetInfo{Task: task}
	switch {
	case len(labels) < 2:
		return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "target %s has a single value (%q) in all %d rows: there is nothing to predict", d.Target, first(labels), c.Len())
	case task != "":
		info.Why = task + ", as the spec says"
	case d.Positive != "" || len(labels) == 2:
		info.Task = ml.TaskBinary
		info.Why = fmt.Sprintf("binary: the target column %s has two values, %s", d.Target, quoteList(labels))
	case numeric && (!integral || len(labels) > maxInferredClasses):
		info.Task = ml.TaskRegression
		info.Why = fmt.Sprintf("regression: the target column %s holds numbers with %s distinct values", d.Target, countText(len(labels), 1000))
	case len(labels) > 1000:
		return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "target %s has more than 1,000 distinct text values: it looks like an ID, not a class (set task: to say otherwise)", d.Target)
	default:
		info.Task = ml.TaskMulticlass
		info.Why = fmt.Sprintf("multiclass: the target column %s has %d classes (%s)", d.Target, len(labels), shortList(labels, 6))
	}
	if info.Task != ml.TaskRegression && task == "" && numeric {
		info.Why += "; set task: regression to predict it as a number"
	}
	switch info.Task {
	case ml.TaskBinary:
		if len(labels) != 2 {
			return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "task binary: target %s has %d values (%s), want 2", d.Target, len(labels), shortList(labels, 6))
		}
		switch d.Positive {
		case "", labels[1]:
		case labels[0]:
			labels[0], labels[1] = labels[1], labels[0]
		default:
			return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "data.positive %q is not a value of target %s (%s)", d.Positive, d.Target, quoteList(labels))
		}
		info.Classes = labels
		info.Why += fmt.Sprintf("; the positive class is %q", labels[1])
		if d.Positive == "" {
			info.Why += " (the last in sorted order; set data.positive to choose)"
		}
	case ml.TaskMulticlass:
		if len(labels) < 3 {
			return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "task multiclass: target %s has %d values, want at least 3 (use task: binary)", d.Target, len(labels))
		}
		info.Classes = labels
	case ml.TaskRegression:
		if !numeric && c.Kind() != frame.Bool {
			return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "task regression: target %s holds text (%s), not numbers", d.Target, shortList(labels, 3))
		}
	default:
		return targetInfo{}, weir.Errorf(weir.ErrInvalidParameterValue, "task %q must be one of %s", task, strings.Join(tasks, ", "))
	}
	return info, nil
}

// encode returns the target of the given rows as a learner reads it: 0/1
// for binary (1 = positive), the class index for multiclass, the number
// for regression.
func (t targetInfo) encode(c frame.Column, rows []int) ([]float64, error) {
	y := make([]float64, len(rows))
	for k, i := range rows {
		if c.IsMissing(i) {
			return nil, fmt.Errorf("the target is missing in row %d", i+1)
		}
		switch t.Task {
		case ml.TaskRegression:
			y[k] = c.Float(i)
		case ml.TaskBinary:
			if c.Text(i) == t.Classes[1] {
				y[k] = 1
			}
		default:
			j := slices.Index(t.Classes, c.Text(i))
			if j < 0 {
				return nil, fmt.Errorf("row %d has class %q, unknown to the model", i+1, c.Text(i))
			}
			y[k] = float64(j)
		}
	}
	return y, nil
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

// quoteList writes values as "a", "b" and "c".
func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return listText(q)
}

// shortList writes at most n values, then how many more.
func shortList(xs []string, n int) string {
	if len(xs) <= n {
		return quoteList(xs)
	}
	return quoteList(xs[:n]) + fmt.Sprintf(" and %d more", len(xs)-n)
}

func countText(n, max int) string {
	if n > max {
		return fmt.Sprintf("more than %s", thousands(max))
	}
	return thousands(n)
}

// costMatrix builds a multiclass task's cost matrix from business.costs in
// the order of classes: [i][j] is the cost of predicting classes[j] for a
// row of classes[i]. It is nil when the spec prices no mistake.
func costMatrix(b BusinessSpec, classes []string) ([][]float64, error) {
	if len(b.Costs) == 0 {
		return nil, nil
	}
	other := b.MisclassificationCost
	if other == 0 {
		other = 1
	}
	m := make([][]float64, len(classes))
	for i := range m {
		m[i] = make([]float64, len(classes))
		for j := range m[i] {
			if i != j {
				m[i][j] = other
			}
		}
	}
	for k, c := range b.Costs {
		i, j := slices.Index(classes, c.Actual), slices.Index(classes, c.Predicted)
		switch {
		case i < 0 || j < 0:
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "business.costs[%d]: %q and %q must both be classes of the target (%s)", k, c.Actual, c.Predicted, shortList(classes, 10))
		case i == j:
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "business.costs[%d]: predicting %q for %q is not a mistake", k, c.Predicted, c.Actual)
		case c.Cost < 0 || math.IsNaN(c.Cost) || math.IsInf(c.Cost, 0):
			return nil, weir.Errorf(weir.ErrInvalidParameterValue, "business.costs[%d]: cost %v must be 0 or more", k, c.Cost)
		}
		m[i][j] = c.Cost
	}
	return m, nil
}

// costPerRow is the mean cost of decisions against the truth.
func costPerRow(m [][]float64, y, decided []float64) float64 {
	total := 0.0
	for i := range y {
		total += m[int(y[i])][int(decided[i])]
	}
	return total / float64(len(y))
}

// leastCostOffset is the shift that turns predictions into the value of
// least expected cost when each unit short costs under and each unit over
// costs over: the under/(under+over) quantile of the errors y - pred.
func leastCostOffset(y, pred []float64, under, over float64) float64 {
	errs := make([]float64, len(y))
	for i := range y {
		errs[i] = y[i] - pred[i]
	}
	if len(errs) == 0 {
		return 0
	}
	slices.Sort(errs)
	tau := under / (under + over)
	i := int(math.Ceil(tau*float64(len(errs)))) - 1
	return errs[max(0, min(i, len(errs)-1))]
}

// asymmetricCost is the mean cost of decisions d against truths y.
func asymmetricCost(y, d []float64, under, over float64) float64 {
	total := 0.0
	for i := range y {
		if e := y[i] - d[i]; e > 0 {
			total += under * e
		} else {
			total -= over * e
		}
	}
	return total / float64(len(y))
}
