package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/ml/selection"
	"github.com/weir-ml/weir/tracking"
)

type prepareResult struct {
	Dropped  []string `json:"dropped"`
	Inputs   []string `json:"inputs"`
	Features []string `json:"features"`
}

// features returns the data without the dropped and leaking columns.
func (r *Runner) features() (*frame.Frame, []string, error) {
	f, err := r.st.data()
	if err != nil {
		return nil, nil, err
	}
	// Derived columns serve the split and monitoring periods, not the
	// model: they are dropped with the leaks.
	var drop []string
	cols := append(slices.Clone(r.Spec.Prepare.Drop), r.Spec.Data.Leakage...)
	for _, d := range r.Spec.Data.Derived {
		cols = append(cols, d.Name)
	}
	for _, n := range cols {
		if _, err := f.Column(n); err == nil && !slices.Contains(drop, n) {
			drop = append(drop, n)
		}
	}
	g, err := f.Drop(drop...)
	return g, drop, err
}

func runPrepare(ctx context.Context, r *Runner, dir string) (any, error) {
	f, drop, err := r.features()
	if err != nil {
		return nil, err
	}
	train, err := f.Take(r.st.train)
	if err != nil {
		return nil, err
	}
	y, err := r.st.target(r.st.train)
	if err != nil {
		return nil, err
	}
	pp, err := r.Spec.Prepare.preprocessor()
	if err != nil {
		return nil, err
	}
	if _, err := pp.FitTransform(train, y); err != nil {
		return nil, fmt.Errorf("fitting the preprocessor on the training rows: %w", err)
	}
	if err := writeJSON(filepath.Join(dir, "preprocessor.json"), pp); err != nil {
		return nil, err
	}
	res := prepareResult{Dropped: drop, Inputs: pp.InputNames(), Features: pp.Features}
	params := []tracking.Param{
		{Key: "prepare.dropped", Value: fmt.Sprint(drop)},
		{Key: "prepare.features", Value: fmt.Sprint(len(pp.Features))},
	}
	if err := r.logParams(ctx, r.parentID, params); err != nil {
		return nil, err
	}
	return res, r.logFile(ctx, r.parentID, "prepare", filepath.Join(dir, "preprocessor.json"))
}

func loadPrepare(r *Runner, raw json.RawMessage) error { return nil }

// candidateResult is the best trial of one learner, refitted on all the
// training rows.
type candidateResult struct {
	Learner string         `json:"learner"`
	Params  map[string]any `json:"params"`
	// ValidScore is the best trial's validation score: the task's
	// selection metric (selectionMetric), higher is better.
	ValidScore float64 `json:"valid_score"`
	Trials     int     `json:"trials"`
	Model      string  `json:"model"` // predictor.json path
	TrialRunID string  `json:"trial_run_id"`
}

type modelResult struct {
	Candidates []candidateResult `json:"candidates"`
	Winner     string            `json:"winner"`
	// OOF is the file of the winner's out-of-fold scores on the training
	// period (oofScores), on which the decision threshold is chosen.
	OOF string `json:"oof"`
	// Offset is a regression winner's shift to its value of least expected
	// cost (business.under_cost and over_cost), from its out-of-fold errors.
	Offset float64 `json:"offset,omitempty"`
}

// oofScores are a learner's scores on training rows from models that did
// not see them: each validation fold scored by a fit on the other rows.
type oofScores struct {
	Y     []float64 `json:"y"`
	Score []float64 `json:"score"`
	// From says how they were made, for reports.
	From string `json:"from"`
}

// outOfFold scores every validation fold with the learner fitted, with
// params, on the fold's fitting rows.
func outOfFold(ctx context.Context, folds []trialFold, task, learner string, params map[string]any, seed uint64) (oofScores, error) {
	var o oofScores
	for _, fo := range folds {
		m, err := newLearner(task, learner, params, seed, 2)
		if err != nil {
			return o, err
		}
		p, err := fitPredict(ctx, task, m, fo)
		if err != nil {
			return o, err
		}
		o.Y, o.Score = append(o.Y, fo.yVal...), append(o.Score, p...)
	}
	return o, nil
}

// trialFold is one way of scoring trials: fit on some training rows,
// score on others, with the preprocessor fitted on the fitting rows only.
type trialFold struct {
	xFit, xVal *ml.Matrix
	yFit, yVal []float64
}

