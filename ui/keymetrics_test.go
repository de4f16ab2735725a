package ui

import (
	"strings"
	"testing"

	"github.com/weir-ml/weir/tracking"
)

// metricsRun is a run with the given metric keys (value 1) and tags.
func metricsRun(keys string, tags ...tracking.Tag) *tracking.Run {
	r := &tracking.Run{Data: tracking.RunData{Tags: tags}}
	for _, k := range strings.Fields(keys) {
		r.Data.Metrics = append(r.Data.Metrics, tracking.Metric{Key: k, Value: 1})
	}
	return r
}

func TestKeyMetrics(t *testing.T) {
	pipelineParent := metricsRun("baseline.log_loss baseline.pr_auc baseline.roc_auc holdout.gbdt.roc_auc holdout_log_loss holdout_pr_auc holdout_roc_auc profit")
	trial := metricsRun("valid_log_loss valid_pr_auc valid_roc_auc")
	sel := tracking.Tag{Key: TagSelectionMetric, Value: "pr_auc"}
	cases := []struct {
		name string
		exp  *tracking.Experiment
		runs []*tracking.Run
		want string
	}{
		{"pipeline run: its selection metric, not baseline.*", nil, []*tracking.Run{pipelineParent},
			"holdout_roc_auc holdout_log_loss holdout_pr_auc baseline.log_loss"},
		{"pipeline run and trials", nil, []*tracking.Run{pipelineParent, trial, trial},
			"holdout_roc_auc valid_roc_auc valid_log_loss valid_pr_auc"},
		// The demo's trials log two valid_ metrics: the rest of the holdout_
		// family comes before the baseline.
		{"trials with fewer metrics", nil, []*tracking.Run{pipelineParent, metricsRun("valid_roc_auc valid_log_loss"), metricsRun("valid_roc_auc valid_log_loss")},
			"holdout_roc_auc valid_roc_auc valid_log_loss holdout_log_loss"},
		{"regression pipeline", nil, []*tracking.Run{metricsRun("baseline.rmse holdout_mae holdout_rmse")},
			"holdout_rmse holdout_mae baseline.rmse"},
		{"tagged runs name the metric", nil, []*tracking.Run{metricsRun("a holdout_pr_auc z", sel), metricsRun("a")},
			"holdout_pr_auc a z"},
		{"the experiment's tag first", &tracking.Experiment{Tags: []tracking.Tag{{Key: TagSelectionMetric, Value: "z"}}},
			[]*tracking.Run{metricsRun("a z", sel)}, "z a"},
		{"otherwise the most common", nil, []*tracking.Run{metricsRun("b c"), metricsRun("c"), metricsRun("a c")},
			"c a b"},
		{"a named metric no run has is skipped", nil, []*tracking.Run{metricsRun("a", tracking.Tag{Key: TagSelectionMetric, Value: "nope"})}, "a"},
		{"no runs", nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(keyMetrics(c.exp, c.runs, 4), " ")
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestCommonParams(t *testing.T) {
	run := func(kv ...string) *tracking.Run {
		r := &tracking.Run{}
		for i := 0; i < len(kv); i += 2 {
			r.Data.Params = append(r.Data.Params, tracking.Param{Key: kv[i], Value: kv[i+1]})
		}
		return r
	}
	runs := []*tracking.Run{
		run("learner", "gbdt", "seed", "1", "num_leaves", "31"),
		run("learner", "logistic", "seed", "1", "C", "1"),
		run("learner", "gbdt", "seed", "1", "num_leaves", "63"),
	}
	got := strings.Join(commonParams(runs, 3), " ")
	// learner and seed are in every run; learner's values differ, so it goes first.
	if want := "learner seed num_leaves"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRunsPinnedColumnsComeFirst(t *testing.T) {
	h, _, _ := newSample(t)
	body := get(t, h, "/experiments/1?m=auc&p=model&p=max_depth&pin=p:max_depth").Body.String()
	first := strings.Index(body, `<span class="kind">param</span> max_depth`)
	auc := strings.Index(body, `<span class="kind">metric</span> auc`)
	if first < 0 || auc < 0 || first > auc {
		t.Fatalf("the pinned column max_depth is not before auc (at %d and %d)", first, auc)
	}
	if !strings.Contains(body, `class="param pinned"`) || !strings.Contains(body, `aria-label="Unpin param max_depth"`) {
		t.Errorf("the pinned column is not marked as pinned")
	}
	// Every link of the page keeps the pin, and unpinning drops only it.
	if !strings.Contains(body, `order=metrics.%60auc%60&#43;DESC&amp;p=max_depth&amp;p=model&amp;pin=p%3Amax_depth`) {
		t.Errorf("the sort link forgets the pin")
	}
	if !strings.Contains(body, `href="?m=auc&amp;n=50&amp;p=max_depth&amp;p=model" title="Unpin`) {
		t.Errorf("the unpin link does not keep the columns without the pin")
	}
	if !strings.Contains(body, `<input type="hidden" name="pin" value="p:max_depth">`) {
		t.Errorf("the filter form forgets the pin")
	}
}

func TestDistinctPoints(t *testing.T) {
	pt := func(step, ts int64, v float64, model string) tracking.Metric {
		return tracking.Metric{Key: "auc", Step: step, Timestamp: ts, Value: v, ModelID: model}
	}
	cases := []struct {
		name string
		in   []tracking.Metric
		want int
	}{
		// log_metric, then log_model logs the value again with the model's ID.
		{"a value and its model_id copy", []tracking.Metric{pt(0, 5, 0.9, ""), pt(0, 5, 0.9, "m-1")}, 1},
		{"two values at one step", []tracking.Metric{pt(0, 5, 0.9, ""), pt(0, 5, 0.8, "")}, 2},
		{"one value at two times", []tracking.Metric{pt(0, 5, 0.9, ""), pt(0, 6, 0.9, "")}, 2},
		{"a history with copies inside", []tracking.Metric{pt(0, 1, 1, ""), pt(1, 2, 2, ""), pt(1, 2, 2, "m"), pt(1, 2, 3, ""), pt(1, 2, 2, "n"), pt(2, 3, 2, "")}, 4},
		{"empty", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := len(distinctPoints(c.in)); got != c.want {
				t.Errorf("got %d points, want %d", got, c.want)
			}
		})
	}
}
