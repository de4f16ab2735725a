package pipeline

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
)

// InitOptions says what Init starts from.
type InitOptions struct {
	// Data is the CSV file; Target the column to predict.
	Data, Target string
	// Task is binary, multiclass or regression; empty infers it from the
	// target.
	Task string
	// Split is time, random or group; empty picks time when the data has a
	// date or datetime column, else random.
	Split string
}

// Limits of Init's inference.
const (
	// initMaxTextClasses is the most distinct values of a text target
	// taken as classes.
	initMaxTextClasses = 50
	// initMaxIntClasses is the most distinct whole numbers taken as
	// classes rather than a quantity.
	initMaxIntClasses = 20
	// initMinIDRows is the fewest rows for an all-distinct column to look
	// like an ID rather than a small sample.
	initMinIDRows = 20
)

// positiveNames are target values read as the positive class, in order of
// preference.
var positiveNames = []string{"yes", "true", "1", "positive", "y", "t"}

// Init reads a CSV file and writes a commented starter spec for it: the
// task and split inferred (and said, with the reasons, on notes), every
// column prepared by its kind, and candidates suited to the task. The spec
// passes ParseSpec as written.
func Init(opts InitOptions, notes io.Writer) ([]byte, error) {
	bad := func(format string, args ...any) ([]byte, error) {
		return nil, weir.Errorf(weir.ErrInvalidParameterValue, format, args...)
	}
	if opts.Task != "" && !slices.Contains(specTasks, opts.Task) {
		return bad("--task %q must be %s%s", opts.Task, orList(specTasks), suggestion(opts.Task, specTasks))
	}
	initSplits := []string{SplitTime, SplitRandom, SplitGroup}
	if opts.Split != "" && !slices.Contains(initSplits, opts.Split) {
		return bad("--split %q must be %s%s", opts.Split, orList(initSplits), suggestion(opts.Split, initSplits))
	}
	f, err := frame.ReadCSVFile(opts.Data, frame.CSVOptions{})
	if err != nil {
		return bad("%s: %v", opts.Data, err)
	}
	if f.NumRows() < 10 {
		return bad("%s has %d rows: too few to train and hold out anything", opts.Data, f.NumRows())
	}
	names := f.Names()
	if !slices.Contains(names, opts.Target) {
		return bad("%s has no column %q%s; its columns: %s", opts.Data, opts.Target, suggestion(opts.Target, names), orList(names))
	}
	g := &initSpec{opts: opts, f: f, notes: notes}
	if err := g.inferTask(); err != nil {
		return nil, err
	}
	g.sortColumns()
	if err := g.pickSplit(); err != nil {
		return nil, err
	}
	return []byte(g.write()), nil
}

// initSpec is what Init has learnt of the data so far.
type initSpec struct {
	opts  InitOptions
	f     *frame.Frame
	notes io.Writer

	task, positive, taskWhy string
	classes                 int
	numeric, categorical    []string
	rareCount               int         // one_hot's min_frequency
	left                    [][2]string // column, why it is left out
	timeCols                []string
	split, splitColumn      string
	splitWhy                string
}

func (g *initSpec) say(format string, args ...any) {
	if g.notes != nil {
		fmt.Fprintf(g.notes, format+"\n", args...)
	}
}

// valueCounts returns a column's distinct non-missing values with their counts,
// in first-seen order, and the number of missing values.
func valueCounts(c frame.Column) (values []string, n map[string]int, missing int) {
	n = map[string]int{}
	for i := 0; i < c.Len(); i++ {
		if c.IsMissing(i) {
			missing++
			continue
		}
		t := c.Text(i)
		if n[t] == 0 {
			values = append(values, t)
		}
		n[t]++
	}
	return values, n, missing
}