// trialFolds cuts the training rows for scoring trials (cvFolds), each
// fold with its own preprocessor fitted on its fitting rows. None ever sees
// the holdout.
func (r *Runner) trialFolds() ([]trialFold, error) {
	f, _, err := r.features()
	if err != nil {
		return nil, err
	}
	train := r.st.train
	y, err := r.st.target(train)
	if err != nil {
		return nil, err
	}
	folds, err := r.cvFolds(train, y)
	if err != nil {
		return nil, fmt.Errorf("cross-validation (%s): %w", r.validationText(), err)
	}
	var out []trialFold
	for _, fo := range folds {
		fit, err := f.Take(pick(train, fo.Train))
		if err != nil {
			return nil, err
		}
		val, err := f.Take(pick(train, fo.Test))
		if err != nil {
			return nil, err
		}
		pp, err := r.Spec.Prepare.preprocessor()
		if err != nil {
			return nil, err
		}
		tf := trialFold{yFit: pick(y, fo.Train), yVal: pick(y, fo.Test)}
		if tf.xFit, err = pp.FitTransform(fit, tf.yFit); err != nil {
			return nil, err
		}
		if tf.xVal, err = pp.Transform(val); err != nil {
			return nil, err
		}
		out = append(out, tf)
	}
	return out, nil
}

func pick[T any](xs []T, idx []int) []T {
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = xs[i]
	}
	return out
}

func runModel(ctx context.Context, r *Runner, dir string) (any, error) {
	folds, err := r.trialFolds()
	if err != nil {
		return nil, err
	}
	total := 0
	for _, c := range r.Spec.Model.Candidates {
		total += trialCount(c)
	}
	var done atomic.Int64
	var res modelResult
	task, k := r.st.info.Task, len(r.st.info.Classes)
	for _, c := range r.Spec.Model.Candidates {
		space, _ := c.space()
		// Trials run one at a time and each is reported as soon as it ends,
		// so the run logged for it can carry when it really started and
		// ended (logging happens after the fact).
		var trialStart, trialEnd time.Time
		obj := func(ctx context.Context, p selection.Params, _ int) (float64, map[string]float64, error) {
			trialStart = r.Now()
			defer func() { trialEnd = r.Now() }()
			sum := map[string]float64{}
			for _, fo := range folds {
				m, err := newLearner(task, c.Learner, merged(c.Params, p), r.Spec.Seed, k)
				if err != nil {
					return 0, nil, err
				}
				pred, err := fitPredict(ctx, task, m, fo)
				if err != nil {
					return 0, nil, err
				}
				ms, err := validMetrics(task, fo.yVal, pred, k)
				if err != nil {
					return 0, nil, err
				}
				for name, v := range ms {
					sum[name] += v / float64(len(folds))
				}
			}
			logged := make(map[string]float64, len(sum))
			for name, v := range sum {
				logged["valid_"+name] = v
			}
			return score(task, sum), logged, nil
		}
		runIDs := map[int]string{}
		var logErr error
		rep := selection.ReporterFunc(func(ctx context.Context, t selection.Trial) {
			n := done.Add(1)
			fmt.Fprintf(r.Progress, "         trial %d/%d %s valid %s %.4f, %s\n", n, total, c.Learner, selectionMetric(task), scoreValue(task, t.Score), paramsText(t.Params))
			id, err := r.logTrial(ctx, c, t, trialStart, trialEnd)
			if err != nil && logErr == nil {
				logErr = err
			}
			runIDs[t.Number] = id
		})
		var out selection.Result
		if c.Search == "grid" || len(space) == 0 {
			out, err = selection.Grid(ctx, space, obj, rep)
		} else {
			out, err = selection.Random(ctx, space, c.Trials, r.Spec.Seed, obj, rep)
		}
		if err != nil {
			return nil, fmt.Errorf("%s search: %w", c.Learner, err)
		}
		if logErr != nil {
			return nil, fmt.Errorf("logging %s trials: %w", c.Learner, logErr)
		}
		params := merged(c.Params, out.Best.Params)
		path := filepath.Join(dir, c.Learner+".json")
		if err := r.refit(ctx, c.Learner, params, path); err != nil {
			return nil, err
		}
		res.Candidates = append(res.Candidates, candidateResult{Learner: c.Learner, Params: params, ValidScore: out.Best.Score, Trials: len(out.Trials), Model: path, TrialRunID: runIDs[out.Best.Number]})
	}
	best := slices.MaxFunc(res.Candidates, func(a, b candidateResult) int {
		switch {
		case a.ValidScore < b.ValidScore:
			return -1
		case a.ValidScore > b.ValidScore:
			return 1
		}
		return 0
	})
	res.Winner = best.Learner
	if b := r.Spec.Business; task == ml.TaskRegression && b.UnderCost > 0 && b.OverCost > 0 {
		fmt.Fprintf(r.Progress, "           scoring %s out of fold for the value of least expected cost\n", best.Learner)
		oof, err := outOfFold(ctx, folds, task, best.Learner, best.Params, r.Spec.Seed)
		if err != nil {
			return nil, fmt.Errorf("out-of-fold predictions of %s: %w", best.Learner, err)
		}
		res.Offset = leastCostOffset(oof.Y, oof.Score, b.UnderCost, b.OverCost)
	}
	if task == ml.TaskBinary {
		fmt.Fprintf(r.Progress, "           scoring %s out of fold for the decision threshold\n", best.Learner)
		oof, err := outOfFold(ctx, folds, ml.TaskBinary, best.Learner, best.Params, r.Spec.Seed)
		if err != nil {
			return nil, fmt.Errorf("out-of-fold scores of %s: %w", best.Learner, err)
		}
		oof.From = "out-of-fold predictions of " + r.validationText()
		res.OOF = filepath.Join(dir, "oof.json")
		if err := writeJSON(res.OOF, oof); err != nil {
			return nil, err
		}
	}
	if err := r.logParams(ctx, r.parentID, []tracking.Param{{Key: "model.winner", Value: best.Learner}}); err != nil {
		return nil, err
	}
	return res, loadModel(r, mustJSON(res))
}

