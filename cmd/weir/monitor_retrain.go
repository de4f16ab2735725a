//go:build !weir_serve

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/gbdt"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/monitor"
	"github.com/weir-ml/weir/registry"
	"github.com/weir-ml/weir/tracking"
)

// monitorRetrainCmd retrains a registered model on recent labelled data and
// lets the challenger replace the champion only when it is better.
type monitorRetrainCmd struct {
	trackingFlags
	alertFlags
	ModelURI  string  `short:"m" name:"model-uri" required:"" help:"Champion: models:/NAME@ALIAS or models:/NAME/VERSION."`
	Data      string  `required:"" help:"Recent labelled data, a CSV or Parquet table (local or s3://) in time order, or joined.jsonl; the newest rows (--eval-share, or --eval) judge the models."`
	Eval      string  `help:"The newest labelled window as its own file (CSV or joined .jsonl); then all of --data trains the challenger."`
	EvalShare float64 `help:"Share of --data's newest rows kept to compare the models." default:"0.25"`
	Target    string  `help:"Label column." default:"y"`
	Force     bool    `help:"Retrain even when no rule fires."`
	Rules     string  `help:"Alert rules; retraining happens only when one fires on --data against the model's reference."`
	Reference string  `help:"Reference CSV or profile JSON when the model has no reference_profile.json."`
	Metric    string  `help:"Metric the challenger must win on: roc_auc or business_value." default:"roc_auc" enum:"roc_auc,business_value"`
	Margin    float64 `help:"How much better the challenger must be to be promoted." default:"0.005"`
	ValueTP   float64 `name:"value-tp" help:"Business value of a true positive (for --metric business_value)." default:"0"`
	ValueFP   float64 `name:"value-fp" help:"Business value of a false positive (usually a negative cost)." default:"0"`
	Alias     string  `help:"Alias the winner takes." default:"champion"`
	Window    period  `help:"Performance window of a joined .jsonl --data, for the rules." default:"1w"`
	Spec      string  `help:"Learner and params of the challenger, JSON or YAML {learner, params, seed, threshold} (default: the champion's own; gbdt with default params for a model another library saved)."`
}

// retrainOutcome is what the command prints as JSON and posts to the webhook.
type retrainOutcome struct {
	Model             string            `json:"model"`
	ChampionVersion   string            `json:"champion_version"`
	ChallengerVersion string            `json:"challenger_version,omitempty"`
	Retrained         bool              `json:"retrained"`
	Alerts            []monitor.Alert   `json:"alerts"`
	Decision          *monitor.Decision `json:"decision,omitempty"`
	RunID             string            `json:"run_id"`
	Reason            string            `json:"reason"`
}