func (g *initSpec) inferTask() error {
	c, _ := g.f.Column(g.opts.Target)
	values, n, missing := valueCounts(c)
	t := g.opts.Target
	if missing > 0 {
		g.say("note: target %s is missing in %d rows; drop or fill them before running", t, missing)
	}
	numeric := c.Kind() == frame.Float || c.Kind() == frame.Int
	integral := true
	for i := 0; i < c.Len() && numeric; i++ {
		if v := c.Float(i); !c.IsMissing(i) && v != math.Trunc(v) {
			integral = false
		}
	}
	task := g.opts.Task
	switch {
	case len(values) < 2:
		return weir.Errorf(weir.ErrInvalidParameterValue, "target %s has %d distinct values: there is nothing to predict", t, len(values))
	case task != "":
		g.taskWhy = "as --task says"
	case len(values) == 2:
		task = ml.TaskBinary
		g.taskWhy = fmt.Sprintf("target %s has two values, %s", t, quoteValues(values))
	case numeric && (!integral || len(values) > initMaxIntClasses):
		task = ml.TaskRegression
		g.taskWhy = fmt.Sprintf("the target column %s holds numbers with %d distinct values", t, len(values))
	case numeric:
		task = ml.TaskMulticlass
		g.taskWhy = fmt.Sprintf("the target column %s holds %d distinct whole numbers (at most %d are read as classes; pass --task regression to predict a quantity)", t, len(values), initMaxIntClasses)
	case len(values) <= initMaxTextClasses:
		task = ml.TaskMulticlass
		g.taskWhy = fmt.Sprintf("the target column %s holds text with %d classes", t, len(values))
	default:
		return weir.Errorf(weir.ErrInvalidParameterValue, "target %s holds text with %d distinct values, more than %d classes: it looks like an ID or free text; pass --task to say otherwise", t, len(values), initMaxTextClasses)
	}
	g.task, g.classes = task, len(values)
	switch task {
	case ml.TaskBinary:
		if len(values) != 2 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "--task binary: target %s has %d values, want 2", t, len(values))
		}
		g.positive = pickPositive(values, n)
		why := "the minority class"
		if slices.ContainsFunc(positiveNames, func(p string) bool { return strings.EqualFold(p, g.positive) }) {
			why = "its name says so"
		}
		g.say("task: binary, since %s; positive class %q (%s; change data.positive to choose the other)", g.taskWhy, g.positive, why)
	case ml.TaskMulticlass:
		if len(values) < 3 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "--task multiclass: target %s has 2 values; use --task binary", t)
		}
		g.say("task: multiclass, since %s", g.taskWhy)
	case ml.TaskRegression:
		if !numeric {
			return weir.Errorf(weir.ErrInvalidParameterValue, "--task regression: target %s holds text, not numbers", t)
		}
		g.say("task: regression, since %s", g.taskWhy)
	}
	return nil
}

// pickPositive chooses the positive class of a two-valued target: one
// named like a positive answer, else the rarer (the later in sorted order
// on a tie).
func pickPositive(values []string, n map[string]int) string {
	for _, p := range positiveNames {
		for _, v := range values {
			if strings.EqualFold(v, p) {
				return v
			}
		}
	}
	a, b := values[0], values[1]
	if b < a {
		a, b = b, a
	}
	if n[a] < n[b] {
		return a
	}
	return b
}

// sortColumns puts every column but the target in a prepare step by kind,
// or leaves it out with the reason.
func (g *initSpec) sortColumns() {
	rows := g.f.NumRows()
	g.rareCount = max(5, rows/100)
	for _, name := range g.f.Names() {
		if name == g.opts.Target {
			continue
		}
		c, _ := g.f.Column(name)
		values, _, missing := valueCounts(c)
		switch {
		case len(values) <= 1:
			g.leave(name, fmt.Sprintf("constant (%s in every row with a value): it cannot tell rows apart", quoteValues(values)))
		case c.Kind() == frame.Time:
			g.timeCols = append(g.timeCols, name)
		case (c.Kind() == frame.Categorical || c.Kind() == frame.Int) && len(values) == rows-missing && rows >= initMinIDRows:
			g.leave(name, "every value is distinct, like an ID: it would only let the model memorise rows")
		case c.Kind() == frame.Categorical:
			g.categorical = append(g.categorical, name)
		default:
			g.numeric = append(g.numeric, name)
		}
	}
}

func (g *initSpec) leave(name, why string) {
	g.left = append(g.left, [2]string{name, why})
	g.say("column %s left out: %s", name, why)
}

