package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/weir-ml/weir"
	"github.com/weir-ml/weir/ml"
	"github.com/weir-ml/weir/ml/frame"
	"github.com/weir-ml/weir/ml/metrics"
	"github.com/weir-ml/weir/ml/predictor"
	"github.com/weir-ml/weir/mlmodel"
	"github.com/weir-ml/weir/registry"
)

// Aliases the pipeline sets.
const (
	AliasChallenger = "challenger"
	AliasChampion   = "champion"
)

type registerResult struct {
	Champion  ChampionSummary `json:"champion"`
	ModelDir  string          `json:"model_dir"`
	ModelCard string          `json:"model_card"`
}

// withThreshold returns the predictor saved at path with its decision
// threshold replaced; the saved form is edited because a checked predictor
// must not be modified.
func withThreshold(path string, th float64) (*predictor.Predictor, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	doc["threshold"] = mustJSON(math.Min(math.Max(th, 0), 1))
	b, err = json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	p := &predictor.Predictor{}
	return p, p.UnmarshalJSON(b)
}

// withOffset returns the regression predictor saved at path shifted by
// offset (none when 0), edited in its saved form as withThreshold does.
func withOffset(path string, offset float64) (*predictor.Predictor, error) {
	if offset == 0 {
		return loadPredictor(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	doc["offset"] = mustJSON(offset)
	if b, err = json.Marshal(doc); err != nil {
		return nil, err
	}
	p := &predictor.Predictor{}
	return p, p.UnmarshalJSON(b)
}

func runRegister(ctx context.Context, r *Runner, dir string) (any, error) {
	var win candidateResult
	for _, c := range r.st.candidates {
		if c.Learner == r.st.winner {
			win = c
		}
	}
	var p *predictor.Predictor
	var err error
	if r.st.info.Task == ml.TaskBinary {
		p, err = withThreshold(win.Model, r.st.threshold)
	} else {
		p, err = withOffset(win.Model, r.st.offset)
	}
	if err != nil {
		return nil, err
	}
	f, _, err := r.features()
	if err != nil {
		return nil, err
	}
	example, err := f.Take(r.st.holdout[:5])
	if err != nil {
		return nil, err
	}
	modelDir := filepath.Join(dir, "model")
	s := r.st.summary
	lineage := map[string]any{
		"pipeline": r.Spec.Name, "pipeline_run_id": r.parentID, "weir_version": weir.Version,
		"git_revision": r.GitRevision, "seed": r.Spec.Seed, "dataset": r.Spec.Data.Name,
		"dataset_digest": s.Data.Digest, "dataset_sha256": s.Data.SHA256, "learner": win.Learner,
	}
	meta := maps.Clone(lineage)
	if b := r.Spec.Business; r.st.info.Task == ml.TaskBinary && (b.CostPerContact != 0 || b.ValuePerConversion != 0) {
		// weir monitor report prices the model's decisions with these, as
		// the pipeline's own replay does.
		meta["business"] = map[string]any{"value_tp": b.ValuePerConversion - b.CostPerContact, "value_fp": -b.CostPerContact}
	}
	if err := mlmodel.Save(modelDir, p, mlmodel.Info{Example: example, Metadata: meta}); err != nil {
		return nil, err
	}
	card := filepath.Join(modelDir, "model_card.md")
	if err := os.WriteFile(card, []byte(r.modelCard(win, lineage, p.InputSchema())), 0o644); err != nil {
		return nil, err
	}
	// The profile travels with the model, so monitoring a registered
	// version needs nothing but its URI.
	prof, err := r.referenceProfile(p)
	if err != nil {
		return nil, fmt.Errorf("reference profile: %w", err)
	}
	if err := writeJSON(filepath.Join(modelDir, mlmodel.ReferenceProfileFile), prof); err != nil {
		return nil, err
	}
	b := r.Backend
	name := r.Spec.Registry.ModelName
	if _, err := b.Registry.GetRegisteredModel(ctx, name); weir.ErrorCode(err) == weir.ErrResourceDoesNotExist {
		if _, err := b.Registry.CreateRegisteredModel(ctx, name, r.Spec.Business.Question, nil); err != nil && weir.ErrorCode(err) != weir.ErrResourceAlreadyExists {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	digest, err := fileDigest(filepath.Join(modelDir, mlmodel.PredictorFile))
	if err != nil {
		return nil, err
	}
	// The same predictor bytes are the same model: an unchanged rerun
	// finds its version instead of registering a copy.
	mv, err := r.versionWithDigest(ctx, name, digest)
	if err != nil {
		return nil, err
	}
	var modelID string // the logged model the version holds
	if mv == nil {
		lm, err := mlmodel.Log(ctx, modelDir, r.parentID, "model", mlmodel.Sinks{Runs: b.Tracking, LoggedModels: b.LoggedModels, Artifacts: b.Artifacts})
		if err != nil {
			return nil, fmt.Errorf("logging the model: %w", err)
		}
		mv, err = b.Registry.CreateModelVersion(ctx, registry.VersionCreate{
			Name: name, Source: "models:/" + lm.ModelID, RunID: r.parentID, ModelID: lm.ModelID,
			Description: fmt.Sprintf("%s, holdout %s %.4f", win.Learner, selectionMetric(r.st.info.Task), s.Holdout[win.Learner][selectionMetric(r.st.info.Task)]),
			Tags: []registry.Tag{{Key: "weir.dataset_digest", Value: s.Data.Digest}, {Key: "weir.learner", Value: win.Learner},
				{Key: modelDigestTag, Value: digest}},
		})
		if err != nil {
			return nil, fmt.Errorf("registering %s: %w", name, err)
		}
		modelID = lm.ModelID
	} else {
		// Servers differ in whether a version answers its model_id; its
		// source names the logged model either way.
		modelID = mv.ModelID
		if modelID == "" {
			modelID = strings.TrimPrefix(mv.Source, "models:/")
		}
		fmt.Fprintf(r.Progress, "           the model is unchanged: version %s of %s already holds it\n", mv.Version, name)
	}
	if err := r.logFile(ctx, r.parentID, "reports", card); err != nil {
		return nil, err
	}
	if err := b.Registry.SetRegisteredModelAlias(ctx, name, AliasChallenger, mv.Version); err != nil {
		return nil, err
	}
	ch := ChampionSummary{Name: name, Version: mv.Version, ModelID: modelID, Aliases: []string{AliasChallenger}}
	promote, reason, err := r.beatsChampion(ctx, mv.Version, s.Holdout[win.Learner][selectionMetric(r.st.info.Task)])
	if err != nil {
		return nil, err
	}
	ch.Reason = reason
	if promote {
		if err := b.Registry.SetRegisteredModelAlias(ctx, name, AliasChampion, mv.Version); err != nil {
			return nil, err
		}
		ch.Aliases, ch.Promoted = append(ch.Aliases, AliasChampion), true
	}
	ch.ModelURI = fmt.Sprintf("models:/%s/%s", name, mv.Version)
	if err := r.refreshAliases(ctx, &ch); err != nil {
		return nil, err
	}
	res := registerResult{Champion: ch, ModelDir: modelDir, ModelCard: card}
	return res, loadRegister(r, mustJSON(res))
}

// modelDigestTag is the model-version tag holding the SHA-256 of the
// version's predictor.json.
const modelDigestTag = "weir.model_digest"

// fileDigest returns the hex SHA-256 of a file.
func fileDigest(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// versionWithDigest returns the newest version of the registered model
// whose predictor has the given digest, or nil.
func (r *Runner) versionWithDigest(ctx context.Context, name, digest string) (*registry.ModelVersion, error) {
	vs, _, err := r.Backend.Registry.SearchModelVersions(ctx, registry.Search{
		Filter:     fmt.Sprintf("name = '%s' AND tags.`%s` = '%s'", strings.ReplaceAll(name, "'", "\\'"), modelDigestTag, digest),
		OrderBy:    []string{"version_number DESC"},
		MaxResults: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("looking for an unchanged model in %s: %w", name, err)
	}
	if len(vs) == 0 {
		return nil, nil
	}
	return vs[0], nil
}

// beatsChampion scores the current champion on the same holdout and says
// whether the challenger version, with the given AUC, beats it by the
// margin.
func (r *Runner) beatsChampion(ctx context.Context, version string, auc float64) (bool, string, error) {
	b := r.Backend
	name := r.Spec.Registry.ModelName
	// The alias list says whether there is a champion; servers differ in
	// the error code of a missing alias.
	rm, err := b.Registry.GetRegisteredModel(ctx, name)
	if err != nil {
		return false, "", err
	}
	hasChampion := false
	for _, a := range rm.Aliases {
		hasChampion = hasChampion || a.Alias == AliasChampion
	}
	if !hasChampion {
		return true, "no champion yet: the challenger becomes champion", nil
	}
	cur, err := b.Registry.GetModelVersionByAlias(ctx, name, AliasChampion)
	if err != nil {
		return false, "", err
	}
	if cur.Version == version {
		return false, fmt.Sprintf("unchanged model: version %s is already the champion", version), nil
	}
	tmp, err := os.MkdirTemp("", "weir-champion-")
	if err != nil {
		return false, "", err
	}
	defer os.RemoveAll(tmp)
	dir, err := mlmodel.Resolve(ctx, fmt.Sprintf("models:/%s@%s", name, AliasChampion), mlmodel.Sources{
		Runs: b.Tracking, LoggedModels: b.LoggedModels, Registry: b.Registry, Artifacts: b.Artifacts, DownloadDir: tmp,
	})
	if err != nil {
		return false, "", fmt.Errorf("loading champion version %s: %w", cur.Version, err)
	}
	m, err := mlmodel.Load(dir)
	if err != nil {
		return false, "", fmt.Errorf("loading champion version %s: %w", cur.Version, err)
	}
	hold, err := r.st.frame.Take(r.st.holdout)
	if err != nil {
		return false, "", err
	}
	task := r.st.info.Task
	if m.Predictor.Task != task {
		return true, fmt.Sprintf("the champion, version %s, is a %s model: the %s challenger replaces it", cur.Version, m.Predictor.Task, task), nil
	}
	y, err := r.st.target(r.st.holdout)
	if err != nil {
		return false, "", err
	}
	var champ float64
	if task == ml.TaskBinary {
		proba, _, err := m.Predictor.PredictFrame(hold)
		if err != nil {
			return false, "", fmt.Errorf("scoring champion version %s on the holdout: %w", cur.Version, err)
		}
		if champ, err = metrics.ROCAUC(y, proba, nil); err != nil {
			return false, "", err
		}
	} else {
		pred, err := predictHoldout(m.Predictor, hold)
		if err != nil {
			return false, "", fmt.Errorf("scoring champion version %s on the holdout: %w", cur.Version, err)
		}
		ms, err := taskMetrics(task, y, pred, len(r.st.info.Classes))
		if err != nil {
			return false, "", fmt.Errorf("champion version %s on the holdout: %w", cur.Version, err)
		}
		champ = ms[selectionMetric(task)]
	}
	margin, name := r.Spec.Registry.PromoteMargin, selectionMetric(task)
	gain := auc - champ // how much better the challenger is
	if lowerIsBetter(task) {
		gain = champ - auc
	}
	if gain >= margin {
		return true, fmt.Sprintf("challenger %s %.4f beats champion version %s (%.4f) by at least %g: promoted", name, auc, cur.Version, champ, margin), nil
	}
	return false, fmt.Sprintf("challenger %s %.4f does not beat champion version %s (%.4f) by %g: champion kept", name, auc, cur.Version, champ, margin), nil
}

// paramsText writes learner parameters for people: "a=1, b=0.5".
func paramsText(params map[string]any) string {
	if len(params) == 0 {
		return "its defaults"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(params)) {
		v := params[k]
		parts = append(parts, k+"="+paramValue(v))
	}
	return strings.Join(parts, ", ")
}

// paramValue writes one parameter value: numbers to four significant
// digits, text as it is, lists joined with commas.
func paramValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', 4, 64)
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = paramValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case nil:
		return "none"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// refreshAliases sets the aliases of the registered version as the registry
// holds them now (another run or a person may have moved them since the
// version was registered).
func (r *Runner) refreshAliases(ctx context.Context, ch *ChampionSummary) error {
	rm, err := r.Backend.Registry.GetRegisteredModel(ctx, ch.Name)
	if err != nil {
		return fmt.Errorf("reading the aliases of %s: %w", ch.Name, err)
	}
	ch.Aliases = ch.Aliases[:0]
	for _, a := range rm.Aliases {
		if a.Version == ch.Version {
			ch.Aliases = append(ch.Aliases, a.Alias)
		}
	}
	slices.Sort(ch.Aliases)
	return nil
}

func loadRegister(r *Runner, raw json.RawMessage) error {
	var res registerResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return err
	}
	if !hasReferenceProfile(res.ModelDir) {
		return fmt.Errorf("model %s has no %s", res.ModelDir, mlmodel.ReferenceProfileFile)
	}
	r.st.modelDir = res.ModelDir
	s := r.st.summary
	s.ModelDir = res.ModelDir
	s.Champion = res.Champion
	s.Reports["model_card"] = res.ModelCard
	loadServeCommand(s)
	return nil
}

// loadServeCommand sets the summary's serve command: the champion alias
// when the registered version holds it, else the version itself.
func loadServeCommand(s *Summary) {
	s.ServeCommand = fmt.Sprintf("weir models serve -m models:/%s@%s", s.Champion.Name, AliasChampion)
	if !slices.Contains(s.Champion.Aliases, AliasChampion) {
		s.ServeCommand = fmt.Sprintf("weir models serve -m %s", s.Champion.ModelURI)
	}
}

// modelCard writes the model card: intended use, data, metrics, limits and
// lineage.
func (r *Runner) modelCard(win candidateResult, lineage map[string]any, schema frame.Schema) string {
	var inputs []string
	for _, f := range schema.Fields {
		inputs = append(inputs, fmt.Sprintf("%s (%s)", f.Name, f.Kind))
	}
	s := r.st.summary
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Model card: %s", r.Spec.Registry.ModelName)
	use := []string{r.Spec.Business.Question, r.Spec.Business.Decision,
		"Not for decisions about individuals beyond whom to contact; not for periods or populations unlike the training data without monitoring."}
	p("\n## Intended use\n%s", strings.Join(slices.DeleteFunc(use, func(s string) bool { return strings.TrimSpace(s) == "" }), "\n\n"))
	task := r.st.info.Task
	p("\n## Model\n%s %s with params %s, chosen by validation %s %.4f on %s (%s).", task, win.Learner, paramsText(win.Params), metricLabel(selectionMetric(task)), scoreValue(task, win.ValidScore), r.validationText(), countOf(win.Trials, "trial", "trials"))
	outputs := map[string]string{ml.TaskBinary: "probability (double), label (string)", ml.TaskMulticlass: "probabilities (array of double, in class order " + quoteList(r.st.info.Classes) + "), label (string)", ml.TaskRegression: "prediction (double)"}[task]
	p("Signature: inputs %s; outputs %s.", strings.Join(inputs, ", "), outputs)
	if task == ml.TaskBinary {
		p("Decision threshold %.4f (maximises expected profit on %s).", math.Min(math.Max(r.st.threshold, 0), 1), s.Business.ThresholdChosenOn)
	}
	p("\n## Data\n%s (%s), digest %s, SHA-256 %s. Trained on %s rows, evaluated on %s holdout rows (split %s).", s.Data.Name, s.Data.Source, s.Data.Digest, s.Data.SHA256, thousands(s.Data.TrainRows), thousands(s.Data.HoldoutRows), r.Spec.Split.describe())
	if len(r.Spec.Data.Leakage) > 0 {
		p("Excluded as leaking the target: %s.", listText(r.Spec.Data.Leakage))
	}
	cols := []string{"roc_auc", "pr_auc", "log_loss", "brier"}
	if task != ml.TaskBinary {
		cols = metricOrder(task)
	}
	labels := make([]string, len(cols))
	for i, c := range cols {
		labels[i] = metricLabel(c)
	}
	p("\n## Holdout metrics\n| model | %s |\n|---%s|", strings.Join(labels, " | "), strings.Repeat("|---", len(cols)))
	rows := maps.Clone(s.Holdout)
	rows["baseline"] = s.Baseline
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = "–"
			if v, ok := rows[name][c]; ok {
				cells[i] = four(v)
			}
		}
		p("| %s | %s |", name, strings.Join(cells, " | "))
	}
	bs := s.Business
	if task == ml.TaskBinary {
		p("\nBusiness: profit %s at the threshold vs %s contacting everyone; top-decile lift %.2f.", money(bs.Profit), money(bs.ProfitContactAll), bs.LiftTopDecile)
	} else {
		p("\nSuccess criterion (%s): %s.", bs.Criterion, metOrMissed(bs.SuccessCriterionMet))
	}
	r.st.inspection.writeMarkdown(p)
	if task == ml.TaskBinary {
		p("\n## Limits\n- Probabilities are calibrated to the training rows; when the later target rate differs they understate or overstate it.\n- The threshold is chosen on the training rows; when the later target rate differs, the profit it earns differs too (see the holdout figures above).\n- Monitor input drift and performance; retrain when the monitoring decision says so.")
	} else {
		p("\n## Limits\n- The model is as good as the holdout figures above, on data like the training rows.\n- Monitor input drift; retrain when the monitoring decision says so.")
	}
	p("\n## Lineage")
	for _, k := range []string{"pipeline", "pipeline_run_id", "weir_version", "git_revision", "seed", "dataset", "dataset_digest", "dataset_sha256", "learner"} {
		v := paramValue(lineage[k])
		if v == "" {
			v = "(unknown)"
		}
		p("- %s: %s", k, v)
	}
	return b.String()
}

// metricLabel names a metric for people: roc_auc is "ROC AUC".
func metricLabel(m string) string {
	if l, ok := map[string]string{
		"roc_auc": "ROC AUC", "pr_auc": "PR AUC", "log_loss": "log-loss", "brier": "Brier", "ks": "KS",
		"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy", "f1_macro": "F1 (macro)", "f1_weighted": "F1 (weighted)",
		"roc_auc_ovr": "ROC AUC (one vs rest)", "roc_auc_ovo": "ROC AUC (one vs one)", "rmse": "RMSE", "mae": "MAE", "r2": "R²",
		"mape": "MAPE", "explained_variance": "explained variance", "median_ae": "median absolute error",
	}[m]; ok {
		return l
	}
	return strings.ReplaceAll(m, "_", " ")
}

// countOf writes n with the singular or plural noun: "1 trial", "2 trials".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}