func (c *monitorRetrainCmd) Run(g *globals) error {
	alias, name := aliasOf(c.ModelURI)
	if alias == "" {
		n, v, ok := strings.Cut(strings.TrimPrefix(c.ModelURI, "models:/"), "/")
		if !strings.HasPrefix(c.ModelURI, "models:/") || !ok || n == "" || v == "" {
			return usagef("--model-uri %q: retraining needs a registered model, models:/NAME@ALIAS or models:/NAME/VERSION", c.ModelURI)
		}
		name = n
	}
	if c.EvalShare <= 0 || c.EvalShare >= 1 {
		return usagef("--eval-share %v must be between 0 and 1", c.EvalShare)
	}
	rules, err := readRules(c.Rules)
	if err != nil {
		return err
	}
	if !c.Force && len(rules) == 0 {
		return usagef("give --rules (retrain when one fires) or --force")
	}
	if c.Spec != "" { // refuse a bad spec before anything is logged
		rs, err := readRetrainSpec(c.Spec)
		if err != nil {
			return err
		}
		if _, err := rs.learner(); err != nil {
			return err
		}
	}
	ld := &modelLoader{flags: c.trackingFlags}
	defer ld.close()
	champ, err := loadMonitoredModel(g.ctx, ld, c.ModelURI)
	if err != nil {
		return err
	}
	defer champ.close()
	b, err := ld.backend(g.ctx)
	if err != nil {
		return err
	}
	ch, err := championFor(champ)
	if err != nil {
		return err
	}
	train, eval, err := c.split(ch.classes)
	if err != nil {
		return err
	}
	out := retrainOutcome{Model: name, ChampionVersion: champ.id.version, Alerts: []monitor.Alert{}}
	if !c.Force {
		if out.Alerts, err = c.alerts(g.ctx, champ, rules, eval.NumRows()); err != nil {
			return err
		}
	}
	run, err := monitoringRun(g.ctx, b, name, "retrain-"+champ.id.version,
		tracking.Tag{Key: "weir.monitoring.model", Value: name},
		tracking.Tag{Key: "weir.monitoring.champion_version", Value: champ.id.version})
	if err != nil {
		return err
	}
	out.RunID = run.Info.RunID
	if c.Force || len(out.Alerts) > 0 {
		if err := c.retrain(g.ctx, b, champ, ch, name, run, train, eval, &out); err != nil {
			status := tracking.StatusFailed
			b.tracking.UpdateRun(context.WithoutCancel(g.ctx), run.Info.RunID, tracking.RunUpdate{Status: &status})
			return err
		}
	} else {
		out.Reason = "no rule fired: champion kept without retraining"
	}
	if err := b.tracking.SetTag(g.ctx, run.Info.RunID, tracking.Tag{Key: "weir.monitoring.decision", Value: out.Reason}); err != nil {
		return err
	}
	if err := finishRun(g.ctx, b, run.Info.RunID); err != nil {
		return err
	}
	if len(out.Alerts) > 0 {
		if err := c.notify(g, out); err != nil {
			g.logger.Error("alert webhook", "err", err)
		}
	}
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// alerts evaluates the rules on --data against the champion's reference,
// with performance windows the size of the comparison window (CSV) or of
// --window (a joined log).
func (c *monitorRetrainCmd) alerts(ctx context.Context, champ *monitoredModel, rules []monitor.Rule, evalRows int) ([]monitor.Alert, error) {
	rc := &monitorReportCmd{dataFlags: dataFlags{Target: c.Target}, Reference: c.Reference, Window: c.Window, WindowRows: max(evalRows, 1), DriftShare: 0.5}
	var cur *labelled
	var err error
	if strings.HasSuffix(c.Data, ".jsonl") {
		preds, err := readJoined(c.Data)
		if err != nil {
			return nil, err
		}
		if cur, err = logged(preds, c.Target, c.Data); err != nil {
			return nil, err
		}
	} else if cur, err = rc.scoreCSV(c.Data, champ); err != nil {
		return nil, err
	}
	rep, err := rc.report(ctx, champ, cur)
	if err != nil {
		return nil, err
	}
	alerts, err := monitor.Evaluate(rules, rep.Drift, rep.Windows)
	if err != nil {
		return nil, usagef("--rules: %v", err)
	}
	return alerts, nil
}

// split reads the training rows and the comparison window.
func (c *monitorRetrainCmd) split(classes [2]string) (train, eval *frame.Frame, err error) {
	data, err := readTrainingFrame(c.Data, c.Target, classes)
	if err != nil {
		return nil, nil, err
	}
	if c.Eval != "" {
		eval, err := readTrainingFrame(c.Eval, c.Target, classes)
		if err != nil {
			return nil, nil, err
		}
		return data, eval, nil
	}
	n := data.NumRows()
	k := int(math.Round(float64(n) * (1 - c.EvalShare)))
	if k < 2 || k > n-2 {
		return nil, nil, usagef("--data has %d labelled rows: too few to both train and compare", n)
	}
	if train, err = data.Slice(0, k); err != nil {
		return nil, nil, err
	}
	eval, err = data.Slice(k, n)
	return train, eval, err
}

// retrain fits the challenger with the champion's configuration, scores both
// on the comparison window, registers the challenger and moves the alias when
// it wins.
func (c *monitorRetrainCmd) retrain(ctx context.Context, b *backend, champ *monitoredModel, ch retrainChampion, name string, run *tracking.Run,
	train, eval *frame.Frame, out *retrainOutcome) error {
	var spec predictor.Spec
	if c.Spec != "" {
		rs, err := readRetrainSpec(c.Spec)
		if err != nil {
			return err
		}
		spec, err = rs.spec(ch.classes[1], ch.threshold)
		if err != nil {
			return err
		}
	} else {
		var err error
		if spec, err = ch.spec(); err != nil {
			return err
		}
	}
	keep := append(common(train, train, champ.inputs()), c.Target)
	tf, err := train.Select(keep...)
	if err != nil {
		return usagef("--data: %v", err)
	}
	chall, err := predictor.Fit(ctx, tf, c.Target, spec)
	if err != nil {
		return usagef("retraining on --data: %v", err)
	}
	ycol, err := eval.Column(c.Target)
	if err != nil {
		return err
	}
	y, err := binaryLabels(ycol, ch.classes[1])
	if err != nil {
		return usagef("--eval labels: %v", err)
	}
	ps, err := scoreBoth(eval, y, champ, chall)
	if err != nil {
		return err
	}
	d, err := monitor.Challenge(ps.y, ps.champ, ps.chall, monitor.ChallengeOptions{
		Metric: c.Metric, Margin: c.Margin, ChampionThreshold: ch.threshold, ChallengerThreshold: chall.Threshold,
		Value: monitor.Value{TP: c.ValueTP, FP: c.ValueFP},
	})
	if err != nil {
		return err
	}
	out.Retrained, out.Decision, out.Reason = true, &d, d.Reason
	learner, _ := chall.LearnerType()
	if err := b.tracking.LogBatch(ctx, run.Info.RunID, []tracking.Metric{
		{Key: "champion." + d.Metric, Value: float64(d.Champion)},
		{Key: "challenger." + d.Metric, Value: float64(d.Challenger)},
		{Key: "eval_rows", Value: float64(d.Rows)},
		{Key: "train_rows", Value: float64(tf.NumRows())},
		{Key: "promoted", Value: b2f(d.Promote)},
	}, []tracking.Param{{Key: "learner", Value: learner}, {Key: "margin", Value: fmt.Sprint(c.Margin)}, {Key: "metric", Value: d.Metric}}, nil); err != nil {
		return err
	}
	ver, err := c.register(ctx, b, name, run, chall, tf, d)
	if err != nil {
		return fmt.Errorf("registering the challenger: %w", err)
	}
	out.ChallengerVersion = ver
	if d.Promote {
		return b.registry.SetRegisteredModelAlias(ctx, name, c.Alias, ver)
	}
	return nil
}

// championSpec rebuilds the champion's configuration unfitted: its
// learner with the same parameters (reloaded from the champion's own JSON,
// so the champion is untouched), its positive class and threshold.
func championSpec(p *predictor.Predictor) (predictor.Spec, error) {
	var buf bytes.Buffer
	if err := p.Save(&buf); err != nil {
		return predictor.Spec{}, err
	}
	fresh, err := predictor.Load(&buf)
	if err != nil {
		return predictor.Spec{}, err
	}
	m := fresh.Model
	if g, ok := m.(*gbdt.Model); ok {
		// Early stopping needs a validation set the retrain does not have:
		// keep the number of trees it chose instead.
		if g.EarlyStoppingRounds > 0 {
			if g.BestIteration > 0 {
				g.NEstimators = g.BestIteration
			}
			g.EarlyStoppingRounds = 0
		}
		g.ValidX, g.ValidY, g.ValidWeights, g.Trees = nil, nil, nil, nil
	}
	return predictor.Spec{Model: m, Positive: p.Classes[1], Threshold: p.Threshold}, nil
}

// pairedScores are both models' scores on the labelled rows of a window.
type pairedScores struct{ y, champ, chall []float64 }

func scoreBoth(f *frame.Frame, y []float64, champ *monitoredModel, chall *predictor.Predictor) (pairedScores, error) {
	a, err := champ.score(f)
	if err != nil {
		return pairedScores{}, usagef("scoring the champion on the comparison window: %v", err)
	}
	c, _, err := chall.PredictFrame(f)
	if err != nil {
		return pairedScores{}, usagef("scoring the challenger on the comparison window: %v", err)
	}
	var out pairedScores
	for i := range y {
		if !math.IsNaN(y[i]) {
			out.y, out.champ, out.chall = append(out.y, y[i]), append(out.champ, a[i]), append(out.chall, c[i])
		}
	}
	return out, nil
}

// register saves the challenger, logs it under the decision run and creates
// a registry version with the challenger alias.
func (c *monitorRetrainCmd) register(ctx context.Context, b *backend, name string, run *tracking.Run, p *predictor.Predictor, train *frame.Frame, d monitor.Decision) (string, error) {
	dir, err := os.MkdirTemp("", "weir-challenger-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	ex, err := train.Slice(0, min(5, train.NumRows()))
	if err != nil {
		return "", err
	}
	modelDir := dir + "/model"
	if err := mlmodel.Save(modelDir, p, mlmodel.Info{Example: ex, Metadata: map[string]any{"retrained_by": "weir monitor retrain", "decision": d.Reason}}); err != nil {
		return "", err
	}
	// Once promoted, the challenger is monitored as the champion was: against
	// the data it was fit on.
	if err := writeReferenceProfile(modelDir, p, train, c.Target); err != nil {
		return "", fmt.Errorf("reference profile: %w", err)
	}
	lm, err := mlmodel.Log(ctx, modelDir, run.Info.RunID, "challenger", mlmodel.Sinks{Runs: b.tracking, LoggedModels: b.loggedModels, Artifacts: b.artifacts})
	if err != nil {
		return "", err
	}
	mv, err := b.registry.CreateModelVersion(ctx, registry.VersionCreate{
		Name: name, Source: "models:/" + lm.ModelID, RunID: run.Info.RunID, ModelID: lm.ModelID,
		Description: "retrained challenger: " + d.Reason,
	})
	if err != nil {
		return "", err
	}
	if err := b.registry.SetRegisteredModelAlias(ctx, name, "challenger", mv.Version); err != nil {
		return "", err
	}
	return mv.Version, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeReferenceProfile saves in a model directory the reference profile
// weir monitor report and the scoring server's drift gauges read: the
// training frame f, with its label column target, scored by p.
func writeReferenceProfile(modelDir string, p *predictor.Predictor, f *frame.Frame, target string) error {
	proba, _, err := p.PredictFrame(f)
	if err != nil {
		return err
	}
	scored, err := f.With(predictionCol, &frame.FloatColumn{Values: proba})
	if err != nil {
		return err
	}
	prof, err := monitor.NewProfile(scored, monitor.ProfileOptions{Target: target, Prediction: predictionCol, PositiveLabel: p.Classes[1]})
	if err != nil {
		return err
	}
	b, err := json.Marshal(prof)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(modelDir, mlmodel.ReferenceProfileFile), b, 0o644)
}