func (g *initSpec) pickSplit() error {
	g.split = g.opts.Split
	switch {
	case g.split == SplitTime || g.split == "" && len(g.timeCols) > 0:
		if len(g.timeCols) == 0 {
			return weir.Errorf(weir.ErrInvalidParameterValue, "--split time: %s has no date or datetime column; use --split random", g.opts.Data)
		}
		g.split, g.splitColumn = SplitTime, g.timeCols[0]
		g.splitWhy = fmt.Sprintf("time on %s, its first date column: train on the past, hold out the latest 25%%", g.splitColumn)
		for _, c := range g.timeCols[1:] {
			g.leave(c, "a date or datetime: not a feature as it is (derive its parts first)")
		}
	case g.split == SplitGroup:
		col := g.groupColumn()
		if col == "" {
			return weir.Errorf(weir.ErrInvalidParameterValue, "--split group: %s has no text column with repeated values to group rows by; use --split random", g.opts.Data)
		}
		g.split, g.splitColumn = SplitGroup, col
		g.categorical = slices.DeleteFunc(g.categorical, func(s string) bool { return s == col })
		g.splitWhy = fmt.Sprintf("group on %s, the text column with the most groups: whole groups held out (change split.column if another column names the groups)", col)
	default:
		g.split = SplitRandom
		g.splitWhy = "random, 25% held out"
		if g.task != ml.TaskRegression {
			g.splitWhy += ", stratified by the target"
		}
		if g.opts.Split == "" {
			g.splitWhy += " (no date or datetime column to split on time)"
		}
		for _, c := range g.timeCols {
			g.leave(c, "a date or datetime: not a feature as it is (derive its parts first)")
		}
	}
	g.say("split: %s", g.splitWhy)
	return nil
}

// groupColumn is the categorical column with the most distinct values that
// still repeat.
func (g *initSpec) groupColumn() string {
	best, bestN := "", 0
	for _, name := range g.categorical {
		c, _ := g.f.Column(name)
		values, _, missing := valueCounts(c)
		if missing == 0 && len(values) > bestN && len(values) < g.f.NumRows()/2 {
			best, bestN = name, len(values)
		}
	}
	return best
}

var nameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// specName makes a pipeline and model name from the data file's name.
func specName(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	s := strings.Trim(nameChars.ReplaceAllString(strings.ToLower(base), "-"), "-._")
	if s == "" {
		return "pipeline"
	}
	return s
}

// write renders the spec, commented.
func (g *initSpec) write() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	name := specName(g.opts.Data)
	binary := g.task == ml.TaskBinary
	w("# yaml-language-server: $schema=pipeline.schema.json")
	w("# A starter pipeline written by `weir pipeline init` for %s.", filepath.Base(g.opts.Data))
	w("# Check it with `weir pipeline check FILE`, run it with `weir pipeline run FILE`;")
	w("# docs/pipeline.md describes every key (`weir pipeline schema > pipeline.schema.json`")
	w("# lets editors complete and check them).")
	w("name: %s", name)
	w("experiment: %s", name)
	w("seed: 42")
	w("# %s: %s.", upperFirst(g.task), g.taskWhy)
	w("task: %s", g.task)
	w("")
	w("# Business understanding: replace the placeholders with the real question and figures.")
	w("business:")
	w("  question: What do we want to predict, for whom? # PLACEHOLDER")
	w("  objective: What should improve when we act on the predictions? # PLACEHOLDER")
	w("  decision: What is done differently for each prediction? # PLACEHOLDER")
	if binary {
		w("  # What acting on one positive prediction costs (a call, a mail, a review)")
		w("  # and what a true positive brings: they set the profit-maximising threshold.")
		w("  cost_per_contact: 1 # PLACEHOLDER")
		w("  value_per_conversion: 10 # PLACEHOLDER")
		w("  # The holdout ROC AUC the model must reach (0.5 is a coin toss).")
		w("  min_auc: 0.6 # PLACEHOLDER")
		w("  beat_contact_everyone: true")
	}
	w("  success_criterion: How we will know the model is good enough. # PLACEHOLDER")
	w("")
	w("data:")
	w("  name: %s", name)
	w("  path: %s", yamlScalar(g.opts.Data))
	w("  target: %s", yamlScalar(g.opts.Target))
	if binary {
		w("  positive: %s", yamlQuoted(g.positive))
	}
	w("  # Columns known only after the outcome (they would leak it): list them here.")
	w("  leakage: []")
	w("")
	w("# %s.", upperFirst(g.splitWhy))
	w("split:")
	w("  kind: %s", g.split)
	if g.splitColumn != "" {
		w("  column: %s", yamlScalar(g.splitColumn))
	}
	w("  holdout_fraction: 0.25")
	w("")
	w("# Expectations checked before anything is fitted; add min, max and values rules.")
	w("validation:")
	w("  columns:")
	w("    - {name: %s, required: true}", yamlScalar(g.opts.Target))
	w("")
	w("prepare:")
	if len(g.left) > 0 {
		w("  # Left out:")
		for _, l := range g.left {
			w("  #   %s: %s", l[0], l[1])
		}
		var drop []string
		for _, l := range g.left {
			drop = append(drop, l[0])
		}
		w("  drop: %s", yamlList(drop))
	}
	w("  steps:")
	if len(g.numeric) > 0 {
		w("    # Numbers: missing values filled with the median, then standardised.")
		w("    - name: numeric")
		w("      columns: %s", yamlList(g.numeric))
		w("      transforms: [{type: imputer, strategy: median}, {type: standard_scaler}]")
	}
	if len(g.categorical) > 0 {
		w("    # Categories: one column per value; values in fewer than %d rows share one.", g.rareCount)
		w("    - name: categories")
		w("      columns: %s", yamlList(g.categorical))
		w("      transforms: [{type: one_hot, min_frequency: %d}]", g.rareCount)
	}
	if len(g.numeric)+len(g.categorical) == 0 {
		w("    # No column is usable as it is: add derived features or steps here.")
		w("    - {name: none, columns: []}")
	}
	w("")
	g.writeModel(w)
	if binary {
		w("")
		w("evaluation:")
		w("  calibration_bins: 10")
		w("  gains_bins: 10")
	}
	w("")
	w("registry:")
	w("  model_name: %s", name)
	w("  # How much better on the holdout a new model must be to replace the champion.")
	w("  promote_margin: 0.002")
	w("")
	w("monitoring:")
	if g.split == SplitTime {
		w("  # The holdout is replayed period by period, one per value of split.column by")
		w("  # default: set period_column to a coarser column (a year, a month) when the")
		w("  # split column holds many distinct times.")
	}
	w("  # Predictions per performance window when the holdout is replayed.")
	w("  window_size: %d", max(50, g.f.NumRows()/20))
	w("  drift_share: 0.5")
	if binary {
		w("  max_auc_drop: 0.05")
	}
	return b.String()
}