func trialCount(c CandidateSpec) int {
	space, _ := c.space()
	if c.Search == "random" && len(space) > 0 {
		return c.Trials
	}
	n := 1
	for _, d := range space {
		n *= len(d.Grid())
	}
	return n
}

// logTrial records a trial as a run nested under the pipeline run.
func (r *Runner) logTrial(ctx context.Context, c CandidateSpec, t selection.Trial, start, end time.Time) (string, error) {
	id, err := r.childRun(ctx, fmt.Sprintf("%s-trial-%d", c.Learner, t.Number), start, tracking.Tag{Key: "weir.learner", Value: c.Learner},
		// The web UI opens the runs table on the metric trials are judged by.
		tracking.Tag{Key: "weir.selection_metric", Value: selectionMetric(r.st.info.Task)})
	if err != nil {
		return "", err
	}
	all := merged(c.Params, t.Params)
	var params []tracking.Param
	params = append(params, tracking.Param{Key: "learner", Value: c.Learner})
	for _, k := range slices.Sorted(maps.Keys(all)) {
		params = append(params, tracking.Param{Key: k, Value: selection.FormatValue(all[k])})
	}
	if err := r.logParams(ctx, id, params); err != nil {
		return id, err
	}
	if err := r.logMetrics(ctx, id, t.Metrics); err != nil {
		return id, err
	}
	// Lineage on the trial itself: the dataset it was trained on.
	if err := r.logDataset(ctx, id, r.st.dataset, r.st.frame, "training"); err != nil {
		return id, err
	}
	return id, r.endRun(ctx, id, t.Err != nil, end)
}

// refit fits the learner with params and a fresh preprocessor on every
// training row and saves the predictor.
func (r *Runner) refit(ctx context.Context, learner string, params map[string]any, path string) error {
	f, _, err := r.features()
	if err != nil {
		return err
	}
	train, err := f.Take(r.st.train)
	if err != nil {
		return err
	}
	pp, err := r.Spec.Prepare.preprocessor()
	if err != nil {
		return err
	}
	info := r.st.info
	m, err := newLearner(info.Task, learner, params, r.Spec.Seed, len(info.Classes))
	if err != nil {
		return err
	}
	costs, err := costMatrix(r.Spec.Business, info.Classes)
	if err != nil {
		return err
	}
	spec := predictor.Spec{Task: info.Task, Preprocessor: pp, Model: m}
	if info.Task == ml.TaskMulticlass {
		spec.CostMatrix = costs
	}
	if info.Task == ml.TaskBinary {
		spec.Positive = info.Classes[1]
	}
	p, err := predictor.Fit(ctx, train, r.Spec.Data.Target, spec)
	if err != nil {
		return fmt.Errorf("refitting %s: %w", learner, err)
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := p.Save(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func loadModel(r *Runner, raw json.RawMessage) error {
	var res modelResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	for _, c := range res.Candidates {
		if _, err := os.Stat(c.Model); err != nil {
			return err
		}
	}
	if res.OOF != "" {
		if _, err := os.Stat(res.OOF); err != nil {
			return err
		}
	}
	r.st.candidates, r.st.winner, r.st.oofPath, r.st.offset = res.Candidates, res.Winner, res.OOF, res.Offset
	r.st.summary.Winner = res.Winner
	return nil
}

// loadPredictor reads a saved predictor.
func loadPredictor(path string) (*predictor.Predictor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return predictor.Load(f)
}