func (g *initSpec) writeModel(w func(string, ...any)) {
	rows := g.f.NumRows()
	leafLo, leafHi := 20, 200
	if rows < 5000 {
		leafLo, leafHi = 5, 50
	}
	w("model:")
	w("  # Trials are scored by 3-fold cross-validation within the training rows,")
	w("  # never on the holdout.")
	w("  folds: 3")
	w("  candidates:")
	w("    - learner: gbdt")
	w("      search: random")
	w("      trials: 10")
	w("      params: {n_estimators: 200}")
	w("      space:")
	w("        learning_rate: {float: [0.02, 0.2], log: true}")
	w("        num_leaves: {int: [7, 63]}")
	w("        min_data_in_leaf: {int: [%d, %d]}", leafLo, leafHi)
	w("        feature_fraction: {float: [0.6, 1.0]}")
	w("    - learner: random_forest")
	w("      search: grid")
	w("      params: {n_estimators: 100}")
	w("      space:")
	w("        max_depth: {choice: [8, 16]}")
	w("        min_samples_leaf: {choice: [1, 10]}")
	if g.task == ml.TaskRegression {
		w("    - learner: ridge")
		w("      search: grid")
		w("      space:")
		w("        alpha: {choice: [0.1, 1.0, 10.0, 100.0]}")
		return
	}
	w("    - learner: logistic_regression")
	w("      search: grid")
	w("      space:")
	w("        c: {choice: [0.01, 0.1, 1.0, 10.0]}")
}

var plainScalar = regexp.MustCompile(`^[A-Za-z_./][A-Za-z0-9_./-]*$`)

// yamlScalar writes s bare when YAML reads it back as the same text,
// quoted otherwise.
func yamlScalar(s string) string {
	if plainScalar.MatchString(s) && !slices.Contains([]string{"y", "n", "yes", "no", "on", "off", "true", "false", "null"}, strings.ToLower(s)) {
		return s
	}
	return yamlQuoted(s)
}

// yamlQuoted writes s double-quoted (Go's escapes are YAML's).
func yamlQuoted(s string) string { return strconv.Quote(s) }

func yamlList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = yamlScalar(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func quoteValues(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
